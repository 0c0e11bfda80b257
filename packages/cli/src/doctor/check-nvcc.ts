import { locateNvcc, nvccCandidates } from "@kernelforge/gpu-runner";
import type { DoctorCheck } from "./doctor-check.js";

export const nvccCheck: DoctorCheck = {
  id: "nvcc",
  label: "nvcc",
  async run(env) {
    const nvcc = await locateNvcc(env);
    if (!nvcc) {
      return {
        id: "nvcc",
        label: "nvcc",
        status: "missing",
        summary: "not found",
        hint: "Install the CUDA toolkit or set CUDA_HOME. Without nvcc, candidate kernels cannot be compiled.",
        details: { searched: nvccCandidates(env) },
      };
    }
    return {
      id: "nvcc",
      label: "nvcc",
      status: "ok",
      summary: `${nvcc.version} at ${nvcc.path}`,
      details: { version: nvcc.version, release: nvcc.release, path: nvcc.path, cudaHome: nvcc.cudaHome },
    };
  },
};
