import type { GemmTask } from "@kernelforge/core";
import type { ArchLimits } from "../design-space/arch-limits.js";
import type { DesignValues, Dimension, KernelFamily, RenderedKernel } from "../design-space/kernel-family.js";
import { ceilDiv } from "../design-space/typed-point.js";

/**
 * The `skinny` family: HGEMM kernels for shapes with one small side (min(M, N) ≤ 64), the decode / GEMV regime,
 * where the run time is set by how fast the large operand streams through device memory.
 *
 * Roles. One operand is streamed (S, the large one) and the other is narrow (T, at most 64 rows):
 *   operand "b": S = B (P = N streamed rows), T = A (Q = M narrow rows), C[q][p];
 *   operand "a": S = A (P = M streamed rows), T = B (Q = N narrow rows), C[p][q].
 * The kernel computes D[p][q] = Σ_k S[p][k]·T[q][k]. S is K-contiguous ("kc": B linear, or A) or P-contiguous
 * ("pc": B in the nn layout, K×N). Four main loops follow from that and from the math:
 *   kc-fma: a warp owns `warpTile` rows of S; lanes split K (8 halves each per step); fp32 FMA; shuffle reduce.
 *   kc-mma: a warp owns 16·warpTile rows of S as mma.m16n8k16 A fragments (any K order inside an mma is fine,
 *           so a lane's 16-byte load of one row feeds two mmas); T rows are the n = 8 side, Q padded to 8.
 *   kc-mma-n8: the roles swapped: a warp owns 8·warpTile rows of S as the n = 8 side (B fragments, again one
 *           16-byte load of a row feeds two mmas) and T rows are the m = 16 side, Q padded to 16. Row groups of
 *           8 instead of 16 let a block's warps all work on the same few rows, so the grid reads S in row order.
 *   pc-fma: a lane owns 8 consecutive columns of S and walks K; 8·warpTile lanes span the columns, the others
 *           split K; shuffle reduce.
 *   pc-mma: lanes load 8 rows × 32 columns of S; movmatrix transposes each 8×8 piece into a B fragment;
 *           T is the m = 16 side (Q padded to 16).
 * Work is split over K inside a CTA (warpsK groups, reduced through shared memory) and across CTAs: either a fixed
 * grid of (row tile, K split) CTAs ("tiles"; split > 1 meets in an fp32 workspace, the last CTA to arrive at a tile,
 * found through a per-tile counter, writes C), or a persistent stream-K grid ("stream": SMs × minBlocksPerSm CTAs
 * share the (row tile, 64-wide K unit) work evenly; a CTA that covers a whole tile writes C directly, partial tiles
 * meet through fp32 atomics and a counter of K units). minBlocksPerSm goes to __launch_bounds__, so the register
 * estimate must fit the resulting per-thread budget.
 */

type Operand = "a" | "b";
type MathKind = "fma" | "mma" | "mma-n8";
type Reduction = "direct" | "atomic-workspace" | "serial";
type NarrowSource = "global" | "shared";
type Schedule = "tiles" | "stream";

interface SkinnyPoint {
  operand: Operand;
  math: MathKind;
  threads: number;
  warpsK: number;
  warpTile: number;
  split: number;
  reduction: Reduction;
  loadBytes: number;
  unroll: number;
  narrow: NarrowSource;
  schedule: Schedule;
  minBlocksPerSm: number;
}

const OPERANDS: readonly Operand[] = ["b", "a"];
const MATHS: readonly MathKind[] = ["fma", "mma", "mma-n8"];
const THREADS: readonly number[] = [128, 256];
const WARPS_K: readonly number[] = [1, 2, 4, 8];
// Options measured and left out (docs/results/template-generator.md, "Pruning the skinny space"): warp tiles
// of 4 rows (groups), splits of 16 and 32, 8 steps in flight.
const WARP_TILES: readonly number[] = [1, 2];
const SPLITS: readonly number[] = [1, 2, 4, 8];
const REDUCTIONS: readonly Reduction[] = ["direct", "atomic-workspace", "serial"];
const LOAD_BYTES: readonly number[] = [16, 8, 4, 2];
const UNROLLS: readonly number[] = [1, 2, 4];
const NARROWS: readonly NarrowSource[] = ["global", "shared"];
const SCHEDULES: readonly Schedule[] = ["tiles", "stream"];
const MIN_BLOCKS: readonly number[] = [1, 2, 3, 4];

const dimensions: readonly Dimension[] = [
  {
    name: "operand",
    description:
      'the operand streamed from memory: "b" (Q = M ≤ 64 rows of A are the narrow side) or "a" (Q = N ≤ 64 columns of B are)',
    options: OPERANDS,
  },
  {
    name: "math",
    description:
      'fp32 accumulation on CUDA cores ("fma", Q ≤ 8) or mma.sync m16n8k16 f16→f32 on tensor cores, streamed rows on the m = 16 side ("mma") or, K-contiguous streams only, on the n = 8 side ("mma-n8")',
    options: MATHS,
  },
  { name: "threads", description: "threads per block", options: THREADS },
  {
    name: "warpsK",
    description:
      "warps of a block that split the block's K range (reduced through shared memory); the others split rows",
    options: WARPS_K,
  },
  {
    name: "warpTile",
    description:
      "streamed extent per warp: kc-fma rows; kc-mma 16-row groups; kc-mma-n8 8-row groups; pc-fma 64-column groups (8·t lanes along N); pc-mma 32-column groups",
    options: WARP_TILES,
  },
  {
    name: "split",
    description: "CTAs that split K for one output tile (split-K across the grid)",
    options: SPLITS,
  },
  {
    name: "reduction",
    description:
      'how split-K partials meet: "direct" (split 1, no workspace), "atomic-workspace" (fp32 atomics into a zeroed M×N workspace), "serial" (one partial slab per split); the last CTA of a tile writes C',
    options: REDUCTIONS,
  },
  {
    name: "loadBytes",
    description:
      "width of one vector load of the streamed operand: the widest the contiguous extent allows (16 bytes when it is a multiple of 8 halves); narrower loads were measured and never paid",
    options: LOAD_BYTES,
  },
  {
    name: "unroll",
    description: "steps whose streamed loads are issued before any is consumed",
    options: UNROLLS,
  },
  {
    name: "narrow",
    description:
      'where the narrow operand is read from: "global" (read-only cache; wherever it is K-contiguous) or "shared" (staged and transposed per K tile; operand "a" in the nn layout only)',
    options: NARROWS,
  },
  {
    name: "schedule",
    description:
      '"tiles": one CTA per (row tile, K split); "stream": a persistent grid of SMs x minBlocksPerSm CTAs shares the (row tile, 64-wide K unit) work evenly, partial tiles meet in the atomic workspace',
    options: SCHEDULES,
  },
  {
    name: "minBlocksPerSm",
    description:
      "resident CTAs per SM asked of the compiler through __launch_bounds__ (caps registers per thread); the stream grid size",
    options: MIN_BLOCKS,
  },
];

/** Shared memory a block may give the staged narrow operand. */
const NARROW_TILE_BUDGET = 48 * 1024;
/** Upper bound on the register estimate of a point; above it ptxas is expected to spill. */
const REGISTER_CAP = 208;
/** K extent of one work unit of the stream schedule. */
const STREAM_K_UNIT = 64;
/** Threads one SM holds at most (sm80 and sm90). */
const MAX_THREADS_PER_SM = 2048;
/**
 * Rows of a K-contiguous stream one block covers at most when the narrow operand is read from global memory (a
 * staged narrow tile is amortized over a block's rows, so it is not capped). Blocks over a few rows each, all
 * walking K, make the resident grid read S as one contiguous band of rows. Measured on the decode shapes, the
 * share of points within 3 % of a shape's best: 1-4 % for blocks over 128 or 256 rows, 11-16 % over 64, 15-23 %
 * over 32 or fewer.
 */
const MAX_KC_BLOCK_ROWS = 32;
/** Shared memory the driver reserves per resident CTA. */
const RESERVED_SHARED_PER_BLOCK = 1024;

type Variant = "kc-fma" | "kc-mma" | "kc-mma-n8" | "pc-fma" | "pc-mma";

interface Plan {
  point: SkinnyPoint;
  variant: Variant;
  streamB: boolean;
  /** Streamed rows (or columns, for pc) and narrow rows. */
  P: number;
  Q: number;
  /** Compile-time bound on Q: Q itself for fma, Q padded to 8 (kc-mma) or 16 (pc-mma). */
  QC: number;
  warps: number;
  warpsP: number;
  warpP: number;
  ctaP: number;
  /** Granularity of a CTA's K range. */
  gran: number;
  kPer: number;
  /** Staged narrow tile: K extent and row stride in halves. */
  kt: number;
  tStride: number;
  /** fp32 accumulator values per lane. */
  nv: number;
  registers: number;
  dynamicSharedBytes: number;
  grid: [number, number, number];
  workspaceBytes: number;
  /** Bytes of partial sums before the counters. */
  partialBytes: number;
  /** Output tiles along the streamed extent and work units per tile (split, or K units for stream). */
  tiles: number;
  unitsPerTile: number;
}

function pick<V extends string | number>(values: DesignValues, name: string, options: readonly V[]): V {
  const value = values[name];
  const found = options.find((option) => option === value);
  if (found === undefined) {
    throw new Error(`skinny: dimension ${name} must be one of ${options.join(", ")} (got ${String(value)})`);
  }
  return found;
}

function readPoint(values: DesignValues): SkinnyPoint {
  return {
    operand: pick(values, "operand", OPERANDS),
    math: pick(values, "math", MATHS),
    threads: pick(values, "threads", THREADS),
    warpsK: pick(values, "warpsK", WARPS_K),
    warpTile: pick(values, "warpTile", WARP_TILES),
    split: pick(values, "split", SPLITS),
    reduction: pick(values, "reduction", REDUCTIONS),
    loadBytes: pick(values, "loadBytes", LOAD_BYTES),
    unroll: pick(values, "unroll", UNROLLS),
    narrow: pick(values, "narrow", NARROWS),
    schedule: pick(values, "schedule", SCHEDULES),
    minBlocksPerSm: pick(values, "minBlocksPerSm", MIN_BLOCKS),
  };
}

const roundUp = (a: number, b: number) => ceilDiv(a, b) * b;

/**
 * Registers per thread, estimated from the loads in flight (scalar 2-byte loads hold a register per half until they
 * are packed), the accumulators, the converted or fragment values of a step, row pointers and a fixed overhead.
 * Calibrated against ptxas for sm_90a: every sampled point under the cap compiled without spills.
 */
function registerEstimate(variant: Variant, p: SkinnyPoint, QC: number): number {
  const { unroll: U, warpTile: T } = p;
  const widen = p.loadBytes === 2 ? 2 : 1;
  // With a global narrow operand the compiler hoists its loads for the whole unrolled batch (pc variants always
  // read it from global).
  const batch = p.narrow === "global" ? U : 1;
  switch (variant) {
    case "kc-fma":
      return 4 * U * T * widen + T * QC + 4 * QC * batch * widen + 8 * T + 8 + 2 * T + 48;
    case "kc-mma":
      return 8 * U * T * widen + 4 * T * (QC / 8) + 4 * (QC / 8) * batch * widen + 4 * T + 64;
    case "kc-mma-n8":
      return 4 * U * T * widen + 4 * T * (QC / 16) + 8 * (QC / 16) * batch * widen + 2 * T + 64;
    case "pc-fma":
      return 4 * U * widen + 8 * QC + QC * U + 8 + 2 + 48;
    case "pc-mma":
      return 8 * U * T * widen + 16 * (QC / 16) * T + 4 * (QC / 16) * U + 2 * T + 64;
  }
}

/** Works out every derived quantity of a point for a task, or why the point cannot run. */
function planFor(values: DesignValues, task: GemmTask, limits: ArchLimits): Plan | string {
  let point: SkinnyPoint;
  try {
    point = readPoint(values);
  } catch (error) {
    return (error as Error).message;
  }
  const { m: M, n: N, k: K } = task;
  if (Math.min(M, N) > 64) return "skinny applies only when min(M, N) <= 64";
  if (limits.computeCapability < 80) return "mma.sync f16 and movmatrix need sm_80 or newer";
  const streamB = point.operand === "b";
  if (streamB && M > 64) return 'operand "b" streams B and needs M <= 64';
  if (!streamB && N > 64) return 'operand "a" streams A and needs N <= 64';
  const linear = task.layout === "linear";
  const P = streamB ? N : M;
  const Q = streamB ? M : N;
  const pc = streamB && !linear;
  const math = point.math;
  if (pc && math === "mma-n8") {
    return "mma-n8 puts 8 rows of the streamed operand on mma's n side: it needs them K-contiguous (not B in the nn layout)";
  }
  const variant: Variant = pc ? (math === "fma" ? "pc-fma" : "pc-mma") : `kc-${math}`;
  if (math === "fma" && Q > 8)
    return `fma keeps Q x outputs per lane in registers and needs Q <= 8 (Q = ${Q})`;
  if (!streamB && !linear) {
    if (point.narrow === "global") {
      return 'operand "a" with layout nn reads B across its rows: the narrow operand must be staged in shared memory';
    }
  } else if (point.narrow === "shared") {
    // Measured on K-contiguous decode streams: staging was behind global reads on 20-21 of 24 shape-samples
    // (docs/results/template-generator.md). For B in the nn layout the data is thin; the same rule applies.
    return 'the narrow operand is K-contiguous here: it is read through the read-only cache ("global"); staging it is kept for operand "a" with layout nn only';
  }
  if (point.threads > limits.maxThreadsPerBlock) return `${point.threads} threads exceed the block limit`;
  const warps = point.threads / 32;
  if (point.warpsK > warps) return `warpsK ${point.warpsK} exceeds the ${warps} warps of a block`;
  const warpsP = warps / point.warpsK;

  const vw = point.loadBytes / 2;
  const contiguous = pc ? N : K;
  // Widths are powers of two: a width above the widest the extent divides by is misaligned, one below is pruned.
  const widest = LOAD_BYTES.find((bytes) => contiguous % (bytes / 2) === 0) as number;
  if (point.loadBytes > widest) {
    return `${point.loadBytes}-byte loads need ${pc ? "N" : "K"} (${contiguous}) to be a multiple of ${vw}`;
  }
  if (point.loadBytes < widest) {
    return `${pc ? "N" : "K"} (${contiguous}) allows ${widest}-byte loads: narrower ones are left out of the space`;
  }

  const stream = point.schedule === "stream";
  if (stream) {
    if (point.split !== 1) return "the stream schedule balances K itself: split must be 1";
    if (point.reduction !== "atomic-workspace")
      return 'the stream schedule reduces partial tiles with "atomic-workspace"';
  } else {
    if (point.split === 1 && point.reduction !== "direct")
      return 'split 1 writes C directly: reduction must be "direct"';
    if (point.split > 1 && point.reduction === "direct")
      return 'split > 1 needs a workspace reduction, not "direct"';
  }
  if (point.threads * point.minBlocksPerSm > MAX_THREADS_PER_SM) {
    return `${point.minBlocksPerSm} blocks of ${point.threads} threads exceed the threads of an SM`;
  }

  let QC: number;
  let warpP: number;
  let gran: number;
  switch (variant) {
    case "kc-fma":
      QC = Q;
      warpP = point.warpTile;
      gran = 32;
      break;
    case "kc-mma":
      QC = roundUp(Q, 8);
      warpP = 16 * point.warpTile;
      gran = 32;
      break;
    case "kc-mma-n8":
      QC = roundUp(Q, 16);
      warpP = 8 * point.warpTile;
      gran = 32;
      break;
    case "pc-fma":
      QC = Q;
      warpP = 64 * point.warpTile;
      gran = 16;
      break;
    case "pc-mma":
      QC = roundUp(Q, 16);
      warpP = 32 * point.warpTile;
      gran = 16;
      break;
  }
  const ctaP = warpP * warpsP;
  if (!pc && point.narrow === "global" && ctaP > MAX_KC_BLOCK_ROWS) {
    return `a block would cover ${ctaP} streamed rows (at most ${MAX_KC_BLOCK_ROWS}): raise warpsK (fewer warps side by side on rows), use fewer threads, warpTile 1, or mma-n8 / fma`;
  }
  if (ceilDiv(P, warpP) < warpsP) {
    return `a block spans ${ctaP} streamed rows but only ${P} exist: some warps would have no rows`;
  }
  const tiles = ceilDiv(P, ctaP);
  // Splitting K across CTAs fills the GPU when the row tiles are fewer than the SMs. With more tiles the grid is
  // full without it, and measured split points there were rarely near a shape's best (13 of 639 within 3 %).
  if ((stream || point.split > 1) && tiles >= limits.smCount) {
    return `${tiles} row tiles already cover the ${limits.smCount} SMs: K is split across CTAs only when the tiles are fewer (use split 1 with the tiles schedule)`;
  }
  const kPer = stream ? STREAM_K_UNIT : roundUp(ceilDiv(K, point.split), gran);
  if (!stream && (point.split - 1) * kPer >= K) {
    return `split ${point.split} leaves the last CTA of a tile without any K`;
  }

  const registers = registerEstimate(variant, point, QC);
  const registerCap = Math.min(
    REGISTER_CAP,
    Math.floor(limits.registersPerSm / (point.threads * point.minBlocksPerSm) / 8) * 8 - 8,
  );
  if (registers > registerCap) {
    return `estimated ${registers} registers per thread (cap ${registerCap} for ${point.minBlocksPerSm} blocks of ${point.threads}): expect spills`;
  }

  // Staged narrow tile (operand "a" in nn: always a kc variant). K granularity of a tile and row padding.
  const quantum = variant === "kc-fma" ? 256 : 64;
  const pad = variant === "kc-fma" ? 8 : 32;
  let kt = 0;
  let tStride = 0;
  let tileBytes = 0;
  if (point.narrow === "shared") {
    const fit = Math.floor((NARROW_TILE_BUDGET / (QC * 2) - pad) / quantum) * quantum;
    kt = Math.min(roundUp(stream ? K : kPer, quantum), fit);
    if (kt < quantum) return "the narrow operand tile does not fit in shared memory";
    tStride = kt + pad;
    tileBytes = QC * tStride * 2;
  }
  const nv = accumulatorCount(variant, point, QC);
  const reductionBytes = point.warpsK > 1 ? warpsP * (point.warpsK - 1) * nv * 32 * 4 : 0;
  const dynamicSharedBytes = Math.max(tileBytes, reductionBytes);
  if (dynamicSharedBytes + 16 > limits.maxSharedPerBlock) {
    return `${dynamicSharedBytes} bytes of shared memory exceed the per-block limit`;
  }
  const residentBlocks = Math.max(2, point.minBlocksPerSm);
  if (
    dynamicSharedBytes > 0 &&
    limits.sharedPerSm < (dynamicSharedBytes + RESERVED_SHARED_PER_BLOCK) * residentBlocks
  ) {
    return `shared memory would not hold ${residentBlocks} blocks per SM`;
  }

  const unitsPerTile = stream ? ceilDiv(K, STREAM_K_UNIT) : point.split;
  const gridX = stream ? Math.min(tiles * unitsPerTile, limits.smCount * point.minBlocksPerSm) : tiles;
  if (gridX > 2147483647) return "grid too large";
  let partialBytes = 0;
  let workspaceBytes = 0;
  if (stream || point.split > 1) {
    const slabs = point.reduction === "serial" ? point.split : 1;
    partialBytes = roundUp(slabs * M * N * 4, 256);
    workspaceBytes = partialBytes + roundUp(tiles * 4, 256);
  }
  return {
    point,
    variant,
    streamB,
    P,
    Q,
    QC,
    warps,
    warpsP,
    warpP,
    ctaP,
    gran,
    kPer,
    kt,
    tStride,
    nv,
    registers,
    dynamicSharedBytes,
    grid: [gridX, stream ? 1 : point.split, 1],
    workspaceBytes,
    partialBytes,
    tiles,
    unitsPerTile,
  };
}

function accumulatorCount(variant: Variant, p: SkinnyPoint, QC: number): number {
  switch (variant) {
    case "kc-fma":
      return p.warpTile * QC;
    case "kc-mma":
      return p.warpTile * (QC / 8) * 4;
    case "kc-mma-n8":
      return p.warpTile * (QC / 16) * 4;
    case "pc-fma":
      return QC * 8;
    case "pc-mma":
      return (QC / 16) * p.warpTile * 16;
  }
}

// ---------------------------------------------------------------------------------------------------------------
// CUDA rendering

interface Snippet {
  name: string;
  code: string;
}

// The streamed operand is read once: ld.global.nc.L1::no_allocate keeps it out of L1. Plain ld.global.nc loads were
// measured and left out (docs/results/template-generator.md, "Sweep-like points and a smaller skinny space").
const STREAM_FLAVOUR = "ld.global.nc.L1::no_allocate";

function loadHelpers(): Snippet[] {
  return [
    {
      name: "sk_ld16",
      code: `// Streamed-operand loads: read-only path, no L1 allocation.
SK_DEV uint4 sk_ld16(const __half* p) {
  uint4 v;
  asm("${STREAM_FLAVOUR}.v4.u32 {%0, %1, %2, %3}, [%4];" : "=r"(v.x), "=r"(v.y), "=r"(v.z), "=r"(v.w) : "l"(p));
  return v;
}`,
    },
    {
      name: "sk_ld8",
      code: `SK_DEV uint2 sk_ld8(const __half* p) {
  uint2 v;
  asm("${STREAM_FLAVOUR}.v2.u32 {%0, %1}, [%2];" : "=r"(v.x), "=r"(v.y) : "l"(p));
  return v;
}`,
    },
    {
      name: "sk_ld4",
      code: `SK_DEV uint32_t sk_ld4(const __half* p) {
  uint32_t v;
  asm("${STREAM_FLAVOUR}.u32 %0, [%1];" : "=r"(v) : "l"(p));
  return v;
}`,
    },
    {
      name: "sk_ld2",
      code: `SK_DEV uint32_t sk_ld2(const __half* p) {
  unsigned short v;
  asm("${STREAM_FLAVOUR}.u16 %0, [%1];" : "=h"(v) : "l"(p));
  return v;
}`,
    },
    {
      name: "sk_tld16",
      code: `// Narrow-operand loads go through L1, which every warp of the block shares.
SK_DEV uint4 sk_tld16(const __half* p) { return __ldg(reinterpret_cast<const uint4*>(p)); }`,
    },
    {
      name: "sk_tld8",
      code: "SK_DEV uint2 sk_tld8(const __half* p) { return __ldg(reinterpret_cast<const uint2*>(p)); }",
    },
    {
      name: "sk_tld4",
      code: "SK_DEV uint32_t sk_tld4(const __half* p) { return __ldg(reinterpret_cast<const unsigned int*>(p)); }",
    },
    {
      name: "sk_tld2",
      code: "SK_DEV uint32_t sk_tld2(const __half* p) { return __ldg(reinterpret_cast<const unsigned short*>(p)); }",
    },
  ];
}

/** A loader of 8 consecutive halves of which the first `lim` exist, in vectors of `vw` halves (all-or-nothing). */
function chunkLoader(name: string, prefix: string, vw: number): Snippet {
  const lines: string[] = [];
  lines.push(`SK_DEV uint4 ${name}(const __half* p, int lim) {`);
  lines.push("  uint4 r = make_uint4(0u, 0u, 0u, 0u);");
  if (vw === 8) {
    lines.push(`  if (lim > 0) r = ${prefix}16(p);`);
  } else if (vw === 4) {
    lines.push(`  if (lim > 0) { const uint2 v = ${prefix}8(p); r.x = v.x; r.y = v.y; }`);
    lines.push(`  if (lim > 4) { const uint2 v = ${prefix}8(p + 4); r.z = v.x; r.w = v.y; }`);
  } else if (vw === 2) {
    lines.push(`  if (lim > 0) r.x = ${prefix}4(p);`);
    lines.push(`  if (lim > 2) r.y = ${prefix}4(p + 2);`);
    lines.push(`  if (lim > 4) r.z = ${prefix}4(p + 4);`);
    lines.push(`  if (lim > 6) r.w = ${prefix}4(p + 6);`);
  } else {
    const fields = ["x", "y", "z", "w"];
    for (let i = 0; i < 4; i++) {
      lines.push(
        `  r.${fields[i]} = (lim > ${2 * i} ? ${prefix}2(p + ${2 * i}) : 0u) | ((lim > ${2 * i + 1} ? ${prefix}2(p + ${2 * i + 1}) : 0u) << 16);`,
      );
    }
  }
  lines.push("  return r;");
  lines.push("}");
  return { name, code: lines.join("\n") };
}

const COMMON_HELPERS: Snippet[] = [
  {
    name: "sk_reg",
    code: "SK_DEV uint32_t sk_reg(const uint4& v, int j) { return j == 0 ? v.x : j == 1 ? v.y : j == 2 ? v.z : v.w; }",
  },
  {
    name: "sk_f2",
    code: `SK_DEV float2 sk_f2(uint32_t u) {
  __half2_raw r;
  r.x = static_cast<unsigned short>(u & 0xffffu);
  r.y = static_cast<unsigned short>(u >> 16);
  return __half22float2(__half2(r));
}`,
  },
  {
    name: "sk_f8",
    code: `SK_DEV void sk_f8(const uint4& v, float* f) {
  const float2 a = sk_f2(v.x), b = sk_f2(v.y), c = sk_f2(v.z), d = sk_f2(v.w);
  f[0] = a.x; f[1] = a.y; f[2] = b.x; f[3] = b.y; f[4] = c.x; f[5] = c.y; f[6] = d.x; f[7] = d.y;
}`,
  },
  {
    name: "sk_mma",
    code: `// D += A·B, m16n8k16, f16 inputs, f32 accumulators.
SK_DEV void sk_mma(float* d, uint32_t a0, uint32_t a1, uint32_t a2, uint32_t a3, uint32_t b0, uint32_t b1) {
  asm("mma.sync.aligned.m16n8k16.row.col.f32.f16.f16.f32 {%0, %1, %2, %3}, {%4, %5, %6, %7}, {%8, %9}, {%0, %1, %2, %3};"
      : "+f"(d[0]), "+f"(d[1]), "+f"(d[2]), "+f"(d[3])
      : "r"(a0), "r"(a1), "r"(a2), "r"(a3), "r"(b0), "r"(b1));
}`,
  },
  {
    name: "sk_trans",
    code: `// Transposes an 8x8 b16 matrix held one 32-bit pair per lane.
SK_DEV uint32_t sk_trans(uint32_t v) {
  uint32_t r;
  asm("movmatrix.sync.aligned.m8n8.trans.b16 %0, %1;" : "=r"(r) : "r"(v));
  return r;
}`,
  },
];

/** The snippets the code uses, directly or through other snippets, in their declaration order. */
function usedSnippets(snippets: readonly Snippet[], code: string): string[] {
  const used = new Set<string>();
  let text = code;
  let grew = true;
  while (grew) {
    grew = false;
    for (const snippet of snippets) {
      if (!used.has(snippet.name) && new RegExp(`\\b${snippet.name}\\(`).test(text)) {
        used.add(snippet.name);
        text += snippet.code;
        grew = true;
      }
    }
  }
  return snippets.filter((snippet) => used.has(snippet.name)).map((snippet) => snippet.code);
}

/** Operand "a" in the nn layout (the only stream whose narrow operand is staged): B's columns, transposed. */
function stagingCode(plan: Plan): string {
  if (plan.point.narrow !== "shared") return "";
  if (plan.Q % 8 === 0) {
    return `    // Stage T[q][t0, t0 + KT) = B[k][q] in shared memory (transposed): 16-byte loads along a row of B (N is a
    // multiple of 8), eight 2-byte stores each; zeros past t1 and past Q.
    __syncthreads();
    for (int idx = threadIdx.x; idx < (SK_QC / 8) * SK_KT; idx += SK_THREADS) {
      const int q8 = idx % (SK_QC / 8);
      const int kk = idx / (SK_QC / 8);
      const int k = t0 + kk;
      uint4 v = make_uint4(0u, 0u, 0u, 0u);
      if (q8 * 8 < Q && k < t1) v = __ldg(reinterpret_cast<const uint4*>(T + (size_t)k * N + q8 * 8));
      const uint32_t w[4] = {v.x, v.y, v.z, v.w};
      unsigned short* row = reinterpret_cast<unsigned short*>(tS) + q8 * 8 * SK_TSTRIDE + kk;
#pragma unroll
      for (int i = 0; i < 8; ++i) row[i * SK_TSTRIDE] = (unsigned short)(w[i >> 1] >> (16 * (i & 1)));
    }
    __syncthreads();
`;
  }
  return `    // Stage T[q][t0, t0 + KT) = B[k][q] in shared memory (transposed), zeros past t1 and past Q.
    __syncthreads();
    for (int idx = threadIdx.x; idx < SK_QC * SK_KT; idx += SK_THREADS) {
      const int q = idx % SK_QC;
      const int kk = idx / SK_QC;
      const int k = t0 + kk;
      unsigned short v = 0;
      if (q < Q && k < t1) v = __ldg(reinterpret_cast<const unsigned short*>(T + (size_t)k * N + q));
      reinterpret_cast<unsigned short*>(tS)[q * SK_TSTRIDE + kk] = v;
    }
    __syncthreads();
`;
}

/** Pointers to the warp tile's streamed rows (row r of the tile is `rowOf`); rows past P read row 0, predicated off. */
function streamRows(rowOf: string): string {
  return `  const __half* srow[SK_TILE];
  int pok[SK_TILE];
#pragma unroll
  for (int r = 0; r < SK_TILE; ++r) {
    const int p = ${rowOf};
    pok[r] = p < P;
    srow[r] = S + (size_t)(pok[r] ? p : 0) * K;
  }
`;
}

/** The loads of SK_UNROLL steps of the streamed rows, issued before any is consumed (`kOf`: a step's K for this lane). */
function streamLoads(kOf: string): string {
  return `      uint4 sv[SK_UNROLL][SK_TILE];
#pragma unroll
      for (int u = 0; u < SK_UNROLL; ++u) {
        const int k = ${kOf};
#pragma unroll
        for (int r = 0; r < SK_TILE; ++r) sv[u][r] = sk_chunk_s(srow[r] + k, pok[r] ? t1 - k : 0);
      }
`;
}

/**
 * Writes the mma accumulators of the kc variants: SK_TILE stream tiles × `fragments` narrow-operand groups, four
 * values each (`p`, `q`: the C element of value c of fragment (r, j); the two variants put the streamed rows on
 * opposite sides of the instruction).
 */
function emitFragments(fragments: string, p: string, q: string): string {
  return `#pragma unroll
    for (int r = 0; r < SK_TILE; ++r)
#pragma unroll
      for (int j = 0; j < ${fragments}; ++j)
#pragma unroll
        for (int c = 0; c < 4; ++c)
          sk_emit(C, ws, P, Q, M, N, ${p}, ${q},
                  acc[(r * (${fragments}) + j) * 4 + c], whole);
`;
}

function mainLoop(
  plan: Plan,
  kEven: boolean,
): { setup: string; loop: string; warpReduce: string; emit: string } {
  const shared = plan.point.narrow === "shared";
  // Steps past the range load nothing (predicated) and, with a global narrow operand, multiply zeros: only the
  // staged tile must not be read past its end. Without the guard the compiler may hoist the narrow loads.
  const guard = shared ? "s0 + u < nSteps" : "true";
  // pc-mma reads pairs of narrow-operand halves along K: one 4-byte load when K is even, two 2-byte loads if not.
  const narrowPair = kEven
    ? "(q < Q && k < t1) ? sk_tld4(T + (size_t)q * K + k) : 0u"
    : "((q < Q && k < t1) ? sk_tld2(T + (size_t)q * K + k) : 0u) | (((q < Q && k + 1 < t1) ? sk_tld2(T + (size_t)q * K + k + 1) : 0u) << 16)";
  switch (plan.variant) {
    case "kc-fma":
      return {
        setup: streamRows("pWarp + r"),
        loop: `    const int nSteps = (t1 - t0 + 255) >> 8;
    for (int s0 = wk * SK_UNROLL; s0 < nSteps; s0 += SK_WARPS_K * SK_UNROLL) {
${streamLoads("t0 + (s0 + u) * 256 + lane * 8")}#pragma unroll
      for (int u = 0; u < SK_UNROLL; ++u) {
        if (${guard}) {
          const int k = t0 + (s0 + u) * 256 + lane * 8;
          float sf[SK_TILE][8];
#pragma unroll
          for (int r = 0; r < SK_TILE; ++r) sk_f8(sv[u][r], sf[r]);
#pragma unroll
          for (int q = 0; q < SK_QC; ++q) {
            ${
              shared
                ? "const uint4 tv = *reinterpret_cast<const uint4*>(tS + q * SK_TSTRIDE + (k - t0));"
                : "const uint4 tv = sk_chunk_t(T + (size_t)q * K + k, q < Q ? t1 - k : 0);"
            }
            float tf[8];
            sk_f8(tv, tf);
#pragma unroll
            for (int r = 0; r < SK_TILE; ++r) {
              float a = acc[r * SK_QC + q];
#pragma unroll
              for (int e = 0; e < 8; ++e) a = fmaf(sf[r][e], tf[e], a);
              acc[r * SK_QC + q] = a;
            }
          }
        }
      }
    }
`,
        warpReduce: `#pragma unroll
  for (int i = 0; i < SK_NV; ++i) {
#pragma unroll
    for (int o = 16; o > 0; o >>= 1) acc[i] += __shfl_xor_sync(0xffffffffu, acc[i], o);
  }
`,
        emit: `#pragma unroll
    for (int i = 0; i < SK_NV; ++i)
      if ((i & 31) == lane) sk_emit(C, ws, P, Q, M, N, pWarp + i / SK_QC, i % SK_QC, acc[i], whole);
`,
      };
    case "kc-mma":
      return {
        setup: `  const int g = lane >> 2, tg = lane & 3;
  const __half* srow[SK_TILE][2];
  int pok[SK_TILE][2];
#pragma unroll
  for (int r = 0; r < SK_TILE; ++r)
#pragma unroll
    for (int h = 0; h < 2; ++h) {
      const int p = pWarp + r * 16 + h * 8 + g;
      pok[r][h] = p < P;
      srow[r][h] = S + (size_t)(pok[r][h] ? p : 0) * K;
    }
`,
        loop: `    const int nSteps = (t1 - t0 + 31) >> 5;
    for (int s0 = wk * SK_UNROLL; s0 < nSteps; s0 += SK_WARPS_K * SK_UNROLL) {
      uint4 sv[SK_UNROLL][SK_TILE][2];
#pragma unroll
      for (int u = 0; u < SK_UNROLL; ++u) {
        const int k = t0 + (s0 + u) * 32 + tg * 8;
#pragma unroll
        for (int r = 0; r < SK_TILE; ++r)
#pragma unroll
          for (int h = 0; h < 2; ++h) sv[u][r][h] = sk_chunk_s(srow[r][h] + k, pok[r][h] ? t1 - k : 0);
      }
#pragma unroll
      for (int u = 0; u < SK_UNROLL; ++u) {
        if (${guard}) {
          const int k = t0 + (s0 + u) * 32 + tg * 8;
#pragma unroll
          for (int j = 0; j < SK_QC / 8; ++j) {
            const int q = j * 8 + g;
            ${
              shared
                ? "const uint4 tv = *reinterpret_cast<const uint4*>(tS + q * SK_TSTRIDE + (k - t0));"
                : "const uint4 tv = sk_chunk_t(T + (size_t)q * K + k, q < Q ? t1 - k : 0);"
            }
#pragma unroll
            for (int r = 0; r < SK_TILE; ++r) {
              float* d = acc + (r * (SK_QC / 8) + j) * 4;
              sk_mma(d, sv[u][r][0].x, sv[u][r][1].x, sv[u][r][0].y, sv[u][r][1].y, tv.x, tv.y);
              sk_mma(d, sv[u][r][0].z, sv[u][r][1].z, sv[u][r][0].w, sv[u][r][1].w, tv.z, tv.w);
            }
          }
        }
      }
    }
`,
        warpReduce: "",
        emit: emitFragments("SK_QC / 8", "pWarp + r * 16 + g + (c >> 1) * 8", "j * 8 + tg * 2 + (c & 1)"),
      };
    case "kc-mma-n8":
      return {
        setup: `  const int g = lane >> 2, tg = lane & 3;
${streamRows("pWarp + r * 8 + g")}`,
        loop: `    const int nSteps = (t1 - t0 + 31) >> 5;
    for (int s0 = wk * SK_UNROLL; s0 < nSteps; s0 += SK_WARPS_K * SK_UNROLL) {
${streamLoads("t0 + (s0 + u) * 32 + tg * 8")}#pragma unroll
      for (int u = 0; u < SK_UNROLL; ++u) {
        if (${guard}) {
          const int k = t0 + (s0 + u) * 32 + tg * 8;
#pragma unroll
          for (int j = 0; j < SK_QC / 16; ++j) {
            const int q0 = j * 16 + g, q1 = q0 + 8;
            ${
              shared
                ? `const uint4 t0v = *reinterpret_cast<const uint4*>(tS + q0 * SK_TSTRIDE + (k - t0));
            const uint4 t1v = *reinterpret_cast<const uint4*>(tS + q1 * SK_TSTRIDE + (k - t0));`
                : `const uint4 t0v = sk_chunk_t(T + (size_t)q0 * K + k, q0 < Q ? t1 - k : 0);
            const uint4 t1v = sk_chunk_t(T + (size_t)q1 * K + k, q1 < Q ? t1 - k : 0);`
            }
#pragma unroll
            for (int r = 0; r < SK_TILE; ++r) {
              float* d = acc + (r * (SK_QC / 16) + j) * 4;
              sk_mma(d, t0v.x, t1v.x, t0v.y, t1v.y, sv[u][r].x, sv[u][r].y);
              sk_mma(d, t0v.z, t1v.z, t0v.w, t1v.w, sv[u][r].z, sv[u][r].w);
            }
          }
        }
      }
    }
`,
        warpReduce: "",
        emit: emitFragments("SK_QC / 16", "pWarp + r * 8 + tg * 2 + (c & 1)", "j * 16 + g + (c >> 1) * 8"),
      };
    case "pc-fma":
      return {
        setup: `  constexpr int LANES_P = 8 * SK_TILE;
  constexpr int LANES_K = 32 / LANES_P;
  const int laneP = lane % LANES_P, laneK = lane / LANES_P;
  const int pLane = pWarp + laneP * 8;
  const int plim = P - pLane;
  const __half* scol = S + (plim > 0 ? pLane : 0);
`,
        loop: `    const int nSteps = (t1 - t0 + LANES_K - 1) / LANES_K;
    for (int s0 = wk * SK_UNROLL; s0 < nSteps; s0 += SK_WARPS_K * SK_UNROLL) {
      uint4 sv[SK_UNROLL];
#pragma unroll
      for (int u = 0; u < SK_UNROLL; ++u) {
        const int k = t0 + (s0 + u) * LANES_K + laneK;
        sv[u] = sk_chunk_s(scol + (size_t)k * N, k < t1 ? plim : 0);
      }
#pragma unroll
      for (int u = 0; u < SK_UNROLL; ++u) {
        {
          const int k = t0 + (s0 + u) * LANES_K + laneK;
          float sf[8];
          sk_f8(sv[u], sf);
#pragma unroll
          for (int q = 0; q < SK_QC; ++q) {
            const float tq = (q < Q && k < t1) ? __half2float(__ldg(T + (size_t)q * K + k)) : 0.0f;
#pragma unroll
            for (int e = 0; e < 8; ++e) acc[q * 8 + e] = fmaf(tq, sf[e], acc[q * 8 + e]);
          }
        }
      }
    }
`,
        warpReduce: `#pragma unroll
  for (int i = 0; i < SK_NV; ++i) {
#pragma unroll
    for (int o = 8 * SK_TILE; o < 32; o <<= 1) acc[i] += __shfl_xor_sync(0xffffffffu, acc[i], o);
  }
`,
        emit: `    if (laneK == 0) {
#pragma unroll
      for (int q = 0; q < SK_QC; ++q)
#pragma unroll
        for (int e = 0; e < 8; ++e) sk_emit(C, ws, P, Q, M, N, pLane + e, q, acc[q * 8 + e], whole);
    }
`,
      };
    case "pc-mma": {
      return {
        setup: `  const int g = lane >> 2, tg = lane & 3;
  const __half* scol[SK_TILE];
  int plim[SK_TILE];
#pragma unroll
  for (int b = 0; b < SK_TILE; ++b) {
    const int p = pWarp + b * 32 + tg * 8;
    plim[b] = P - p;
    scol[b] = S + (plim[b] > 0 ? p : 0);
  }
`,
        loop: `    const int nSteps = (t1 - t0 + 15) >> 4;
    for (int s0 = wk * SK_UNROLL; s0 < nSteps; s0 += SK_WARPS_K * SK_UNROLL) {
      uint4 sv[SK_UNROLL][SK_TILE][2];
#pragma unroll
      for (int u = 0; u < SK_UNROLL; ++u)
#pragma unroll
        for (int h = 0; h < 2; ++h) {
          const int k = t0 + (s0 + u) * 16 + h * 8 + g;
#pragma unroll
          for (int b = 0; b < SK_TILE; ++b) sv[u][b][h] = sk_chunk_s(scol[b] + (size_t)k * N, k < t1 ? plim[b] : 0);
        }
#pragma unroll
      for (int u = 0; u < SK_UNROLL; ++u) {
        {
          const int k0 = t0 + (s0 + u) * 16;
          uint32_t af[SK_QC / 16][4];
#pragma unroll
          for (int r = 0; r < SK_QC / 16; ++r)
#pragma unroll
            for (int i = 0; i < 4; ++i) {
              const int q = r * 16 + g + (i & 1) * 8;
              const int k = k0 + (i >> 1) * 8 + tg * 2;
              af[r][i] = ${narrowPair};
            }
#pragma unroll
          for (int b = 0; b < SK_TILE; ++b)
#pragma unroll
            for (int j = 0; j < 4; ++j) {
              const uint32_t b0 = sk_trans(sk_reg(sv[u][b][0], j));
              const uint32_t b1 = sk_trans(sk_reg(sv[u][b][1], j));
#pragma unroll
              for (int r = 0; r < SK_QC / 16; ++r)
                sk_mma(acc + ((r * SK_TILE + b) * 4 + j) * 4, af[r][0], af[r][1], af[r][2], af[r][3], b0, b1);
            }
        }
      }
    }
`,
        warpReduce: "",
        emit: `#pragma unroll
    for (int r = 0; r < SK_QC / 16; ++r)
#pragma unroll
      for (int b = 0; b < SK_TILE; ++b)
#pragma unroll
        for (int j = 0; j < 4; ++j)
#pragma unroll
          for (int c = 0; c < 4; ++c)
            sk_emit(C, ws, P, Q, M, N, pWarp + b * 32 + tg * 8 + 2 * j + (c & 1), r * 16 + g + (c >> 1) * 8,
                    acc[((r * SK_TILE + b) * 4 + j) * 4 + c], whole);
`,
      };
    }
  }
}

function emitHelper(plan: Plan): string {
  const index = plan.streamB ? "(size_t)q * N + p" : "(size_t)p * N + q";
  let body: string;
  switch (plan.point.reduction) {
    case "direct":
      body = "(void)ws;";
      break;
    case "atomic-workspace":
      body = "atomicAdd(ws + idx, v);";
      break;
    case "serial":
      body = "__stcg(ws + (size_t)blockIdx.y * M * N + idx, v);";
      break;
  }
  return `// One partial or final output value of D[p][q] (C[${plan.streamB ? "q][p" : "p][q"}]).
SK_DEV void sk_emit(__half* C, float* ws, int P, int Q, int M, int N, int p, int q, float v, bool whole) {
  if (p < P && q < Q) {
    const size_t idx = ${index};
    if (whole) {
      C[idx] = __float2half_rn(v);
    } else {
      ${body}
    }
  }
}
`;
}

function renderSource(plan: Plan, task: GemmTask): string {
  const { point } = plan;
  const parts = mainLoop(plan, task.k % 2 === 0);
  const loop = parts.loop;
  const vw = point.loadBytes / 2;
  const stream = point.schedule === "stream";
  const shared = point.narrow === "shared";
  const defines = [
    `#define SK_DEV static __device__ __forceinline__`,
    `#define SK_THREADS ${point.threads}`,
    `#define SK_MIN_BLOCKS ${point.minBlocksPerSm}`,
    `#define SK_WARPS_K ${point.warpsK}`,
    `#define SK_WARP_P ${plan.warpP}`,
    `#define SK_CTA_P ${plan.ctaP}`,
    `#define SK_TILE ${point.warpTile}`,
    `#define SK_UNROLL ${point.unroll}`,
    `#define SK_SPLIT ${point.split}`,
    `#define SK_GRAN ${plan.gran}`,
    `#define SK_K_UNIT ${STREAM_K_UNIT}`,
    `#define SK_QC ${plan.QC}`,
    `#define SK_NV ${plan.nv}`,
    `#define SK_KT ${shared ? plan.kt : 0}`,
    `#define SK_TSTRIDE ${shared ? plan.tStride : 0}`,
  ].join("\n");

  const header = `// KernelForge skinny family: ${plan.variant}, streams ${plan.streamB ? "B" : "A"} (${task.layout}), ${task.m}x${task.n}x${task.k}.
// ${Object.entries(point)
    .map(([name, value]) => `${name}=${value}`)
    .join(" ")}
#include <cuda_fp16.h>
#include <stdint.h>

${defines}
`;

  const crossWarp =
    point.warpsK > 1
      ? `    // Sum the warpsK partial accumulators of each row group through shared memory.
    {
      float* red = reinterpret_cast<float*>(sk_smem);
      __syncthreads();
      if (wk != 0) {
#pragma unroll
        for (int i = 0; i < SK_NV; ++i) red[((wp * (SK_WARPS_K - 1) + wk - 1) * SK_NV + i) * 32 + lane] = acc[i];
      }
      __syncthreads();
      if (wk == 0) {
        for (int w = 0; w < SK_WARPS_K - 1; ++w)
#pragma unroll
          for (int i = 0; i < SK_NV; ++i) acc[i] += red[((wp * (SK_WARPS_K - 1) + w) * SK_NV + i) * 32 + lane];
      }
    }
`
      : "";

  const needsFinish = stream || point.split > 1;
  const finish = needsFinish
    ? `    // A partial tile: the CTA that completes its units reduces the workspace and writes C.
    if (!whole) {
      __threadfence();
      __syncthreads();
      if (threadIdx.x == 0) {
        unsigned int* counters =
            reinterpret_cast<unsigned int*>(reinterpret_cast<unsigned char*>(workspace) + partialBytes);
        sk_last = atomicAdd(counters + tile, (unsigned int)units) + (unsigned int)units == (unsigned int)upt;
      }
      __syncthreads();
      if (sk_last) {
        __threadfence();
        const int tileP = min(SK_CTA_P, P - pCta);
        for (int t = threadIdx.x; t < tileP * Q; t += SK_THREADS) {
${
  plan.streamB
    ? `          const int p = pCta + t % tileP, q = t / tileP;
          const size_t idx = (size_t)q * N + p;`
    : `          const int p = pCta + t / Q, q = t % Q;
          const size_t idx = (size_t)p * N + q;`
}
${
  point.reduction === "serial"
    ? `          float v = 0.0f;
          for (int s = 0; s < SK_SPLIT; ++s) v += __ldcg(ws + (size_t)s * M * N + idx);`
    : "          const float v = __ldcg(ws + idx);"
}
          C[idx] = __float2half_rn(v);
        }
      }
    }
`
    : "";

  const schedule = stream
    ? `  // Stream schedule: the (tile, K unit) work is cut evenly over the grid; each CTA walks its range in segments
  // that stay inside one tile.
  const int upt = (K + SK_K_UNIT - 1) / SK_K_UNIT;
  const long long total = (long long)tiles * upt;
  long long unit = total * blockIdx.x / gridDim.x;
  const long long unitEnd = total * (blockIdx.x + 1) / gridDim.x;
  while (unit < unitEnd) {
    const int tile = (int)(unit / upt);
    const int ub = (int)(unit % upt);
    const int ue = (int)min((long long)upt, ub + (unitEnd - unit));
    const int units = ue - ub;
    unit += units;
    const int kBegin = ub * SK_K_UNIT;
    const int kEnd = min(K, ue * SK_K_UNIT);
    const bool whole = units == upt;
`
    : `  {
    const int tile = blockIdx.x;
    const int upt = SK_SPLIT, units = 1;
    (void)units;
    int kPer = (K + SK_SPLIT - 1) / SK_SPLIT;
    kPer = (kPer + SK_GRAN - 1) / SK_GRAN * SK_GRAN;
    const int kBegin = min(K, (int)blockIdx.y * kPer);
    const int kEnd = min(K, kBegin + kPer);
    const bool whole = units == upt;
`;

  const indent = (text: string) =>
    text
      .split("\n")
      .map((line) => (line.length > 0 && !line.startsWith("#") ? `  ${line}` : line))
      .join("\n");

  const slabs = point.reduction === "serial" ? "SK_SPLIT" : "1";
  const kernel = `extern "C" __global__ void __launch_bounds__(SK_THREADS, SK_MIN_BLOCKS)
hgemm_skinny(const __half* __restrict__ A, const __half* __restrict__ B, __half* __restrict__ C, int M, int N, int K,
             void* workspace) {
  extern __shared__ __align__(16) unsigned char sk_smem[];
${needsFinish ? "  __shared__ int sk_last;\n" : ""}  const int P = ${plan.streamB ? "N" : "M"};
  const int Q = ${plan.streamB ? "M" : "N"};
  const __half* __restrict__ S = ${plan.streamB ? "B" : "A"};
  const __half* __restrict__ T = ${plan.streamB ? "A" : "B"};
  if (Q > SK_QC) return;  // rendered for at most SK_QC narrow rows
  float* ws = reinterpret_cast<float*>(workspace);
  const size_t partialBytes = ((size_t)${slabs} * M * N * 4 + 255) / 256 * 256;
  (void)partialBytes;
  (void)ws;
${shared ? "  __half* tS = reinterpret_cast<__half*>(sk_smem);\n" : ""}  const int lane = threadIdx.x & 31, warp = threadIdx.x >> 5;
  const int wk = warp % SK_WARPS_K, wp = warp / SK_WARPS_K;
  const int tiles = (P + SK_CTA_P - 1) / SK_CTA_P;
  (void)tiles;

${schedule}    const int pCta = tile * SK_CTA_P;
    const int pWarp = pCta + wp * SK_WARP_P;
    const int kTile = ${shared ? "SK_KT" : "kEnd - kBegin"};

    float acc[SK_NV];
#pragma unroll
    for (int i = 0; i < SK_NV; ++i) acc[i] = 0.0f;

${indent(parts.setup)}
    for (int t0 = kBegin; t0 < kEnd; t0 += kTile) {
      const int t1 = min(kEnd, t0 + kTile);
${indent(stagingCode(plan))}${indent(loop)}    }

${indent(parts.warpReduce)}${crossWarp}
    if (wk == 0) {
${indent(parts.emit)}    }
${finish}${stream ? "    __syncthreads();\n" : ""}  }
}
`;

  const snippets = [
    ...loadHelpers(),
    chunkLoader("sk_chunk_s", "sk_ld", vw),
    chunkLoader("sk_chunk_t", "sk_tld", vw),
    ...COMMON_HELPERS,
    { name: "sk_emit", code: emitHelper(plan) },
  ];
  return [header, ...usedSnippets(snippets, kernel), kernel].join("\n");
}

export const skinnyFamily: KernelFamily = {
  name: "skinny",
  description:
    "Bandwidth-bound kernels for min(M, N) <= 64 (decode / GEMV): stream the large operand once with wide read-only loads, keep the narrow one in L1 or shared memory, accumulate in fp32 (FMA or mma.sync), split K inside and across CTAs (fixed split-K or a persistent stream-K grid).",
  dimensions,
  appliesTo(task: GemmTask): boolean {
    return Math.min(task.m, task.n) <= 64;
  },
  violates(values: DesignValues, task: GemmTask, limits: ArchLimits): string | undefined {
    const plan = planFor(values, task, limits);
    return typeof plan === "string" ? plan : undefined;
  },
  render(values: DesignValues, task: GemmTask, limits: ArchLimits): RenderedKernel {
    const plan = planFor(values, task, limits);
    if (typeof plan === "string") throw new Error(`skinny: cannot render this point: ${plan}`);
    const launch = {
      grid: plan.grid,
      block: [plan.point.threads, 1, 1] as [number, number, number],
      dynamicSharedBytes: plan.dynamicSharedBytes,
      ...(plan.workspaceBytes > 0 ? { workspaceBytes: plan.workspaceBytes, zeroWorkspace: true } : {}),
    };
    return { source: renderSource(plan, task), entry: "hgemm_skinny", launch };
  },
};
