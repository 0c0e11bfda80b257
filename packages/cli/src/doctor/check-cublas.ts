import { locateCublas } from "@kernelforge/gpu-runner";
import type { DoctorCheck } from "./doctor-check.js";

export const cublasCheck: DoctorCheck = {
  id: "cublas",
  label: "cuBLAS",
  async run(env) {
    const location = await locateCublas(env);
    if (!location.found) {
      return {
        id: "cublas",
        label: "cuBLAS",
        status: "missing",
        summary: `libcublas and libcublasLt not found (looked in ${location.searched.length} places)`,
        hint: "Baselines need cuBLAS on the GPU host. Set KFORGE_CUBLAS_DIR to the folder holding libcublas.so.* and libcublasLt.so.*.",
        details: { searched: location.searched },
      };
    }
    return {
      id: "cublas",
      label: "cuBLAS",
      status: "ok",
      summary: `${location.cublas} and ${location.cublasLt}`,
      details: { cublas: location.cublas, cublasLt: location.cublasLt, directory: location.directory },
    };
  },
};
