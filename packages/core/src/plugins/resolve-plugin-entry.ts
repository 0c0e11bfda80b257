import { existsSync, readFileSync, statSync } from "node:fs";
import path from "node:path";
import { PluginLoadError } from "./plugin-error.js";

/** A plugin specifier resolved to the file to import and the package it belongs to. */
export interface ResolvedPluginEntry {
  specifier: string;
  kind: "package" | "path";
  /** Absolute path of the module to import. */
  entryFile: string;
  /** Directory of the package (or of the file, for a single-file plugin). */
  packageDirectory: string;
  packageName?: string;
  packageVersion?: string;
}

interface PackageManifest {
  name?: string;
  version?: string;
  main?: string;
  module?: string;
  exports?: unknown;
}

/**
 * Resolves a plugin specifier: a path (`./x`, `../x`, `/abs/x`, a file or a package directory) relative to
 * `baseDirectory`, or a package name looked up in `node_modules` folders above each search directory, in order.
 * ESM entry points are read from the package's `exports` (`import`, then `default`), then `module`, then `main`.
 */
export function resolvePluginEntry(
  specifier: string,
  searchDirectories: readonly string[],
): ResolvedPluginEntry {
  const baseDirectory = searchDirectories[0] ?? process.cwd();
  if (isPathSpecifier(specifier)) {
    const target = path.resolve(baseDirectory, specifier);
    if (!existsSync(target)) {
      throw new PluginLoadError("plugin_not_found", specifier, `no file or directory at ${target}`, {
        hint: "Paths in `plugins` are relative to the config file.",
      });
    }
    if (statSync(target).isDirectory()) return fromPackageDirectory(specifier, "path", target);
    return { specifier, kind: "path", entryFile: target, packageDirectory: path.dirname(target) };
  }
  const searched: string[] = [];
  for (const start of searchDirectories) {
    let directory = path.resolve(start);
    for (;;) {
      const candidate = path.join(directory, "node_modules", ...specifier.split("/"));
      searched.push(path.join(directory, "node_modules"));
      if (existsSync(path.join(candidate, "package.json")))
        return fromPackageDirectory(specifier, "package", candidate);
      const parent = path.dirname(directory);
      if (parent === directory) break;
      directory = parent;
    }
  }
  throw new PluginLoadError("plugin_not_found", specifier, "package not installed", {
    hint: `Install it (npm install ${specifier}) or name it by path. Looked in: ${[...new Set(searched)].slice(0, 6).join(", ")}${searched.length > 6 ? ", ..." : ""}`,
  });
}

function isPathSpecifier(specifier: string): boolean {
  return (
    specifier.startsWith("./") ||
    specifier.startsWith("../") ||
    path.isAbsolute(specifier) ||
    specifier === "."
  );
}

function fromPackageDirectory(
  specifier: string,
  kind: "package" | "path",
  directory: string,
): ResolvedPluginEntry {
  const manifestPath = path.join(directory, "package.json");
  if (!existsSync(manifestPath)) {
    const index = ["index.js", "index.mjs"]
      .map((name) => path.join(directory, name))
      .find((file) => existsSync(file));
    if (!index) {
      throw new PluginLoadError(
        "plugin_not_found",
        specifier,
        `${directory} has no package.json and no index.js`,
      );
    }
    return { specifier, kind, entryFile: index, packageDirectory: directory };
  }
  let manifest: PackageManifest;
  try {
    manifest = JSON.parse(readFileSync(manifestPath, "utf8")) as PackageManifest;
  } catch (error) {
    throw new PluginLoadError("plugin_invalid_package", specifier, `cannot read ${manifestPath}`, {
      cause: error,
    });
  }
  const relativeEntry = exportedEntry(manifest.exports) ?? manifest.module ?? manifest.main ?? "index.js";
  const entryFile = path.resolve(directory, relativeEntry);
  if (!existsSync(entryFile)) {
    throw new PluginLoadError(
      "plugin_not_built",
      manifest.name ?? specifier,
      `entry point ${entryFile} does not exist`,
      {
        hint: "Build the plugin package first (npm run build), or check its exports map.",
      },
    );
  }
  return {
    specifier,
    kind,
    entryFile,
    packageDirectory: directory,
    ...(manifest.name === undefined ? {} : { packageName: manifest.name }),
    ...(manifest.version === undefined ? {} : { packageVersion: manifest.version }),
  };
}

/** The ESM entry of the root export: `exports` as a string, or `exports["."]`, preferring `import` then `default`. */
function exportedEntry(exports: unknown): string | undefined {
  if (typeof exports === "string") return exports;
  if (exports === null || typeof exports !== "object") return undefined;
  const record = exports as Record<string, unknown>;
  const root =
    "." in record ? record["."] : Object.keys(record).some((key) => key.startsWith(".")) ? undefined : record;
  return conditionalEntry(root);
}

function conditionalEntry(target: unknown): string | undefined {
  if (typeof target === "string") return target;
  if (target === null || typeof target !== "object" || Array.isArray(target)) return undefined;
  const record = target as Record<string, unknown>;
  for (const condition of ["import", "node", "default"]) {
    if (condition in record) {
      const entry = conditionalEntry(record[condition]);
      if (entry) return entry;
    }
  }
  return undefined;
}
