import type { BaselineName, GemmTask, TimingMode } from "@kernelforge/core";
import {
  DEFAULT_EFFICIENCIES,
  type KernelWorkload,
  type ModelEfficiencies,
  type ModelledTime,
  modelTime,
} from "./cost-model.js";
import type { DeviceFigures } from "./device-figures.js";

/**
 * The vendor baselines of estimate mode, modelled as an ideal tiled kernel on the same cost model as the
 * candidates. Assumptions (documented in docs/benchmark-method.md, "Estimate mode"):
 *
 * - it uses the device's best matrix instruction (wgmma on sm90, mma.sync on sm80) at `efficiencies`
 *   (default 0.8 of the compute ceiling, 0.85 of the bandwidths) and hides latency fully (12 warps per SM);
 * - it is a persistent, warp-specialized kernel with one block of 3 warpgroups per SM (one loads, two compute,
 *   each computing half of the tile's rows), and blocks of two tile rows form a 2×1 cluster that multicasts
 *   the B tile (on sm90);
 * - `cublas` and `cublaslt-heuristic` pick a tile by a fixed rule (below); `cublaslt-autotuned` takes the
 *   fastest modelled configuration among all tiles and split-K factors, so it is never slower than the others.
 */

/** One configuration of the modelled vendor kernel. */
export interface VendorConfiguration {
  tileM: number;
  tileN: number;
  splitK: number;
}

const TILES: readonly [number, number][] = [
  [64, 64],
  [64, 128],
  [128, 64],
  [64, 256],
  [128, 128],
  [128, 256],
  [256, 128],
];
const SPLITS: readonly number[] = [1, 2, 4, 8, 16];
/** A split-K slice is never shorter than this many K elements. */
const MIN_SLICE = 256;
const BLOCK_K = 64;
const STAGES = 4;

/** The modelled vendor kernel for one configuration, as a workload of the cost model. */
export function vendorWorkload(
  device: DeviceFigures,
  task: Pick<GemmTask, "m" | "n" | "k">,
  configuration: VendorConfiguration,
): KernelWorkload {
  const { tileM, tileN, splitK } = configuration;
  const tiles = Math.ceil(task.m / tileM) * Math.ceil(task.n / tileN);
  const wgmma = device.peakTeraflops.wgmma !== undefined;
  const consumerGroups = tileM >= 128 ? 2 : 1;
  return {
    m: task.m,
    n: task.n,
    k: task.k,
    tileM,
    tileN,
    splitK,
    blocks: tiles * splitK,
    threadsPerBlock: 384,
    registersPerThread: 168,
    sharedBytesPerBlock: Math.min(device.sharedBytesPerBlock, STAGES * (tileM + tileN) * BLOCK_K * 2),
    instruction: wgmma ? "wgmma" : "mma",
    operandReaders: { m: consumerGroups, n: 1 },
    ...(wgmma && Math.ceil(task.m / tileM) >= 2 ? { multicast: { m: 2, n: 1 } } : {}),
    zeroedWorkspaceBytes: 0,
  };
}

/**
 * The fixed tile rule of `cublas` and `cublaslt-heuristic`: for a skinny side (≤ 64) a 64-wide tile along it
 * and 128 along the other (the GEMV-like kernels), split along K until the tiles fill the SMs; otherwise
 * 128×256 when that gives at least one full wave, 128×128 when that does, else 64×128 with split-K to fill the
 * SMs.
 */
export function heuristicConfiguration(
  device: DeviceFigures,
  task: Pick<GemmTask, "m" | "n" | "k">,
): VendorConfiguration {
  const tilesOf = (tileM: number, tileN: number) => Math.ceil(task.m / tileM) * Math.ceil(task.n / tileN);
  const fill = (tiles: number) => {
    let split = 1;
    while (split * 2 <= 16 && tiles * split * 2 <= device.smCount && task.k / (split * 2) >= MIN_SLICE)
      split *= 2;
    return split;
  };
  if (Math.min(task.m, task.n) <= 64) {
    const tileM = task.m <= 64 ? 64 : 128;
    const tileN = task.m <= 64 ? 128 : 64;
    return { tileM, tileN, splitK: fill(tilesOf(tileM, tileN)) };
  }
  if (tilesOf(128, 256) >= device.smCount) return { tileM: 128, tileN: 256, splitK: 1 };
  if (tilesOf(128, 128) >= device.smCount) return { tileM: 128, tileN: 128, splitK: 1 };
  return { tileM: 64, tileN: 128, splitK: fill(tilesOf(64, 128)) };
}

/** Every configuration the autotuned baseline tries: each tile with each split-K that keeps slices ≥ 256. */
export function autotuneConfigurations(task: Pick<GemmTask, "k">): VendorConfiguration[] {
  const configurations: VendorConfiguration[] = [];
  for (const [tileM, tileN] of TILES)
    for (const splitK of SPLITS)
      if (splitK === 1 || task.k / splitK >= MIN_SLICE) configurations.push({ tileM, tileN, splitK });
  return configurations;
}

/** The modelled time of a baseline in one mode, with the configuration it used. */
export function modelBaseline(
  device: DeviceFigures,
  task: Pick<GemmTask, "m" | "n" | "k">,
  baseline: BaselineName,
  mode: TimingMode,
  bufferSets: number,
  efficiencies: ModelEfficiencies = DEFAULT_EFFICIENCIES,
): { configuration: VendorConfiguration; time: ModelledTime } {
  const timeOf = (configuration: VendorConfiguration) =>
    modelTime(device, vendorWorkload(device, task, configuration), { mode, bufferSets }, efficiencies);
  const heuristic = heuristicConfiguration(device, task);
  let best = { configuration: heuristic, time: timeOf(heuristic) };
  if (baseline !== "cublaslt-autotuned") return best;
  for (const configuration of autotuneConfigurations(task)) {
    const time = timeOf(configuration);
    if (time.microseconds < best.time.microseconds) best = { configuration, time };
  }
  return best;
}
