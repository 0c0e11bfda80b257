import { existsSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { CompilePool, locateNvcc } from "@kernelforge/gpu-runner";
import type { NvccEvaluatorOptions } from "../options.js";
import type { Toolchain } from "../static-checks.js";

/**
 * What estimate mode has to work with on this machine: nvcc and the compile pool when the toolkit is there
 * (undefined otherwise: the estimate then rests on the launch descriptor alone), and whether cuobjdump can
 * read the machine code.
 */
export interface EstimateSession {
  toolchain?: Toolchain;
  nvccVersion?: string;
  hostname: string;
}

export async function openEstimateSession(
  options: NvccEvaluatorOptions,
  compileTimeoutMilliseconds: number,
): Promise<EstimateSession> {
  const nvcc = await locateNvcc();
  const hostname = os.hostname();
  if (!nvcc) return { hostname };
  const compilePool = new CompilePool({
    nvcc,
    timeoutMilliseconds: compileTimeoutMilliseconds,
    ...(options.cacheDirectory ? { cacheDirectory: options.cacheDirectory } : {}),
    ...(options.compileConcurrency ? { concurrency: options.compileConcurrency } : {}),
  });
  return {
    toolchain: { nvcc, compilePool, machineCode: cuobjdumpAvailable(nvcc.cudaHome) },
    nvccVersion: nvcc.version,
    hostname,
  };
}

/** Whether `dumpSass` will find cuobjdump: beside nvcc in the toolkit, or on the PATH. */
export function cuobjdumpAvailable(cudaHome: string, env: NodeJS.ProcessEnv = process.env): boolean {
  if (existsSync(path.join(cudaHome, "bin", "cuobjdump"))) return true;
  return (env.PATH ?? "")
    .split(path.delimiter)
    .some((directory) => directory && existsSync(path.join(directory, "cuobjdump")));
}
