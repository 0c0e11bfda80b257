import os from "node:os";
import { KernelForgeError } from "@kernelforge/core";
import {
  buildHarness,
  CompilePool,
  HarnessProcess,
  HarnessRequestError,
  type HelloReply,
  listGpus,
  locateCublas,
  locateNvcc,
  type NvccInstallation,
} from "@kernelforge/gpu-runner";
import type { NvccEvaluatorOptions } from "./options.js";

/** What the evaluator needs on a GPU host, set up once on first use. */
export interface GpuSession {
  nvcc: NvccInstallation;
  compilePool: CompilePool;
  harness: HarnessProcess;
  hello: HelloReply;
  /** `sm90` etc., from the device's compute capability. */
  arch: string;
  driverVersion?: string;
  hostname: string;
}

/**
 * Finds nvcc and cuBLAS, builds (or reuses) the harness for the device's arch, starts it on the configured
 * GPU and asks it what it sees. Every missing piece is a KernelForgeError saying what to do.
 */
export async function openGpuSession(
  options: NvccEvaluatorOptions,
  compileTimeoutMilliseconds: number,
  onLog: (line: string) => void,
): Promise<GpuSession> {
  const nvcc = await locateNvcc();
  if (!nvcc) {
    throw new KernelForgeError("nvcc_missing", "nvcc was not found", {
      hint: "Install the CUDA toolkit or set CUDA_HOME (`kforge doctor` shows where it looked).",
    });
  }
  const listing = await listGpus();
  const gpu = listing.gpus.find((entry) => entry.index === options.device);
  if (!gpu) {
    throw new KernelForgeError(
      "no_gpu",
      `no NVIDIA GPU with index ${options.device} is visible on this machine`,
      {
        hint: listing.gpus.length
          ? `Visible: ${listing.gpus.map((entry) => `${entry.index} ${entry.name}`).join(", ")}; set the evaluator's \`device\` option.`
          : "Run on a host with an NVIDIA GPU (`kforge doctor` says what it sees).",
      },
    );
  }
  const arch = `sm${gpu.computeCapability.replace(".", "")}`;
  const cacheDirectory = options.cacheDirectory;
  const build = await buildHarness({ nvcc, arch, ...(cacheDirectory ? { cacheDirectory } : {}) });
  const cublas = await locateCublas();
  const env: NodeJS.ProcessEnv = { ...process.env, CUDA_VISIBLE_DEVICES: String(options.device) };
  if (cublas.found && cublas.directory) env.KFORGE_CUBLAS_DIR = cublas.directory;
  const harness = new HarnessProcess({ binary: build.binary, env, onLog });
  let hello: HelloReply;
  try {
    hello = await harness.hello();
  } catch (error) {
    await harness.close();
    if (error instanceof HarnessRequestError) {
      throw new KernelForgeError(
        "harness_start_failed",
        `the harness could not use GPU ${options.device}: ${error.body.message}`,
        {
          cause: error,
        },
      );
    }
    throw error;
  }
  if (!hello.cublas.found || !hello.cublasLt.found) {
    await harness.close();
    throw new KernelForgeError(
      "cublas_missing",
      `cuBLAS was not found by the harness: ${hello.cublas.error ?? hello.cublasLt.error ?? ""}`,
      {
        hint: "Set KFORGE_CUBLAS_DIR to the folder holding libcublas.so.* and libcublasLt.so.*.",
      },
    );
  }
  const compilePool = new CompilePool({
    nvcc,
    timeoutMilliseconds: compileTimeoutMilliseconds,
    ...(cacheDirectory ? { cacheDirectory } : {}),
    ...(options.compileConcurrency ? { concurrency: options.compileConcurrency } : {}),
  });
  return {
    nvcc,
    compilePool,
    harness,
    hello,
    arch,
    driverVersion: gpu.driverVersion,
    hostname: os.hostname(),
  };
}
