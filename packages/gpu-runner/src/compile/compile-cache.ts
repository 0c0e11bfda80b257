import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";

/** Default cache root: $KFORGE_CACHE_DIR, else $XDG_CACHE_HOME/kernelforge, else ~/.cache/kernelforge. */
export function defaultCacheDirectory(env: NodeJS.ProcessEnv = process.env): string {
  if (env.KFORGE_CACHE_DIR) return env.KFORGE_CACHE_DIR;
  return path.join(env.XDG_CACHE_HOME || path.join(os.homedir(), ".cache"), "kernelforge");
}

/** The content address of a compile: sha256 over every input that can change the output. */
export function compileKey(parts: {
  source: string;
  flags: readonly string[];
  arch: string;
  nvccVersion: string;
}): string {
  return createHash("sha256")
    .update(`kforge-compile-v2\0${parts.nvccVersion}\0${parts.arch}\0${parts.flags.join("\u0001")}\0`)
    .update(parts.source)
    .digest("hex");
}

/**
 * Directory of one compile's artefacts, named only by its hash (never by anything a generator wrote):
 * `<root>/cubin/ab/abcdef...`.
 */
export function entryDirectory(root: string, key: string): string {
  return path.join(root, "cubin", key.slice(0, 2), key);
}

/** Writes a file atomically (temp file then rename), so a killed process never leaves a half-written entry. */
export function writeFileAtomic(file: string, data: string | Uint8Array): void {
  mkdirSync(path.dirname(file), { recursive: true });
  const temporary = `${file}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
  writeFileSync(temporary, data);
  renameSync(temporary, file);
}

export function readJsonIfExists<T>(file: string): T | undefined {
  if (!existsSync(file)) return undefined;
  try {
    return JSON.parse(readFileSync(file, "utf8")) as T;
  } catch {
    return undefined;
  }
}
