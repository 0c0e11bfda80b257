/** Resource limits of a target architecture that decide which design points can run at all. */
export interface ArchLimits {
  arch: string;
  /** Compute capability as a number: 90 for sm90. */
  computeCapability: number;
  smCount: number;
  /** Largest dynamic + static shared memory one block may use (the opt-in limit), bytes. */
  maxSharedPerBlock: number;
  /** Shared memory per SM, bytes. */
  sharedPerSm: number;
  registersPerSm: number;
  maxRegistersPerThread: number;
  maxThreadsPerBlock: number;
  l2Bytes: number;
}

/** Limits of the architectures the families render for (H100 SXM figures for sm90). */
export const ARCH_LIMITS: Readonly<Record<string, ArchLimits>> = {
  sm90: {
    arch: "sm90",
    computeCapability: 90,
    smCount: 132,
    maxSharedPerBlock: 227 * 1024,
    sharedPerSm: 228 * 1024,
    registersPerSm: 65536,
    maxRegistersPerThread: 255,
    maxThreadsPerBlock: 1024,
    l2Bytes: 50 * 1024 * 1024,
  },
  sm80: {
    arch: "sm80",
    computeCapability: 80,
    smCount: 108,
    maxSharedPerBlock: 163 * 1024,
    sharedPerSm: 164 * 1024,
    registersPerSm: 65536,
    maxRegistersPerThread: 255,
    maxThreadsPerBlock: 1024,
    l2Bytes: 40 * 1024 * 1024,
  },
};

export function archLimits(arch: string): ArchLimits {
  const limits = ARCH_LIMITS[arch.replace(/a$/, "")];
  if (!limits) throw new Error(`no limits known for ${arch}; known: ${Object.keys(ARCH_LIMITS).join(", ")}`);
  return limits;
}
