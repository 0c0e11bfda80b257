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
        hint: "Candidates can be compiled here but not run or timed: measuring needs a host with an NVIDIA GPU.",
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
