import { cublasCheck } from "./check-cublas.js";
import { gpuCheck } from "./check-gpu.js";
import { huggingFaceTokenCheck } from "./check-hugging-face-token.js";
import { nodeCheck } from "./check-node.js";
import { nvccCheck } from "./check-nvcc.js";
import { redisCheck } from "./check-redis.js";
import type { DoctorCheck, DoctorCheckResult, DoctorOptions } from "./doctor-check.js";

/** The checks `kforge doctor` runs, in display order. */
export const DOCTOR_CHECKS: readonly DoctorCheck[] = [
  nodeCheck,
  nvccCheck,
  gpuCheck,
  cublasCheck,
  redisCheck,
  huggingFaceTokenCheck,
];

/** Runs every check concurrently; reports each as it finishes. A check that throws becomes an `error` line. */
export async function runDoctorChecks(
  env: NodeJS.ProcessEnv,
  onResult: (result: DoctorCheckResult) => void = () => {},
  checks: readonly DoctorCheck[] = DOCTOR_CHECKS,
  options: DoctorOptions = {},
): Promise<DoctorCheckResult[]> {
  return Promise.all(
    checks.map(async (check) => {
      let result: DoctorCheckResult;
      try {
        result = await check.run(env, options);
      } catch (error) {
        result = {
          id: check.id,
          label: check.label,
          status: "error",
          summary: `the check itself failed: ${error instanceof Error ? error.message : String(error)}`,
        };
      }
      onResult(result);
      return result;
    }),
  );
}
