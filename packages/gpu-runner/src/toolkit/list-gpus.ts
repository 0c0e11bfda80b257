import { runCommand } from "./run-command.js";

export interface GpuInfo {
  index: number;
  name: string;
  /** e.g. `9.0`. */
  computeCapability: string;
  memoryMebibytes: number;
  driverVersion: string;
  /** `GPU-…`: the identity CUDA_VISIBLE_DEVICES accepts whatever the enumeration order (absent from old drivers). */
  uuid?: string;
}

export interface GpuListing {
  /** Whether nvidia-smi could be run at all. */
  driverTool: boolean;
  gpus: GpuInfo[];
  /** What nvidia-smi said when it failed. */
  error?: string;
}

/** Parses `nvidia-smi --query-gpu=index,name,compute_cap,memory.total,driver_version,uuid --format=csv,noheader,nounits`. */
export function parseGpuQuery(output: string): GpuInfo[] {
  const gpus: GpuInfo[] = [];
  for (const line of output.split("\n")) {
    const fields = line.split(",").map((field) => field.trim());
    if (fields.length < 5 || !/^\d+$/.test(fields[0] ?? "")) continue;
    gpus.push({
      index: Number(fields[0]),
      name: fields[1] as string,
      computeCapability: fields[2] as string,
      memoryMebibytes: Number(fields[3]),
      driverVersion: fields[4] as string,
      ...(fields[5]?.startsWith("GPU-") ? { uuid: fields[5] } : {}),
    });
  }
  return gpus;
}

/**
 * Lists the NVIDIA GPUs of this machine, in nvidia-smi's order (PCI bus order). nvidia-smi ignores
 * CUDA_VISIBLE_DEVICES: whoever starts a harness decides which of these it sees.
 */
export async function listGpus(): Promise<GpuListing> {
  try {
    const output = await runCommand(
      "nvidia-smi",
      [
        "--query-gpu=index,name,compute_cap,memory.total,driver_version,uuid",
        "--format=csv,noheader,nounits",
      ],
      { timeoutMilliseconds: 15_000 },
    );
    if (output.exitCode !== 0) {
      return {
        driverTool: true,
        gpus: [],
        error: (output.stderr || output.stdout).trim().split("\n")[0] ?? "failed",
      };
    }
    return { driverTool: true, gpus: parseGpuQuery(output.stdout) };
  } catch (error) {
    return { driverTool: false, gpus: [], error: error instanceof Error ? error.message : String(error) };
  }
}
