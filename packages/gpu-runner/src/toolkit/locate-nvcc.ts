import { existsSync, realpathSync } from "node:fs";
import path from "node:path";
import { runCommand } from "./run-command.js";

export interface NvccInstallation {
  /** Absolute path of the nvcc executable. */
  path: string;
  /** `13.0.88`: release and build. */
  version: string;
  /** `13.0`. */
  release: string;
  /** The toolkit root: the directory above the bin/ that really holds nvcc (links followed). */
  cudaHome: string;
}

/** Places nvcc is looked for, in order: $CUDA_HOME, $CUDA_PATH, every $PATH entry, /usr/local/cuda. */
export function nvccCandidates(env: NodeJS.ProcessEnv = process.env): string[] {
  const candidates: string[] = [];
  for (const root of [env.CUDA_HOME, env.CUDA_PATH])
    if (root) candidates.push(path.join(root, "bin", "nvcc"));
  for (const directory of (env.PATH ?? "").split(path.delimiter))
    if (directory) candidates.push(path.join(directory, "nvcc"));
  candidates.push("/usr/local/cuda/bin/nvcc");
  return [...new Set(candidates)];
}

/** Parses `nvcc --version` output ("Cuda compilation tools, release 13.0, V13.0.88"). */
export function parseNvccVersion(output: string): { release: string; version: string } | undefined {
  const match = /release (\d+\.\d+), V(\d+\.\d+\.\d+)/.exec(output);
  if (!match) return undefined;
  return { release: match[1] as string, version: match[2] as string };
}

/** Finds nvcc and asks it for its version; undefined when none is found. */
export async function locateNvcc(
  env: NodeJS.ProcessEnv = process.env,
): Promise<NvccInstallation | undefined> {
  for (const candidate of nvccCandidates(env)) {
    if (!existsSync(candidate)) continue;
    try {
      const output = await runCommand(candidate, ["--version"], { timeoutMilliseconds: 15_000 });
      const parsed = parseNvccVersion(output.stdout);
      if (output.exitCode === 0 && parsed) {
        return { path: candidate, ...parsed, cudaHome: await toolkitRoot(candidate) };
      }
    } catch {
      // Not runnable: try the next candidate.
    }
  }
  return undefined;
}

/** Parses the toolkit root from `nvcc --dryrun` output (its `TOP=` line), resolving `..`. */
export function parseDryRunTop(output: string): string | undefined {
  const match = /^#\$ TOP=(.+)$/m.exec(output);
  return match ? path.resolve((match[1] as string).trim()) : undefined;
}

/**
 * The toolkit root of an nvcc: what nvcc itself reports (which sees through wrapper scripts), else the
 * directory above the bin/ that holds the real executable.
 */
async function toolkitRoot(nvcc: string): Promise<string> {
  try {
    const output = await runCommand(nvcc, ["--dryrun", "-x", "cu", "-c", "/dev/null", "-o", "/dev/null"], {
      timeoutMilliseconds: 15_000,
    });
    const top = parseDryRunTop(`${output.stdout}\n${output.stderr}`);
    if (top) return top;
  } catch {
    // Fall back to the executable's location.
  }
  return path.dirname(path.dirname(realpathSync(nvcc)));
}
