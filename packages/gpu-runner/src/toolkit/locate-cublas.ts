import { existsSync, readdirSync, statSync } from "node:fs";
import path from "node:path";
import { runCommand } from "./run-command.js";

export interface CublasLocation {
  found: boolean;
  /** Directory holding both libcublas and libcublasLt, when found. */
  directory?: string;
  cublas?: string;
  cublasLt?: string;
  /** Every directory looked in, in order. */
  searched: string[];
}

const LIBRARY_PATTERN = /^libcublas\.so(\.\d+)*$/;
const LT_LIBRARY_PATTERN = /^libcublasLt\.so(\.\d+)*$/;

/**
 * Directories searched for cuBLAS, in order: $KFORGE_CUBLAS_DIR, the
 * toolkit's library folders ($CUDA_HOME, $CUDA_PATH, /usr/local/cuda, /usr/local/cuda-*), $LD_LIBRARY_PATH,
 * and the `nvidia/cu13/lib` and `nvidia/cublas/lib` folders of Python environments under /opt and /usr.
 * The harness client passes the directory found here to the native harness (as KFORGE_CUBLAS_DIR), so the
 * harness loads the same libraries that `kforge doctor` reports.
 */
export function cublasSearchDirectories(env: NodeJS.ProcessEnv = process.env): string[] {
  const directories: string[] = [];
  if (env.KFORGE_CUBLAS_DIR) directories.push(env.KFORGE_CUBLAS_DIR);
  const roots = [env.CUDA_HOME, env.CUDA_PATH, "/usr/local/cuda"].filter((root): root is string =>
    Boolean(root),
  );
  for (const entry of safeReaddir("/usr/local"))
    if (/^cuda-\d/.test(entry)) roots.push(path.join("/usr/local", entry));
  for (const root of roots) {
    directories.push(path.join(root, "lib64"), path.join(root, "targets", "x86_64-linux", "lib"));
  }
  for (const directory of (env.LD_LIBRARY_PATH ?? "").split(path.delimiter))
    if (directory) directories.push(directory);
  directories.push(...pythonNvidiaLibraryDirectories("/opt", 5));
  for (const base of ["/usr/local/lib", "/usr/lib"])
    directories.push(...pythonNvidiaLibraryDirectories(base, 1));
  return [...new Set(directories)];
}

/** Finds libcublas and libcublasLt in one directory; falls back to the dynamic linker's cache. */
export async function locateCublas(env: NodeJS.ProcessEnv = process.env): Promise<CublasLocation> {
  const searched = cublasSearchDirectories(env);
  for (const directory of searched) {
    const entries = safeReaddir(directory);
    const cublas = pickLibrary(entries, LIBRARY_PATTERN);
    const cublasLt = pickLibrary(entries, LT_LIBRARY_PATTERN);
    if (cublas && cublasLt) {
      return {
        found: true,
        directory,
        cublas: path.join(directory, cublas),
        cublasLt: path.join(directory, cublasLt),
        searched,
      };
    }
  }
  try {
    const cache = await runCommand("ldconfig", ["-p"], { timeoutMilliseconds: 5_000 });
    const cublas = /\s(libcublas\.so[.\d]*)\s.*=>\s*(\S+)/.exec(cache.stdout);
    const cublasLt = /\s(libcublasLt\.so[.\d]*)\s.*=>\s*(\S+)/.exec(cache.stdout);
    searched.push("ldconfig -p");
    if (cublas?.[2] && cublasLt?.[2]) {
      return {
        found: true,
        directory: path.dirname(cublas[2]),
        cublas: cublas[2],
        cublasLt: cublasLt[2],
        searched,
      };
    }
  } catch {
    searched.push("ldconfig -p (not available)");
  }
  return { found: false, searched };
}

/** Prefers the most specific versioned name (libcublas.so.13 over libcublas.so). */
function pickLibrary(entries: readonly string[], pattern: RegExp): string | undefined {
  return entries.filter((entry) => pattern.test(entry)).sort((a, b) => b.length - a.length)[0];
}

function safeReaddir(directory: string): string[] {
  try {
    return existsSync(directory) ? readdirSync(directory) : [];
  } catch {
    return [];
  }
}

/**
 * `.../site-packages/nvidia/{cu13,cublas}/lib` below `base`, at most `depth` levels down, visiting at most
 * 2,000 directories (so a large /usr/lib costs milliseconds, not seconds).
 */
function pythonNvidiaLibraryDirectories(base: string, depth: number): string[] {
  const found: string[] = [];
  let budget = 2_000;
  const visit = (directory: string, level: number) => {
    for (const entry of safeReaddir(directory)) {
      if (budget-- <= 0) return;
      const full = path.join(directory, entry);
      if (entry === "site-packages" || entry === "dist-packages") {
        for (const folder of ["cu13", "cublas"]) {
          const candidate = path.join(full, "nvidia", folder, "lib");
          if (existsSync(candidate)) found.push(candidate);
        }
      } else if ((!entry.startsWith(".") || entry === ".venv") && level < depth && isDirectory(full)) {
        visit(full, level + 1);
      }
    }
  };
  visit(base, 0);
  return found;
}

function isDirectory(file: string): boolean {
  try {
    return statSync(file).isDirectory();
  } catch {
    return false;
  }
}
