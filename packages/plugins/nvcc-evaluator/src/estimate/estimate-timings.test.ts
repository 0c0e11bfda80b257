import { describe, expect, it } from "vitest";
import type { KernelWorkload } from "./cost-model.js";
import { A100_SXM, H100_SXM } from "./device-figures.js";
import { estimateTimings } from "./estimate-timings.js";

const baselines = ["cublas", "cublaslt-heuristic", "cublaslt-autotuned"] as const;

function workload(
  m: number,
  n: number,
  k: number,
  instruction: KernelWorkload["instruction"],
): KernelWorkload {
  const tileM = Math.min(64, m);
  return {
    m,
    n,
    k,
    tileM,
    tileN: 64,
    splitK: 1,
    blocks: Math.ceil(m / tileM) * Math.ceil(n / 64),
    threadsPerBlock: 128,
    registersPerThread: 96,
    sharedBytesPerBlock: 32 * 1024,
    instruction,
    operandReaders: { m: 2, n: 2 },
    zeroedWorkspaceBytes: 0,
  };
}

describe("estimated timings", () => {
  it("gives finite, positive speedups that are ratios of the modelled medians", () => {
    for (const device of [H100_SXM, A100_SXM]) {
      for (const [m, n, k] of [
        [4096, 4096, 4096],
        [1, 4096, 4096],
        [17, 11008, 4096],
        [100, 100, 100],
      ] as const) {
        for (const instruction of ["wgmma", "mma", "fma"] as const) {
          const outcome = estimateTimings({
            device,
            task: { m, n, k },
            workload: workload(m, n, k, instruction),
            modes: ["cold", "hot"],
            baselines,
            bufferSets: 4,
          });
          for (const mode of ["cold", "hot"] as const) {
            const timing = outcome.timing[mode];
            const speedups = outcome.speedups[mode];
            expect(timing?.candidate).toMatchObject({
              p25: timing?.candidate.median,
              max: timing?.candidate.min,
            });
            for (const baseline of baselines) {
              const speedup = speedups?.perBaseline[baseline] as number;
              expect(Number.isFinite(speedup) && speedup > 0).toBe(true);
              expect(speedup).toBeCloseTo(
                (timing?.baselines[baseline]?.median as number) / (timing?.candidate.median as number),
                12,
              );
            }
            expect(speedups?.best.speedup).toBe(Math.min(...Object.values(speedups?.perBaseline ?? {})));
          }
        }
      }
    }
  });

  it("models only the modes and baselines asked for", () => {
    const outcome = estimateTimings({
      device: H100_SXM,
      task: { m: 512, n: 512, k: 512 },
      workload: workload(512, 512, 512, "mma"),
      modes: ["hot"],
      baselines: ["cublas"],
      bufferSets: 4,
    });
    expect(Object.keys(outcome.timing)).toEqual(["hot"]);
    expect(Object.keys(outcome.timing.hot?.baselines ?? {})).toEqual(["cublas"]);
    expect(outcome.speedups.hot?.best.baseline).toBe("cublas");
  });
});
