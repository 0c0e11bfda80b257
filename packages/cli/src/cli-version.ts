import { readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

declare const __KFORGE_CLI_VERSION__: string | undefined;

/**
 * This package's version: set at build time in bundles (which have no package.json beside them), else read
 * from the package.json one level above both src/ and dist/.
 */
export function cliVersion(): string {
  if (typeof __KFORGE_CLI_VERSION__ === "string") return __KFORGE_CLI_VERSION__;
  const manifest = path.join(path.dirname(fileURLToPath(import.meta.url)), "..", "package.json");
  return (JSON.parse(readFileSync(manifest, "utf8")) as { version: string }).version;
}

/** The directory of this package, from which its bundled plugins resolve. */
export function cliPackageDirectory(): string {
  return path.join(path.dirname(fileURLToPath(import.meta.url)), "..");
}
