import os from "node:os";
import { describeError, KernelForgeError } from "@kernelforge/core";
import {
  buildHarness,
  CompilePool,
  type GpuInfo,
  HarnessProcess,
  HarnessRequestError,
  type HelloReply,
  listGpus,
  locateCublas,
  locateNvcc,
  type NvccInstallation,
} from "@kernelforge/gpu-runner";
import { DeviceScheduler } from "./devices/device-scheduler.js";
import { cudaVisibleDevicesFor, selectGpus, visibleGpus } from "./devices/visible-devices.js";
import { deviceSelection, type NvccEvaluatorOptions } from "./options.js";

/** One GPU of the pool and the harness process that runs candidates on it. */
export interface DeviceHarness {
  gpu: GpuInfo;
  harness: HarnessProcess;
  /** What the harness said when it started (device, cuBLAS). */
  hello: HelloReply;
  /** `NVIDIA H200 (GPU 1)`: for descriptions and messages. */
  label: string;
}

/** What the evaluator needs on a GPU host, set up once on first use. */
export interface GpuSession {
  nvcc: NvccInstallation;
  /** One compile pool for the whole host, shared by every GPU's candidates. */
  compilePool: CompilePool;
  /** One harness per GPU, in the order chosen (`devices`, else nvidia-smi's). */
  devices: DeviceHarness[];
  /** Spreads candidates over the devices, one at a time on each. */
  scheduler: DeviceScheduler<DeviceHarness>;
  /** `sm90` etc., from the devices' compute capability (every device of the pool has the same). */
  arch: string;
  driverVersion?: string;
  hostname: string;
}

/**
 * Finds nvcc and cuBLAS, builds (or reuses) the harness for the devices' arch, starts one harness per chosen
 * GPU (each with CUDA_VISIBLE_DEVICES set to its GPU) and asks each what it sees. With `devices: "all"` a GPU
 * whose harness cannot start is left out with a warning as long as one starts; a GPU named in the options must
 * start. Every missing piece is a KernelForgeError saying what to do.
 */
export async function openGpuSession(
  options: NvccEvaluatorOptions,
  compileTimeoutMilliseconds: number,
  onLog: (line: string, level?: "debug" | "warn") => void,
  env: NodeJS.ProcessEnv = process.env,
): Promise<GpuSession> {
  const nvcc = await locateNvcc();
  if (!nvcc) {
    throw new KernelForgeError("nvcc_missing", "nvcc was not found", {
      hint: "Install the CUDA toolkit or set CUDA_HOME (`kforge doctor` shows where it looked).",
    });
  }
  const listing = await listGpus();
  const selection = deviceSelection(options);
  const gpus = selectGpus(visibleGpus(listing.gpus, env.CUDA_VISIBLE_DEVICES), selection);
  const first = gpus[0] as GpuInfo;
  const arch = `sm${first.computeCapability.replace(".", "")}`;
  const cacheDirectory = options.cacheDirectory;
  const build = await buildHarness({ nvcc, arch, ...(cacheDirectory ? { cacheDirectory } : {}) });
  const cublas = await locateCublas();
  // The harness reads its cold-mode flush from the environment (KFORGE_COLD_FLUSH); the options decide it.
  const harnessEnv = { ...env, KFORGE_COLD_FLUSH: options.coldFlush };
  const started = await Promise.allSettled(
    gpus.map((gpu) =>
      startHarness(gpu, build.binary, cublas.found ? cublas.directory : undefined, harnessEnv, onLog),
    ),
  );
  const devices: DeviceHarness[] = [];
  const failures: unknown[] = [];
  started.forEach((outcome, position) => {
    if (outcome.status === "fulfilled") {
      devices.push(outcome.value);
      return;
    }
    failures.push(outcome.reason);
    if (selection === "all") {
      onLog(`GPU ${gpus[position]?.index} left out: ${describeError(outcome.reason)}`, "warn");
    }
  });
  if (devices.length === 0 || (selection !== "all" && failures.length > 0)) {
    await Promise.all(devices.map((device) => device.harness.close()));
    throw failures[0];
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
    devices,
    scheduler: new DeviceScheduler(devices, (device) => device.label),
    arch,
    driverVersion: first.driverVersion,
    hostname: os.hostname(),
  };
}

/** Starts the harness of one GPU and checks it can use the GPU and cuBLAS. */
async function startHarness(
  gpu: GpuInfo,
  binary: string,
  cublasDirectory: string | undefined,
  env: NodeJS.ProcessEnv,
  onLog: (line: string) => void,
): Promise<DeviceHarness> {
  const harnessEnv: NodeJS.ProcessEnv = {
    ...env,
    CUDA_DEVICE_ORDER: "PCI_BUS_ID",
    CUDA_VISIBLE_DEVICES: cudaVisibleDevicesFor(gpu),
  };
  if (cublasDirectory) harnessEnv.KFORGE_CUBLAS_DIR = cublasDirectory;
  const harness = new HarnessProcess({
    binary,
    env: harnessEnv,
    onLog: (line) => onLog(`GPU ${gpu.index}: ${line}`),
  });
  let hello: HelloReply;
  try {
    hello = await harness.hello();
  } catch (error) {
    await harness.close();
    if (error instanceof HarnessRequestError) {
      throw new KernelForgeError(
        "harness_start_failed",
        `the harness could not use GPU ${gpu.index}: ${error.body.message}`,
        { cause: error },
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
  return { gpu, harness, hello, label: `${hello.device.name} (GPU ${gpu.index})` };
}
