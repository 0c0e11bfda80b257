import { listGpus } from "@kernelforge/gpu-runner";
import type { DoctorCheck } from "./doctor-check.js";

export const gpuCheck: DoctorCheck = {
  id: "gpu",
  label: "NVIDIA GPU",
  async run() {
    const listing = await listGpus();
    if (listing.gpus.length === 0) {
      return {
        id: "gpu",
        label: "NVIDIA GPU",
        status: "missing",
        summary: listing.driverTool
          ? `none visible (nvidia-smi: ${listing.error ?? "no devices"})`
          : "none visible (no nvidia-smi)",
        hint: "Runs here use estimate mode. To measure, run on a GPU host, or start `kforge worker` there.",
        details: { gpus: [] },
      };
    }
    const names = listing.gpus.map(
      (gpu) =>
        `${gpu.index}: ${gpu.name} (sm ${gpu.computeCapability}, ${Math.round(gpu.memoryMebibytes / 1024)} GiB)`,
    );
    return {
      id: "gpu",
      label: "NVIDIA GPU",
      status: "ok",
      summary: `${listing.gpus.length} visible: ${names.join("; ")}; driver ${listing.gpus[0]?.driverVersion}`,
      details: { gpus: listing.gpus },
    };
  },
};
