/**
 * The published figures of the GPUs that estimate mode can model, as data. Every number here is a vendor
 * figure or a widely reproduced measurement, rounded; none was fitted to KernelForge's own timings. The
 * cost model (`cost-model.ts`) reads nothing else about the device.
 */
export interface DeviceFigures {
  /** Short name, shown as `estimate:<name>` wherever a device name is shown. */
  name: string;
  /** The task arch it stands for (`sm90` covers `sm90a` too). */
  arch: string;
  /** Compute capability, as a device reports it (`9.0`). */
  computeCapability: string;
  smCount: number;
  /** Boost clock the peak figures are quoted at, GHz. */
  clockGigahertz: number;
  /**
   * Dense fp16-in/fp32-accumulate throughput ceilings, TFLOP/s, by instruction class: `wgmma` (Hopper's
   * warpgroup MMA; absent where the arch has none), `mma` (warp-level `mma.sync` / WMMA: what such kernels can
   * reach, not the spec sheet's peak) and `fma` (CUDA-core fp32 FMA: 2 flops per lane per clock).
   */
  peakTeraflops: { wgmma?: number; mma: number; fma: number };
  /** HBM bandwidth: the spec sheet's peak and what a streaming kernel reaches, bytes per second. */
  dramPeakBytesPerSecond: number;
  dramReachableBytesPerSecond: number;
  l2Bytes: number;
  /** L2 → SM bandwidth as a multiple of the reachable DRAM bandwidth. */
  l2BandwidthFactor: number;
  /** Shared memory one SM holds, and the most one block may use (static + dynamic, the opt-in limit), bytes. */
  sharedBytesPerSm: number;
  sharedBytesPerBlock: number;
  /** Shared memory the driver reserves for every resident block, bytes. */
  reservedSharedBytesPerBlock: number;
  /** Shared-memory bandwidth of one SM, bytes per clock (32 banks × 4 bytes). */
  sharedBytesPerClock: number;
  registersPerSm: number;
  /** Registers are allocated per warp in units of this many (256 = 8 per thread). */
  registerAllocationUnit: number;
  /** Warp schedulers (SM sub-partitions); each has a quarter of the register file and its own tensor core. */
  subPartitionsPerSm: number;
  maxRegistersPerThread: number;
  maxThreadsPerSm: number;
  maxBlocksPerSm: number;
  /** Latency of one dependent round trip to device memory under load, µs. */
  memoryLatencyMicroseconds: number;
  /** Fixed cost of one launch as the harness times it: ramp-up, the last wave's drain, the final writes, µs. */
  launchOverheadMicroseconds: number;
}

/** NVIDIA H100 SXM5 80 GB (sm90): the target the project's measurements are taken on. */
export const H100_SXM: DeviceFigures = {
  name: "H100-SXM",
  arch: "sm90",
  computeCapability: "9.0",
  smCount: 132,
  clockGigahertz: 1.83,
  // 989 TFLOP/s dense fp16 with wgmma (132 SMs × 4 tensor cores × 1024 flops per clock × 1.83 GHz); mma.sync
  // issues from one warp per sub-partition and reaches about 2/3 of that; CUDA cores: 132 × 128 × 2 × 1.83 GHz.
  peakTeraflops: { wgmma: 989, mma: 660, fma: 61.8 },
  dramPeakBytesPerSecond: 3.35e12,
  dramReachableBytesPerSecond: 2.9e12,
  l2Bytes: 50 * 1024 * 1024,
  l2BandwidthFactor: 2.5,
  sharedBytesPerSm: 228 * 1024,
  sharedBytesPerBlock: 227 * 1024,
  reservedSharedBytesPerBlock: 1024,
  sharedBytesPerClock: 128,
  registersPerSm: 65536,
  registerAllocationUnit: 256,
  subPartitionsPerSm: 4,
  maxRegistersPerThread: 255,
  maxThreadsPerSm: 2048,
  maxBlocksPerSm: 32,
  memoryLatencyMicroseconds: 0.6,
  launchOverheadMicroseconds: 4,
};

/** NVIDIA A100 SXM4 80 GB (sm80). No wgmma: mma.sync is its tensor-core path, at the full 312 TFLOP/s. */
export const A100_SXM: DeviceFigures = {
  name: "A100-SXM",
  arch: "sm80",
  computeCapability: "8.0",
  smCount: 108,
  clockGigahertz: 1.41,
  // 108 SMs × 4 tensor cores × 512 flops per clock × 1.41 GHz = 312 TFLOP/s; CUDA cores 108 × 64 × 2 × 1.41 GHz.
  peakTeraflops: { mma: 312, fma: 19.5 },
  dramPeakBytesPerSecond: 2.039e12,
  dramReachableBytesPerSecond: 1.75e12,
  l2Bytes: 40 * 1024 * 1024,
  l2BandwidthFactor: 2.5,
  sharedBytesPerSm: 164 * 1024,
  sharedBytesPerBlock: 163 * 1024,
  reservedSharedBytesPerBlock: 1024,
  sharedBytesPerClock: 128,
  registersPerSm: 65536,
  registerAllocationUnit: 256,
  subPartitionsPerSm: 4,
  maxRegistersPerThread: 255,
  maxThreadsPerSm: 2048,
  maxBlocksPerSm: 32,
  memoryLatencyMicroseconds: 0.6,
  launchOverheadMicroseconds: 4,
};

/** The modelled devices, one per task arch. */
export const DEVICE_FIGURES: readonly DeviceFigures[] = [H100_SXM, A100_SXM];

/** The figures for a task arch (`sm90`, `sm90a`, `sm80`), or undefined when estimate mode has none. */
export function deviceFiguresFor(arch: string): DeviceFigures | undefined {
  const base = arch.replace(/a$/, "");
  return DEVICE_FIGURES.find((figures) => figures.arch === base);
}

/** The label every estimated result carries in place of a device name: `estimate:H100-SXM`. */
export function estimateDeviceLabel(figures: DeviceFigures): string {
  return `estimate:${figures.name}`;
}
