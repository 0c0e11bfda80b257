import type { Dirent, Stats } from "node:fs";
import { readdir, readFile, realpath, stat } from "node:fs/promises";
import path from "node:path";
import { describeError, KernelForgeError } from "@kernelforge/core";
import { type FileKind, fileKindOf } from "../chunking/index.js";
import { sourceOf, toPosix } from "../paths.js";

/** A file found for ingestion. */
export interface ScannedFile {
  /** Absolute path with `/` separators: the file's key in the index. */
  key: string;
  absolute: string;
  source: string;
  kind: FileKind;
  size: number;
  mtimeMs: number;
}

export interface ScanResult {
  files: ScannedFile[];
  /** Keys (absolute, `/`) of the directories walked: files once ingested under them and now gone are dropped. */
  directories: string[];
  failed: { path: string; reason: string }[];
}

/** Files larger than this are not read (reported in `failed`). */
export const MAX_FILE_BYTES = 64 * 1024 * 1024;

/**
 * Resolves the paths (against `cwd`) and walks the directories among them recursively, in name order. Every path
 * must exist, or nothing is scanned: a KernelForgeError names the first missing one. A walk reads files whose
 * extension names a known kind (see `FILE_KINDS`) and skips entries whose name starts with `.` and
 * `node_modules`; a file named explicitly is read whatever its extension (an unknown one as plain text).
 * Symbolic links are followed, each directory once.
 */
export async function scanPaths(
  paths: readonly string[],
  cwd: string,
  onRoot?: (root: string, index: number) => void,
): Promise<ScanResult> {
  if (paths.length === 0) {
    throw new KernelForgeError("docs_no_paths", "Nothing to ingest: no paths were given", {
      hint: "Name files or directories of Markdown, text, HTML or C/C++ headers, e.g. kforge docs ingest datasets/cuda-docs.",
    });
  }
  const roots: { path: string; absolute: string; stats: Stats }[] = [];
  for (const given of paths) {
    if (typeof given !== "string" || given.trim() === "") {
      throw new KernelForgeError("docs_invalid_path", `Not a path: ${JSON.stringify(given)}`, {
        hint: "Name files or directories to ingest.",
      });
    }
    const absolute = path.resolve(cwd, given);
    try {
      roots.push({ path: given, absolute, stats: await stat(absolute) });
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      throw new KernelForgeError(
        code === "ENOENT" || code === "ENOTDIR" ? "docs_path_not_found" : "docs_path_unreadable",
        code === "ENOENT" || code === "ENOTDIR"
          ? `No such file or directory: ${given} (${absolute})`
          : `Cannot read ${given} (${absolute}): ${describeError(error)}`,
        {
          hint:
            code === "ENOENT" || code === "ENOTDIR"
              ? `Check the path; relative paths are resolved from ${cwd}.`
              : "Check the permissions of the path.",
          cause: error,
        },
      );
    }
  }
  const result: ScanResult = { files: [], directories: [], failed: [] };
  const seenFiles = new Set<string>();
  const seenDirectories = new Set<string>();
  const addFile = (absolute: string, stats: Stats, kind: FileKind) => {
    const key = toPosix(absolute);
    if (seenFiles.has(key)) return;
    seenFiles.add(key);
    result.files.push({
      key,
      absolute,
      source: sourceOf(absolute, cwd),
      kind,
      size: stats.size,
      mtimeMs: stats.mtimeMs,
    });
  };
  const walk = async (directory: string): Promise<void> => {
    let real: string;
    let entries: Dirent[];
    try {
      real = await realpath(directory);
      if (seenDirectories.has(real)) return;
      seenDirectories.add(real);
      entries = await readdir(directory, { withFileTypes: true });
    } catch (error) {
      result.failed.push({
        path: sourceOf(directory, cwd),
        reason: `cannot read the directory: ${describeError(error)}`,
      });
      return;
    }
    entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const entry of entries) {
      if (entry.name.startsWith(".") || entry.name === "node_modules") continue;
      const absolute = path.join(directory, entry.name);
      if (entry.isDirectory()) {
        await walk(absolute);
        continue;
      }
      if (!entry.isFile() && !entry.isSymbolicLink()) continue;
      const kind = fileKindOf(entry.name);
      if (entry.isFile() && kind === undefined) continue;
      let stats: Stats;
      try {
        stats = await stat(absolute);
      } catch (error) {
        result.failed.push({ path: sourceOf(absolute, cwd), reason: `cannot read: ${describeError(error)}` });
        continue;
      }
      if (stats.isDirectory()) await walk(absolute);
      else if (stats.isFile() && kind !== undefined) addFile(absolute, stats, kind);
    }
  };
  for (const [index, root] of roots.entries()) {
    if (root.stats.isDirectory()) {
      result.directories.push(toPosix(root.absolute));
      await walk(root.absolute);
    } else if (root.stats.isFile()) {
      addFile(root.absolute, root.stats, fileKindOf(root.absolute) ?? "text");
    } else {
      result.failed.push({ path: root.path, reason: "not a regular file or a directory" });
    }
    onRoot?.(root.path, index);
  }
  return result;
}

const UTF8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: false });

/**
 * Reads a file as UTF-8 text: `{ bytes, text }`, or `{ reason }` for a file that is not text (it holds NUL
 * bytes, or is not valid UTF-8), is too large, or cannot be read.
 */
export async function readTextFile(
  absolute: string,
): Promise<{ bytes: Buffer; text: string } | { reason: string }> {
  let bytes: Buffer;
  try {
    bytes = await readFile(absolute);
  } catch (error) {
    return { reason: `cannot read: ${describeError(error)}` };
  }
  if (bytes.length > MAX_FILE_BYTES) {
    return {
      reason: `larger than ${MAX_FILE_BYTES / (1024 * 1024)} MiB (${bytes.length} bytes); not ingested`,
    };
  }
  const nul = bytes.indexOf(0);
  if (nul >= 0)
    return { reason: `binary file: it holds NUL bytes (first at byte ${nul}); only text is ingested` };
  try {
    return { bytes, text: UTF8.decode(bytes) };
  } catch {
    return { reason: "not UTF-8 text; only UTF-8 (or ASCII) files are ingested" };
  }
}
