import { readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

/** This package's version, read from its package.json (one level above both src/ and dist/). */
export function cliVersion(): string {
  const manifest = path.join(path.dirname(fileURLToPath(import.meta.url)), "..", "package.json");
  return (JSON.parse(readFileSync(manifest, "utf8")) as { version: string }).version;
}

/** The directory of this package, from which its bundled plugins resolve. */
export function cliPackageDirectory(): string {
  return path.join(path.dirname(fileURLToPath(import.meta.url)), "..");
}
