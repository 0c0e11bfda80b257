import { KernelForgeError } from "@kernelforge/core";
import type { GpuInfo } from "@kernelforge/gpu-runner";

/**
 * The GPUs this process may use: nvidia-smi's list (which ignores CUDA_VISIBLE_DEVICES) narrowed by the
 * CUDA_VISIBLE_DEVICES it was started with, read as CUDA reads it: a comma-separated list of ordinals or
 * `GPU-…` UUIDs (a unique prefix is enough), in that order, up to the first entry that names no GPU. Ordinals
 * are nvidia-smi's (PCI bus order; the harnesses run with CUDA_DEVICE_ORDER=PCI_BUS_ID so that they agree).
 * Unset, every GPU is visible; empty, none is.
 */
export function visibleGpus(gpus: readonly GpuInfo[], cudaVisibleDevices: string | undefined): GpuInfo[] {
  if (cudaVisibleDevices === undefined) return [...gpus];
  const visible: GpuInfo[] = [];
  for (const raw of cudaVisibleDevices.split(",")) {
    const entry = raw.trim();
    const found = /^\d+$/.test(entry)
      ? gpus.find((gpu) => gpu.index === Number(entry))
      : uniqueUuidMatch(gpus, entry);
    if (!found) break;
    if (!visible.includes(found)) visible.push(found);
  }
  return visible;
}

function uniqueUuidMatch(gpus: readonly GpuInfo[], entry: string): GpuInfo | undefined {
  if (!entry.startsWith("GPU-")) return undefined;
  const matches = gpus.filter((gpu) => gpu.uuid?.startsWith(entry));
  return matches.length === 1 ? matches[0] : undefined;
}

/** `"all"` visible GPUs, or the listed nvidia-smi indices (each must be visible). */
export type DeviceSelection = "all" | readonly number[];

/**
 * The GPUs the evaluator drives, one harness each. Throws a KernelForgeError naming what is visible when none
 * is, when a listed index is not visible, or when the chosen GPUs are of different architectures (one compile
 * serves every GPU of the pool).
 */
export function selectGpus(visible: readonly GpuInfo[], selection: DeviceSelection): GpuInfo[] {
  const listing = visible.map((gpu) => `${gpu.index} ${gpu.name}`).join(", ");
  if (visible.length === 0) {
    throw new KernelForgeError("no_gpu", "no NVIDIA GPU is visible to this process", {
      hint: "Run on a host with an NVIDIA GPU (`kforge doctor` says what it sees); check CUDA_VISIBLE_DEVICES.",
    });
  }
  const chosen: GpuInfo[] = [];
  if (selection === "all") {
    chosen.push(...visible);
  } else {
    for (const index of selection) {
      const gpu = visible.find((entry) => entry.index === index);
      if (!gpu) {
        throw new KernelForgeError("no_gpu", `no visible NVIDIA GPU has index ${index}`, {
          hint: `Visible: ${listing}; set the evaluator's \`devices\` option to some of them, or to "all".`,
        });
      }
      if (!chosen.includes(gpu)) chosen.push(gpu);
    }
  }
  const kinds = new Set(chosen.map((gpu) => gpu.computeCapability));
  if (kinds.size > 1) {
    throw new KernelForgeError(
      "mixed_gpus",
      `the chosen GPUs have different compute capabilities (${chosen.map((gpu) => `${gpu.index} ${gpu.name}: ${gpu.computeCapability}`).join(", ")})`,
      {
        hint: "One evaluator compiles for one architecture: set its `devices` option to GPUs of one kind.",
      },
    );
  }
  return chosen;
}

/** The value of CUDA_VISIBLE_DEVICES that shows a harness exactly this GPU. */
export function cudaVisibleDevicesFor(gpu: GpuInfo): string {
  return gpu.uuid ?? String(gpu.index);
}
