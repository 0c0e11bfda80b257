import type { TimingMode } from "@kernelforge/core";
import type { DeviceFigures } from "./device-figures.js";

/**
 * The analytic cost model of estimate mode: a roofline per wave of blocks, with occupancy, wave quantization,
 * a two-level memory hierarchy (DRAM, L2) and the shared-memory operand traffic of the main loop. Pure
 * functions of the device figures and a description of the kernel; the constants are documented beside each
 * function and in docs/benchmark-method.md ("Estimate mode"). It is a rough estimate: good for ranking tile
 * shapes and launch shapes against each other and against a modelled vendor kernel, never a measurement.
 */

/** The matrix math a kernel's inner loop uses, which sets its compute ceiling. */
export type InstructionClass = "wgmma" | "mma" | "fma";

/** Everything the model needs to know about one kernel launch on one GEMM. */
export interface KernelWorkload {
  m: number;
  n: number;
  k: number;
  /** The C tile one block computes (edge tiles count as whole tiles: predicated math still issues). */
  tileM: number;
  tileN: number;
  /** Blocks that share one C tile along K (1: no split-K). Split-K partials are fp32. */
  splitK: number;
  /**
   * Where split-K partials meet: "memory" (written to the workspace and read back, the default) or "cluster"
   * (the splits of a tile form a thread-block cluster and sum them through distributed shared memory).
   */
  splitKPartials?: "memory" | "cluster";
  /** Blocks launched (the grid's product); the work is taken as spread evenly over them. */
  blocks: number;
  threadsPerBlock: number;
  /** Registers per thread from ptxas; undefined when unknown (registers then do not limit occupancy). */
  registersPerThread?: number;
  /** Static + dynamic shared memory of one block, bytes. */
  sharedBytesPerBlock: number;
  instruction: InstructionClass;
  /**
   * How the block's matrix units split the tile: warps (mma.sync) or warpgroups (wgmma) along M and N. Each
   * reads its own slices of the A and B tiles from shared memory every K step. Undefined when unknown: the
   * shared-memory term is then left out.
   */
  operandReaders?: { m: number; n: number };
  /** Blocks of a cluster that share one operand tile through multicast (the vendor kernel's 2×1 clusters). */
  multicast?: { m: number; n: number };
  /** Workspace bytes the harness zeroes before every launch, inside the timed region (0: none). */
  zeroedWorkspaceBytes: number;
  /**
   * Width of the global loads of A and B, bytes (16 when unknown). Narrower loads leave sectors partly used and
   * need more L1 wavefronts per byte: their L2 → SM traffic counts 16 ÷ width times.
   */
  loadBytes?: number;
}

/** Efficiency of a well-built kernel against the ceilings, applied to every modelled kernel alike. */
export interface ModelEfficiencies {
  /** Fraction of the compute ceiling sustained in the main loop (issue gaps, epilogue, synchronization). */
  compute: number;
  /** Fraction of the memory bandwidths sustained. */
  bandwidth: number;
}

/** The defaults: 0.8 of the compute ceiling, 0.85 of the bandwidths. */
export const DEFAULT_EFFICIENCIES: ModelEfficiencies = { compute: 0.8, bandwidth: 0.85 };

/** What the harness's timing does that changes the model: the buffer sets rotated between launches. */
export interface TimingContext {
  mode: TimingMode;
  /** Input/output buffer sets rotated between launches (the evaluator's `bufferSets`). */
  bufferSets: number;
}

export interface Occupancy {
  /** Blocks one SM holds at once; 0 when one block does not fit at all. */
  blocksPerSm: number;
  warpsPerBlock: number;
  /** The resource that sets `blocksPerSm`. */
  limitedBy: "registers" | "shared_memory" | "threads" | "blocks";
  /** Registers per thread after rounding to the allocation unit (0 when unknown). */
  allocatedRegistersPerThread: number;
}

/**
 * Blocks per SM, as the hardware decides it: registers are allocated per warp in units of
 * `registerAllocationUnit` (256 = 8 per thread) out of each sub-partition's quarter of the register file,
 * the block's warps being spread over the sub-partitions; shared memory per block is static + dynamic + the
 * driver's reserve; threads and the block-slot limit cap the rest.
 */
export function occupancy(
  device: DeviceFigures,
  kernel: Pick<KernelWorkload, "threadsPerBlock" | "registersPerThread" | "sharedBytesPerBlock">,
): Occupancy {
  const warpsPerBlock = Math.ceil(kernel.threadsPerBlock / 32);
  const limits: [Occupancy["limitedBy"], number][] = [
    ["blocks", device.maxBlocksPerSm],
    ["threads", Math.floor(device.maxThreadsPerSm / (warpsPerBlock * 32))],
  ];
  let allocated = 0;
  if (kernel.registersPerThread !== undefined && kernel.registersPerThread > 0) {
    const perWarp =
      Math.ceil((kernel.registersPerThread * 32) / device.registerAllocationUnit) *
      device.registerAllocationUnit;
    allocated = perWarp / 32;
    const warpsPerSubPartition = Math.floor(device.registersPerSm / device.subPartitionsPerSm / perWarp);
    const warps = kernel.registersPerThread > device.maxRegistersPerThread ? 0 : warpsPerSubPartition;
    limits.push(["registers", Math.floor((warps * device.subPartitionsPerSm) / warpsPerBlock)]);
  }
  if (kernel.sharedBytesPerBlock > 0) {
    const fits = kernel.sharedBytesPerBlock <= device.sharedBytesPerBlock;
    const perBlock = kernel.sharedBytesPerBlock + device.reservedSharedBytesPerBlock;
    limits.push(["shared_memory", fits ? Math.floor(device.sharedBytesPerSm / perBlock) : 0]);
  }
  let best = limits[0] as [Occupancy["limitedBy"], number];
  for (const limit of limits) if (limit[1] < best[1]) best = limit;
  return {
    blocksPerSm: Math.max(0, best[1]),
    warpsPerBlock,
    limitedBy: best[0],
    allocatedRegistersPerThread: allocated,
  };
}

/**
 * How much of an SM's matrix throughput `warpsPerSm` resident warps can use (0..1). A warp issues from one
 * sub-partition, so fewer than 4 warps leave tensor cores idle (1 warp: at most 1/4); latency is hidden from
 * 8 warps on (2 per scheduler), linearly from half efficiency below that. Assumed, not measured.
 */
export function warpEfficiency(device: DeviceFigures, warpsPerSm: number): number {
  if (warpsPerSm <= 0) return 0;
  const schedulers = Math.min(1, warpsPerSm / device.subPartitionsPerSm);
  const latency = Math.min(1, 0.5 + (0.5 * warpsPerSm) / (2 * device.subPartitionsPerSm));
  return schedulers * latency;
}

/**
 * The fraction of the device's bandwidth that `activeSms` SMs with `warpsPerSm` resident warps can pull (0..1):
 * half the SMs, each with 8 or more warps of loads in flight, saturate it; fewer SMs or warps pull
 * proportionally less (Little's law with a fixed number of bytes in flight per warp). Assumed, not measured.
 */
export function bandwidthShare(device: DeviceFigures, activeSms: number, warpsPerSm: number): number {
  const smFraction = Math.min(1, activeSms / device.smCount);
  const warps = Math.min(1, warpsPerSm / (2 * device.subPartitionsPerSm));
  return Math.min(1, 2 * smFraction * warps);
}

/**
 * Blocks ÷ (SMs × blocks per SM), rounded up: the number of waves. `waveQuantization` is that over the exact
 * ratio: 1 when the last wave is full, close to 2 when one block spills into a second wave.
 */
export function waves(blocks: number, sms: number, blocksPerSm: number): number {
  return Math.ceil(blocks / (sms * blocksPerSm));
}

export function waveQuantization(blocks: number, sms: number, blocksPerSm: number): number {
  return waves(blocks, sms, blocksPerSm) / (blocks / (sms * blocksPerSm));
}

/**
 * Bytes the launch moves, by level. Re-reads of A and B are taken to hit L2: a cache-aware tile order is
 * assumed for every kernel, the vendor's included.
 */
export interface Traffic {
  /** A, B and C once each (fp16), plus split-K partials that spill out of L2: DRAM traffic when cold. */
  compulsoryBytes: number;
  /**
   * L2 → SM traffic: A read once per column of tiles, B once per row of tiles (divided by the multicast
   * cluster; × 16 ÷ load width for loads narrower than 16 bytes), C written once, split-K partials written
   * and read back (fp32).
   */
  l2Bytes: number;
  /** Shared-memory operand reads of the main loop, all blocks together (0 when the readers are unknown). */
  sharedOperandBytes: number;
  /** fp32 partial sums written and read back by split-K. */
  partialBytes: number;
  /** C tiles along M and N. */
  tilesM: number;
  tilesN: number;
}

/** Whether the kernel's split-K partials go through memory (written to the workspace and read back). */
function partialsThroughMemory(kernel: KernelWorkload): boolean {
  return kernel.splitK > 1 && kernel.splitKPartials !== "cluster";
}

export function traffic(device: DeviceFigures, kernel: KernelWorkload): Traffic {
  const { m, n, k } = kernel;
  const tilesM = Math.ceil(m / kernel.tileM);
  const tilesN = Math.ceil(n / kernel.tileN);
  const aBytes = 2 * m * k;
  const bBytes = 2 * k * n;
  const cBytes = 2 * m * n;
  const partialBytes = partialsThroughMemory(kernel) ? 2 * kernel.splitK * m * n * 4 : 0;
  const partialsSpill = partialBytes / 2 > device.l2Bytes / 2;
  const multicastM = kernel.multicast?.m ?? 1;
  const multicastN = kernel.multicast?.n ?? 1;
  const aReads = Math.max(1, tilesN / multicastN);
  const bReads = Math.max(1, tilesM / multicastM);
  const loadCost = 16 / Math.min(16, Math.max(1, kernel.loadBytes ?? 16));
  let sharedOperandBytes = 0;
  if (kernel.operandReaders) {
    // Each reader (warp or warpgroup) loads its slices of the A and B tiles every K step: the A tile once per
    // reader column, the B tile once per reader row.
    const perK = 2 * (kernel.tileM * kernel.operandReaders.n + kernel.tileN * kernel.operandReaders.m);
    sharedOperandBytes = perK * k * tilesM * tilesN;
  }
  return {
    compulsoryBytes: aBytes + bBytes + cBytes + (partialsSpill ? partialBytes : 0),
    l2Bytes: (aBytes * aReads + bBytes * bReads) * loadCost + cBytes + partialBytes,
    sharedOperandBytes,
    partialBytes,
    tilesM,
    tilesN,
  };
}

/** Floating-point work as issued: whole tiles (edge tiles padded), 2 flops per multiply-add. */
export function issuedFlops(kernel: KernelWorkload): number {
  const tilesM = Math.ceil(kernel.m / kernel.tileM);
  const tilesN = Math.ceil(kernel.n / kernel.tileN);
  return 2 * tilesM * kernel.tileM * tilesN * kernel.tileN * kernel.k;
}

/** The compute ceiling of an instruction class on a device, flop/s (wgmma falls back to mma where absent). */
export function computeCeiling(device: DeviceFigures, instruction: InstructionClass): number {
  const teraflops =
    instruction === "wgmma"
      ? (device.peakTeraflops.wgmma ?? device.peakTeraflops.mma)
      : device.peakTeraflops[instruction];
  return teraflops * 1e12;
}

/** The modelled time of one launch and how it was reached. */
export interface ModelledTime {
  microseconds: number;
  /** Sum over waves of each term alone, µs (the wave's time is the largest of its terms). */
  computeMicroseconds: number;
  memoryMicroseconds: number;
  sharedMicroseconds: number;
  /** The waves' floor: the dependent memory round trips of one block. */
  latencyMicroseconds: number;
  overheadMicroseconds: number;
  /** Which term set most of the time. */
  bound: "compute" | "memory" | "shared_memory" | "latency" | "overhead";
  occupancy: Occupancy;
  waves: number;
  /** Whether the hot working set (every buffer set) fits in L2, so that compulsory traffic is served by L2. */
  hotFitsInL2: boolean;
  traffic: Traffic;
}

/** A block of work that cannot be placed on the device at all (too much shared memory, registers, threads). */
export class UnplaceableKernelError extends Error {
  constructor(readonly occupancy: Occupancy) {
    super(`one block does not fit on an SM (limited by ${occupancy.limitedBy})`);
    this.name = "UnplaceableKernelError";
  }
}

/**
 * The modelled time of one launch, µs.
 *
 * The blocks run in waves of SMs × blocks per SM: all full waves, then a last wave with the remaining blocks
 * spread over as many SMs as they need. In each wave, with `r` blocks resident per active SM,
 *
 *   compute = r · flops per block / (SM ceiling · efficiency.compute · warpEfficiency(r · warps per block))
 *   shared  = r · shared operand bytes per block / (shared bytes per clock · clock)
 *   memory  = max(DRAM bytes of the wave / DRAM bandwidth, L2 bytes of the wave / L2 bandwidth)
 *             / (efficiency.bandwidth · bandwidthShare(active SMs, r · warps per block))
 *
 * and the wave takes the largest of the three, but never less than one block's chain of dependent memory
 * round trips (2: read, write; 4 with split-K: also publish the partial and read the partials back) × the
 * memory latency. The launch takes the sum over waves, plus the fixed overhead,
 * plus the harness's zeroing of the workspace (a memset at DRAM bandwidth, 1 µs of its own). For a kernel whose
 * every wave is compute-bound this is max(compute, memory) × wave quantization + overhead. In `hot` mode the
 * compulsory traffic comes from L2 when every buffer set together fits in it; in `cold` mode from DRAM.
 */
export function modelTime(
  device: DeviceFigures,
  kernel: KernelWorkload,
  timing: TimingContext,
  efficiencies: ModelEfficiencies = DEFAULT_EFFICIENCIES,
): ModelledTime {
  const occupied = occupancy(device, kernel);
  if (occupied.blocksPerSm === 0) throw new UnplaceableKernelError(occupied);
  const bytes = traffic(device, kernel);
  const flopsPerBlock = issuedFlops(kernel) / kernel.blocks;
  const smCeiling = computeCeiling(device, kernel.instruction) / device.smCount;
  const sharedPerSecond = device.sharedBytesPerClock * device.clockGigahertz * 1e9;
  const dram = device.dramReachableBytesPerSecond;
  const l2 = device.dramReachableBytesPerSecond * device.l2BandwidthFactor;
  const workingSet = 2 * (kernel.m * kernel.k + kernel.k * kernel.n + kernel.m * kernel.n);
  const hotFitsInL2 =
    timing.mode === "hot" &&
    timing.bufferSets * workingSet + bytes.partialBytes / 2 + kernel.zeroedWorkspaceBytes <= device.l2Bytes;
  const compulsoryBandwidth = hotFitsInL2 ? l2 : dram;

  const concurrent = device.smCount * occupied.blocksPerSm;
  const fullWaves = Math.floor(kernel.blocks / concurrent);
  const remainder = kernel.blocks - fullWaves * concurrent;
  const phases: { repeats: number; blocks: number; perSm: number; activeSms: number }[] = [];
  if (fullWaves > 0)
    phases.push({
      repeats: fullWaves,
      blocks: concurrent,
      perSm: occupied.blocksPerSm,
      activeSms: device.smCount,
    });
  if (remainder > 0) {
    const perSm = Math.ceil(remainder / device.smCount);
    phases.push({ repeats: 1, blocks: remainder, perSm, activeSms: Math.min(device.smCount, remainder) });
  }

  // No wave is shorter than the chain of dependent memory round trips of one block: read the operands, write
  // the result, and with split-K also publish the partial, take the arrival counter and read the partials back.
  const roundTrips = partialsThroughMemory(kernel) ? 4 : 2;
  const blockLatency = roundTrips * device.memoryLatencyMicroseconds * 1e-6;
  let total = 0;
  let compute = 0;
  let memory = 0;
  let shared = 0;
  let latency = 0;
  for (const phase of phases) {
    const warps = phase.perSm * occupied.warpsPerBlock;
    const phaseCompute =
      (phase.perSm * flopsPerBlock) / (smCeiling * efficiencies.compute * warpEfficiency(device, warps));
    const phaseShared = (phase.perSm * (bytes.sharedOperandBytes / kernel.blocks)) / sharedPerSecond;
    const share = phase.blocks / kernel.blocks;
    const pull = efficiencies.bandwidth * bandwidthShare(device, phase.activeSms, warps);
    const phaseMemory =
      Math.max((share * bytes.compulsoryBytes) / compulsoryBandwidth, (share * bytes.l2Bytes) / l2) / pull;
    total += phase.repeats * Math.max(phaseCompute, phaseShared, phaseMemory, blockLatency);
    compute += phase.repeats * phaseCompute;
    memory += phase.repeats * phaseMemory;
    shared += phase.repeats * phaseShared;
    latency += phase.repeats * blockLatency;
  }
  const zeroing =
    kernel.zeroedWorkspaceBytes > 0
      ? kernel.zeroedWorkspaceBytes / (dram * efficiencies.bandwidth) + 1e-6
      : 0;
  const overhead = device.launchOverheadMicroseconds * 1e-6 + zeroing;
  const seconds = total + overhead;
  const terms: [ModelledTime["bound"], number][] = [
    ["compute", compute],
    ["memory", memory],
    ["shared_memory", shared],
    ["latency", latency],
    ["overhead", overhead],
  ];
  let bound = terms[0] as [ModelledTime["bound"], number];
  for (const term of terms) if (term[1] > bound[1]) bound = term;
  return {
    microseconds: seconds * 1e6,
    computeMicroseconds: compute * 1e6,
    memoryMicroseconds: memory * 1e6,
    sharedMicroseconds: shared * 1e6,
    latencyMicroseconds: latency * 1e6,
    overheadMicroseconds: overhead * 1e6,
    bound: bound[0],
    occupancy: occupied,
    waves: fullWaves + (remainder > 0 ? 1 : 0),
    hotFitsInL2,
    traffic: bytes,
  };
}
