import { gemmMinimumBytes } from "@kernelforge/core";
import { describe, expect, it } from "vitest";
import {
  bandwidthShare,
  type KernelWorkload,
  modelTime,
  occupancy,
  UnplaceableKernelError,
  warpEfficiency,
  waveQuantization,
  waves,
} from "./cost-model.js";
import { A100_SXM, H100_SXM } from "./device-figures.js";
import { modelBaseline } from "./vendor-model.js";

const cold = { mode: "cold" as const, bufferSets: 4 };
const hot = { mode: "hot" as const, bufferSets: 4 };

/** A 128×128 mma.sync tile kernel of 8 warps (4×2), one block per SM. */
function tiled(m: number, n: number, k: number, overrides: Partial<KernelWorkload> = {}): KernelWorkload {
  return {
    m,
    n,
    k,
    tileM: 128,
    tileN: 128,
    splitK: 1,
    blocks: Math.ceil(m / 128) * Math.ceil(n / 128),
    threadsPerBlock: 256,
    registersPerThread: 200,
    sharedBytesPerBlock: 96 * 1024,
    instruction: "mma",
    operandReaders: { m: 4, n: 2 },
    zeroedWorkspaceBytes: 0,
    ...overrides,
  };
}

describe("occupancy", () => {
  it("rounds registers to the allocation unit and splits them over the sub-partitions", () => {
    expect(
      occupancy(H100_SXM, { threadsPerBlock: 256, registersPerThread: 255, sharedBytesPerBlock: 0 }),
    ).toMatchObject({ blocksPerSm: 1, limitedBy: "registers", allocatedRegistersPerThread: 256 });
    // 121 registers round to 128: 4 blocks of 128 threads fill the 65536 registers.
    expect(
      occupancy(H100_SXM, { threadsPerBlock: 128, registersPerThread: 121, sharedBytesPerBlock: 0 }),
    ).toMatchObject({ blocksPerSm: 4, limitedBy: "registers", allocatedRegistersPerThread: 128 });
  });

  it("counts static + dynamic shared memory with the per-block reserve, threads and block slots", () => {
    expect(
      occupancy(H100_SXM, { threadsPerBlock: 128, registersPerThread: 32, sharedBytesPerBlock: 100 * 1024 }),
    ).toMatchObject({ blocksPerSm: 2, limitedBy: "shared_memory" });
    expect(
      occupancy(H100_SXM, { threadsPerBlock: 1024, registersPerThread: 32, sharedBytesPerBlock: 0 }),
    ).toMatchObject({ blocksPerSm: 2, limitedBy: "threads" });
    expect(occupancy(H100_SXM, { threadsPerBlock: 32, sharedBytesPerBlock: 0 })).toMatchObject({
      blocksPerSm: 32,
      limitedBy: "blocks",
    });
    expect(occupancy(H100_SXM, { threadsPerBlock: 128, sharedBytesPerBlock: 228 * 1024 }).blocksPerSm).toBe(
      0,
    );
    expect(() => modelTime(H100_SXM, tiled(512, 512, 512, { sharedBytesPerBlock: 300_000 }), cold)).toThrow(
      UnplaceableKernelError,
    );
  });
});

describe("the cost model", () => {
  it("gives more time to more work, in every mode", () => {
    for (const timing of [cold, hot]) {
      let previous = 0;
      for (const size of [256, 512, 1024, 2048, 4096, 8192]) {
        const time = modelTime(H100_SXM, tiled(size, size, size), timing).microseconds;
        expect(time, `${size}³ ${timing.mode}`).toBeGreaterThan(previous);
        previous = time;
      }
      const shortK = modelTime(H100_SXM, tiled(4096, 4096, 1024), timing).microseconds;
      const longK = modelTime(H100_SXM, tiled(4096, 4096, 4096), timing).microseconds;
      expect(longK).toBeGreaterThan(3 * shortK);
    }
  });

  it("models skinny decode shapes as memory-bound, never faster than their bytes at peak bandwidth", () => {
    for (const [m, n, k] of [
      [1, 4096, 4096],
      [8, 11008, 4096],
      [16, 14336, 4096],
      [1, 8192, 8192],
    ] as const) {
      const gemv = tiled(m, n, k, {
        tileM: 16,
        tileN: 128,
        blocks: Math.ceil(n / 128) * 4,
        splitK: 4,
        threadsPerBlock: 256,
        registersPerThread: 64,
        sharedBytesPerBlock: 0,
      });
      const floor = (gemmMinimumBytes({ m, n, k }) / H100_SXM.dramPeakBytesPerSecond) * 1e6;
      const time = modelTime(H100_SXM, gemv, cold);
      expect(time.bound, `${m}x${n}x${k}`).toBe("memory");
      expect(time.microseconds).toBeGreaterThanOrEqual(floor);
      const vendor = modelBaseline(H100_SXM, { m, n, k }, "cublaslt-autotuned", "cold", 4).time;
      expect(vendor.bound).toBe("memory");
      expect(vendor.microseconds).toBeGreaterThanOrEqual(floor);
    }
  });

  it("gives a block of 8 warps the edge over one warp at the same tile", () => {
    const eightWarps = tiled(4096, 4096, 4096, { threadsPerBlock: 256, operandReaders: { m: 4, n: 2 } });
    const oneWarp = tiled(4096, 4096, 4096, { threadsPerBlock: 32, operandReaders: { m: 1, n: 1 } });
    expect(occupancy(H100_SXM, eightWarps).blocksPerSm).toBe(1);
    const eight = modelTime(H100_SXM, eightWarps, cold).microseconds;
    const one = modelTime(H100_SXM, oneWarp, cold).microseconds;
    expect(eight).toBeLessThan(one);
    expect(warpEfficiency(H100_SXM, 1)).toBeLessThanOrEqual(0.25);
    expect(warpEfficiency(H100_SXM, 8)).toBe(1);
    expect(bandwidthShare(H100_SXM, 132, 1)).toBeLessThan(bandwidthShare(H100_SXM, 132, 8));
  });

  it("quantizes waves: 133 blocks on 132 SMs at one block per SM take about two waves", () => {
    expect(waves(132, 132, 1)).toBe(1);
    expect(waves(133, 132, 1)).toBe(2);
    expect(waveQuantization(133, 132, 1)).toBeCloseTo(2 * (132 / 133), 12);
    // Compute-bound blocks: a 256×256 tile over K = 8192, registers for one block per SM.
    const blocks = (count: number) =>
      tiled(256 * count, 256, 8192, { tileM: 256, tileN: 256, blocks: count, registersPerThread: 255 });
    const one = modelTime(H100_SXM, blocks(132), cold);
    const spill = modelTime(H100_SXM, blocks(133), cold);
    expect(one.occupancy.blocksPerSm).toBe(1);
    expect([one.waves, spill.waves]).toEqual([1, 2]);
    const ratio =
      (spill.microseconds - spill.overheadMicroseconds) / (one.microseconds - one.overheadMicroseconds);
    expect(ratio).toBeGreaterThan(1.8);
    expect(ratio).toBeLessThan(2.05);
  });

  it("serves the hot working set from L2 when every buffer set fits, and nothing is faster hot than cold", () => {
    const small = modelTime(H100_SXM, tiled(1024, 1024, 1024), hot);
    expect(small.hotFitsInL2).toBe(true);
    const large = modelTime(H100_SXM, tiled(4096, 4096, 4096), hot);
    expect(large.hotFitsInL2).toBe(false);
    for (const [m, n, k] of [
      [1024, 1024, 1024],
      [16, 4096, 4096],
      [4096, 4096, 4096],
    ] as const) {
      const workload = tiled(m, n, k);
      expect(modelTime(H100_SXM, workload, hot).microseconds).toBeLessThanOrEqual(
        modelTime(H100_SXM, workload, cold).microseconds,
      );
    }
  });

  it("charges split-K partials and the zeroed workspace", () => {
    const plain = modelTime(H100_SXM, tiled(1024, 1024, 8192), cold);
    const split = modelTime(
      H100_SXM,
      tiled(1024, 1024, 8192, { splitK: 4, blocks: 64 * 4, zeroedWorkspaceBytes: 4 * 1024 * 1024 * 4 }),
      cold,
    );
    expect(split.traffic.partialBytes).toBe(2 * 4 * 1024 * 1024 * 4);
    expect(split.overheadMicroseconds).toBeGreaterThan(plain.overheadMicroseconds);
    // Partials summed inside a cluster through distributed shared memory cost no memory traffic or round trips.
    const clustered = modelTime(
      H100_SXM,
      tiled(1024, 1024, 8192, { splitK: 4, blocks: 64 * 4, splitKPartials: "cluster" }),
      cold,
    );
    expect(clustered.traffic.partialBytes).toBe(0);
    expect(clustered.microseconds).toBeLessThan(split.microseconds);
  });

  it("floors every wave at one block's chain of memory round trips", () => {
    // 1×4096×4096 in 32768 tiny blocks (4 rows × a K slice of 128): 31 waves of 8 blocks per SM.
    const tiny = tiled(1, 4096, 4096, {
      tileM: 1,
      tileN: 4,
      splitK: 32,
      blocks: 1024 * 32,
      threadsPerBlock: 256,
      registersPerThread: 32,
      sharedBytesPerBlock: 0,
      instruction: "fma",
    });
    const time = modelTime(H100_SXM, tiny, cold);
    expect(time.waves).toBe(Math.ceil((1024 * 32) / (132 * 8)));
    expect(time.bound).toBe("latency");
    expect(time.latencyMicroseconds).toBeCloseTo(time.waves * 4 * H100_SXM.memoryLatencyMicroseconds, 9);
    const unsplit = modelTime(H100_SXM, { ...tiny, splitK: 1 }, cold);
    expect(unsplit.latencyMicroseconds).toBeCloseTo(
      unsplit.waves * 2 * H100_SXM.memoryLatencyMicroseconds,
      9,
    );
  });

  it("charges loads narrower than 16 bytes more L2 → SM traffic", () => {
    const gemv = tiled(16, 14336, 4096, { tileM: 16, tileN: 64, blocks: 224, sharedBytesPerBlock: 0 });
    const wide = modelTime(H100_SXM, { ...gemv, loadBytes: 16 }, cold);
    const narrow = modelTime(H100_SXM, { ...gemv, loadBytes: 2 }, cold);
    expect(narrow.traffic.l2Bytes).toBeGreaterThan(7 * wide.traffic.compulsoryBytes);
    expect(narrow.microseconds).toBeGreaterThan(wide.microseconds);
    expect(modelTime(H100_SXM, gemv, cold).microseconds).toBe(wide.microseconds);
  });

  it("uses each arch's ceilings: no wgmma on sm80, wgmma above mma.sync on sm90", () => {
    const kernel = tiled(8192, 8192, 8192, { operandReaders: { m: 2, n: 1 } });
    const wgmma = modelTime(H100_SXM, { ...kernel, instruction: "wgmma" }, cold).computeMicroseconds;
    const mma = modelTime(H100_SXM, kernel, cold).computeMicroseconds;
    expect(wgmma).toBeLessThan(mma);
    expect(modelTime(A100_SXM, { ...kernel, instruction: "wgmma" }, cold).computeMicroseconds).toBeCloseTo(
      modelTime(A100_SXM, kernel, cold).computeMicroseconds,
      9,
    );
    const fma = modelTime(H100_SXM, { ...kernel, instruction: "fma" }, cold).computeMicroseconds;
    expect(fma).toBeGreaterThan(5 * mma);
  });
});
