import type { GemmTask } from "@kernelforge/core";
import type { ArchLimits } from "../design-space/arch-limits.js";
import type { DesignValues, Dimension, KernelFamily, RenderedKernel } from "../design-space/kernel-family.js";
import { ceilDiv, nextPowerOfTwo, readTypedPoint, requireValidPoint } from "../design-space/typed-point.js";
import { renderStagedTileStore } from "./staged-tile-store.js";

/**
 * The classic sm_80+ tensor-core HGEMM: block tiles staged through shared memory by a multi-stage cp.async
 * pipeline, fragments read with ldmatrix, `mma.sync.m16n8k16` with fp32 accumulators in registers, optional
 * split-K with a serial (last-CTA) reduction through the workspace. Every edge is predicated, so any M, N, K
 * works; the load and store vector widths are constrained by the task's alignment instead. On sm_90 the splits of
 * one tile can instead form a thread-block cluster and sum their partials through distributed shared memory,
 * with no workspace at all.
 */

const ENTRY = "hgemm_tc";

/** Largest workspace a split-K point may ask for. The harness zeroes it inside the timed region. */
export const MAX_SPLIT_K_WORKSPACE_BYTES = 64 * 1024 * 1024;

/** Most fp32 accumulators one thread may hold (a 64×64 warp tile) before register pressure risks spilling. */
export const MAX_ACCUMULATORS_PER_THREAD = 128;

/** Largest cluster of splits: 16 CTAs is the most an H100 cluster may hold (non-portable above 8). */
export const MAX_CLUSTER_SPLITS = 16;

/** Registers a thread needs besides accumulators and fragments: addresses, indices, predicates. */
const REGISTER_OVERHEAD = 44;

export type Reduction = "none" | "serial" | "cluster";
export type Rasterization = "row" | "grouped-8";
export type SharedLayout = "swizzle" | "pad";

/** One point of the family's design space, typed. */
export interface TensorCoreTilePoint {
  blockM: number;
  blockN: number;
  blockK: number;
  warpsM: number;
  warpsN: number;
  stages: number;
  splitK: number;
  reduction: Reduction;
  rasterization: Rasterization;
  smemLayout: SharedLayout;
  /** Halves per C store: 8 stages the tile through shared memory and writes 16-byte vectors. */
  storeWidth: number;
  /** Bytes per global load: 16 and 4 use cp.async, 2 uses plain loads. */
  loadWidth: number;
}

const DIMENSIONS = [
  { name: "blockM", description: "rows of C per thread block", options: [16, 32, 64, 128, 256] },
  { name: "blockN", description: "columns of C per thread block", options: [32, 64, 128, 256] },
  { name: "blockK", description: "depth of one pipeline stage (K elements)", options: [32, 64] },
  { name: "warpsM", description: "warps along M in the block", options: [1, 2, 4, 8] },
  { name: "warpsN", description: "warps along N in the block", options: [1, 2, 4, 8] },
  {
    name: "stages",
    description: "shared-memory pipeline depth (cp.async groups in flight + 1)",
    options: [2, 3, 4, 5],
  },
  { name: "splitK", description: "number of CTAs sharing one C tile along K", options: [1, 2, 4, 8, 16] },
  {
    name: "reduction",
    description:
      "how split-K partials are combined: none (split 1), serial (sm_80: fp32 partials in the workspace, the last-arriving CTA sums them) or cluster (sm_90: the splits of a tile form a cluster and sum their partials through distributed shared memory, each CTA a slice of the tile)",
    options: ["none", "serial", "cluster"],
  },
  {
    name: "rasterization",
    description: "tile order: row-major, or grouped in bands of 8 tile rows for L2 reuse",
    options: ["row", "grouped-8"],
  },
  {
    name: "smemLayout",
    description:
      "bank-conflict avoidance in shared memory: XOR swizzle of 16-byte chunks, or 16-byte row padding",
    options: ["swizzle", "pad"],
  },
  {
    name: "storeWidth",
    description: "halves per C store: 2 (straight from registers) or 8 (staged through shared memory)",
    options: [2, 8],
  },
  {
    name: "loadWidth",
    description: "bytes per global load of A and B: 16 or 4 (cp.async with zero-fill) or 2 (plain loads)",
    options: [16, 4, 2],
  },
] as const satisfies readonly Dimension[];

const alignUp = (a: number, b: number) => ceilDiv(a, b) * b;

/** Reads a point from design values; a string names what is wrong. */
export function readPoint(values: DesignValues): TensorCoreTilePoint | string {
  return readTypedPoint<TensorCoreTilePoint>(DIMENSIONS, values);
}

/** Geometry derived from a point, shared by `violates`, `render` and the tests. */
export interface TensorCoreTileGeometry {
  threads: number;
  warpTileM: number;
  warpTileN: number;
  /** m16 fragments per warp along M, n8 fragments along N. */
  fragmentsM: number;
  fragmentsN: number;
  accumulatorsPerThread: number;
  loadChunksPerThread: number;
  estimatedRegisters: number;
  pipelineSharedBytes: number;
  epilogueSharedBytes: number;
  /** fp32 partial tile a CTA exposes to its cluster (cluster reduction only). */
  reductionSharedBytes: number;
  dynamicSharedBytes: number;
  staticSharedBytes: number;
}

export function geometry(point: TensorCoreTilePoint, layout: GemmTask["layout"]): TensorCoreTileGeometry {
  const threads = point.warpsM * point.warpsN * 32;
  const warpTileM = point.blockM / point.warpsM;
  const warpTileN = point.blockN / point.warpsN;
  const fragmentsM = Math.max(1, Math.floor(warpTileM / 16));
  const fragmentsN = Math.max(1, Math.floor(warpTileN / 8));
  const accumulatorsPerThread = fragmentsM * fragmentsN * 4;
  // Global loads each thread issues per stage. 16-byte cp.async chunks cost about one register each, 4-byte
  // ones (many more, with per-row predicates) about two; plain 2-byte loads are unrolled by 8 and
  // hold their values in registers until stored.
  const loadChunksPerThread = Math.ceil(
    (point.blockM * point.blockK + point.blockK * point.blockN) / (point.loadWidth / 2) / threads,
  );
  const loadRegisters =
    point.loadWidth === 16
      ? loadChunksPerThread
      : point.loadWidth === 4
        ? loadChunksPerThread * 2
        : Math.min(loadChunksPerThread, 16);
  // Fragments are double-buffered across the k16 steps of a stage: two sets of A (4 regs) and B (2 regs).
  const estimatedRegisters =
    accumulatorsPerThread + 2 * (fragmentsM * 4 + fragmentsN * 2) + loadRegisters + REGISTER_OVERHEAD;
  const pad = point.smemLayout === "pad" ? 8 : 0;
  const aStage = point.blockM * (point.blockK + pad);
  const bStage =
    layout === "linear" ? point.blockN * (point.blockK + pad) : point.blockK * (point.blockN + pad);
  const pipelineSharedBytes = point.stages * (aStage + bStage) * 2;
  const epilogueSharedBytes = point.storeWidth === 8 ? point.blockM * (point.blockN + 8) * 2 : 0;
  const reductionSharedBytes = point.reduction === "cluster" ? point.blockM * point.blockN * 4 : 0;
  return {
    threads,
    warpTileM,
    warpTileN,
    fragmentsM,
    fragmentsN,
    accumulatorsPerThread,
    loadChunksPerThread,
    estimatedRegisters,
    pipelineSharedBytes,
    epilogueSharedBytes,
    reductionSharedBytes,
    dynamicSharedBytes: Math.max(pipelineSharedBytes, epilogueSharedBytes, reductionSharedBytes),
    staticSharedBytes: point.reduction === "serial" ? 128 : 0,
  };
}

/** Workspace of a split-K point: fp32 partials of every split, then one arrival counter per C tile. */
export function splitKWorkspace(point: TensorCoreTilePoint, task: Pick<GemmTask, "m" | "n">): number {
  if (point.reduction !== "serial") return 0;
  const partials = alignUp(point.splitK * task.m * task.n * 4, 256);
  const tiles = ceilDiv(task.m, point.blockM) * ceilDiv(task.n, point.blockN);
  return partials + alignUp(tiles * 4, 256);
}

/** The widest global load (bytes) whose alignment every A and B row start satisfies for this task. */
export function widestLoad(task: Pick<GemmTask, "k" | "n" | "layout">): number {
  const bStride = task.layout === "nn" ? task.n : task.k;
  if (task.k % 8 === 0 && bStride % 8 === 0) return 16;
  if (task.k % 2 === 0 && bStride % 2 === 0) return 4;
  return 2;
}

export function pointViolation(
  point: TensorCoreTilePoint,
  task: GemmTask,
  limits: ArchLimits,
): string | undefined {
  const g = geometry(point, task.layout);
  const warps = point.warpsM * point.warpsN;
  if (limits.computeCapability < 80)
    return `needs sm_80 or newer for cp.async and ldmatrix (arch ${limits.arch})`;
  if (warps < 2 || warps > 8) return `${warps} warps per block; the family uses 2 to 8`;
  if (g.threads > limits.maxThreadsPerBlock)
    return `${g.threads} threads exceed ${limits.maxThreadsPerBlock} per block`;
  if (point.blockM % point.warpsM !== 0 || g.warpTileM % 16 !== 0) {
    return `blockM ${point.blockM} / warpsM ${point.warpsM} = ${g.warpTileM} is not a multiple of the mma M (16)`;
  }
  if (point.blockN % point.warpsN !== 0 || g.warpTileN % 16 !== 0) {
    return `blockN ${point.blockN} / warpsN ${point.warpsN} = ${g.warpTileN} is not a multiple of 16 (two mma n8 tiles per ldmatrix.x4)`;
  }
  if (point.blockK % 16 !== 0) return `blockK ${point.blockK} is not a multiple of the mma K (16)`;
  if (g.accumulatorsPerThread > MAX_ACCUMULATORS_PER_THREAD) {
    return `warp tile ${g.warpTileM}x${g.warpTileN} needs ${g.accumulatorsPerThread} fp32 accumulators per thread (at most ${MAX_ACCUMULATORS_PER_THREAD} before spilling)`;
  }
  if (g.estimatedRegisters > limits.maxRegistersPerThread) {
    return `about ${g.estimatedRegisters} registers per thread expected (limit ${limits.maxRegistersPerThread}): would spill`;
  }
  if (g.estimatedRegisters * g.threads > limits.registersPerSm) {
    return `about ${g.estimatedRegisters * g.threads} registers per block exceed the ${limits.registersPerSm} of an SM`;
  }
  const widestRow = Math.max(point.blockK, task.layout === "nn" ? point.blockN : point.blockK);
  const rowChunks = widestRow / (point.loadWidth / 2);
  if (rowChunks > g.threads) {
    return `a ${widestRow}-element tile row needs ${rowChunks} loads of ${point.loadWidth} bytes, more than the ${g.threads} threads`;
  }
  const shared = g.dynamicSharedBytes + g.staticSharedBytes;
  if (shared > limits.maxSharedPerBlock) {
    return `${shared} bytes of shared memory exceed ${limits.maxSharedPerBlock} per block`;
  }
  // Tiles far larger than the matrix only compute zeros.
  const usefulM = Math.max(16, nextPowerOfTwo(task.m));
  const usefulN = Math.max(32, nextPowerOfTwo(task.n));
  if (point.blockM > usefulM) return `blockM ${point.blockM} is more than twice M = ${task.m}`;
  if (point.blockN > usefulN) return `blockN ${point.blockN} is more than twice N = ${task.n}`;
  const tilesM = ceilDiv(task.m, point.blockM);
  if (tilesM > 65535) return `${tilesM} tile rows exceed the grid's y limit (65535)`;
  if (point.splitK === 1 && point.reduction !== "none")
    return `reduction ${point.reduction} needs splitK > 1`;
  // The one split-K reduction of the arch. On sm_90 the cluster reduction splits K the same way as the serial
  // one without a workspace to zero before every launch, and measured ahead: no serial point came within 10 % of
  // a narrow shape's best, none was a wide shape's best.
  const splitReduction: Reduction = limits.computeCapability >= 90 ? "cluster" : "serial";
  if (point.splitK > 1 && point.reduction === "none")
    return `splitK ${point.splitK} needs a reduction (${splitReduction})`;
  if (point.reduction === "serial" && splitReduction === "cluster")
    return "the serial reduction is for sm_80: on sm_90 split-K uses the cluster reduction (no workspace to zero), which measured faster";
  if (point.reduction === "cluster") {
    if (splitReduction !== "cluster")
      return `the cluster reduction needs sm_90 (thread-block clusters, distributed shared memory); the target is ${limits.arch}`;
    if (point.splitK > MAX_CLUSTER_SPLITS)
      return `a cluster reduction puts the ${point.splitK} splits of a tile in one cluster; at most ${MAX_CLUSTER_SPLITS}`;
    if (point.storeWidth !== 2)
      return "the cluster reduction writes C from the reduced fragments: storeWidth 2 (staging through shared memory is not rendered)";
  }
  if (point.splitK > 1) {
    const kTiles = ceilDiv(task.k, point.blockK);
    if (kTiles < point.splitK) {
      return `splitK ${point.splitK} exceeds the ${kTiles} K tiles of ${point.blockK} (K = ${task.k})`;
    }
    const workspace = splitKWorkspace(point, task);
    if (workspace > MAX_SPLIT_K_WORKSPACE_BYTES) {
      return `split-K workspace of ${workspace} bytes exceeds ${MAX_SPLIT_K_WORKSPACE_BYTES} (it is zeroed on every launch)`;
    }
  }
  if (point.storeWidth === 8 && task.n % 8 !== 0) return `8-half C stores need N % 8 == 0 (N = ${task.n})`;
  const bStride = task.layout === "nn" ? task.n : task.k;
  const bStrideName = task.layout === "nn" ? "N" : "K";
  if (point.loadWidth === 16) {
    if (task.k % 8 !== 0) return `16-byte loads of A need K % 8 == 0 (K = ${task.k})`;
    if (bStride % 8 !== 0)
      return `16-byte loads of B need ${bStrideName} % 8 == 0 (${bStrideName} = ${bStride})`;
  }
  if (point.loadWidth === 4) {
    if (task.k % 2 !== 0) return `4-byte loads of A need K % 2 == 0 (K = ${task.k})`;
    if (bStride % 2 !== 0)
      return `4-byte loads of B need ${bStrideName} % 2 == 0 (${bStrideName} = ${bStride})`;
  }
  // A narrower load is never faster than a legal wider one: keep only the widest legal width.
  const widest = widestLoad(task);
  if (point.loadWidth < widest) {
    return `${point.loadWidth}-byte loads are dominated: ${widest}-byte loads are legal for this task`;
  }
  return undefined;
}

function renderSource(point: TensorCoreTilePoint, task: GemmTask): string {
  const storeVector = point.storeWidth === 8 ? 8 : task.n % 2 === 0 ? 2 : 1;
  const loadVector = point.loadWidth / 2;
  const label = [
    `${point.blockM}x${point.blockN}x${point.blockK}`,
    `warps ${point.warpsM}x${point.warpsN}`,
    `${point.stages} stages`,
    `split-K ${point.splitK} (${point.reduction})`,
    point.rasterization,
    point.smemLayout,
    `store ${point.storeWidth}`,
    `load ${point.loadWidth}B`,
  ].join(", ");
  return `// KernelForge tensor-core-tile HGEMM for ${task.m}x${task.n}x${task.k} (${task.layout}): ${label}.
// mma.sync m16n8k16 with fp32 accumulators, cp.async multi-stage pipeline, ldmatrix fragments.
#include <cuda_fp16.h>
#include <stdint.h>

namespace kf_tc {

constexpr int BM = ${point.blockM};
constexpr int BN = ${point.blockN};
constexpr int BK = ${point.blockK};
constexpr int WARPS_M = ${point.warpsM};
constexpr int WARPS_N = ${point.warpsN};
constexpr int THREADS = WARPS_M * WARPS_N * 32;
constexpr int STAGES = ${point.stages};
constexpr int SPLITS = ${point.splitK};
constexpr bool CLUSTER_REDUCE = ${point.reduction === "cluster"};  // the splits of a tile form one cluster
constexpr bool GROUPED = ${point.rasterization === "grouped-8"};
constexpr bool LINEAR_B = ${task.layout === "linear"};
constexpr bool SWIZZLE = ${point.smemLayout === "swizzle"};
constexpr int LOAD_VEC = ${loadVector};    // halves per global load (8: 16 B, 2: 4 B, 1: plain 2 B)
constexpr int STORE_VEC = ${storeVector};  // halves per C store

constexpr int WTM = BM / WARPS_M;
constexpr int WTN = BN / WARPS_N;
constexpr int MI = WTM / 16;
constexpr int NI = WTN / 8;
constexpr int KSTEPS = BK / 16;
constexpr int PAD = SWIZZLE ? 0 : 8;
constexpr int A_COLS = BK;
constexpr int A_ROW = A_COLS + PAD;
constexpr int B_ROWS = LINEAR_B ? BN : BK;
constexpr int B_COLS = LINEAR_B ? BK : BN;
constexpr int B_ROW = B_COLS + PAD;
constexpr int A_STAGE = BM * A_ROW;
constexpr int B_STAGE = B_ROWS * B_ROW;
constexpr int C_ROW = BN + 8;

static_assert(WTM % 16 == 0 && WTN % 16 == 0, "warp tile must hold whole m16 x n16 fragments");
static_assert(BK % 16 == 0 && KSTEPS >= 2, "BK must hold at least two mma K steps");

// XOR applied to the 16-byte chunk index of a row of CHUNKS chunks: the 8 rows read by one ldmatrix phase
// then hit 8 distinct bank groups (rows of 64 bytes share a 128-byte line in pairs).
template <int CHUNKS>
__device__ __forceinline__ int row_phase(int row) {
  static_assert(CHUNKS >= 4, "swizzle needs rows of at least 64 bytes");
  return CHUNKS >= 8 ? (row & 7) : ((row >> 1) & 3);
}

// Offset (in halves) of element (row, col) of a shared tile whose rows hold COLS halves (ROW with padding).
template <int ROW, int COLS>
__device__ __forceinline__ int tile_offset(int row, int col) {
  if constexpr (SWIZZLE) {
    return row * ROW + ((((col >> 3) ^ row_phase<COLS / 8>(row))) << 3) + (col & 7);
  } else {
    return row * ROW + col;
  }
}

__device__ __forceinline__ uint32_t shared_address(const void* pointer) {
  return static_cast<uint32_t>(__cvta_generic_to_shared(pointer));
}

__device__ __forceinline__ void cp_async_16(uint32_t dst, const void* src, int bytes) {
  asm volatile("cp.async.cg.shared.global.L2::128B [%0], [%1], 16, %2;\\n" ::"r"(dst), "l"(src), "r"(bytes) : "memory");
}

__device__ __forceinline__ void cp_async_4(uint32_t dst, const void* src, int bytes) {
  asm volatile("cp.async.ca.shared.global [%0], [%1], 4, %2;\\n" ::"r"(dst), "l"(src), "r"(bytes) : "memory");
}

// Cluster reduction helpers (sm_90): the address of the same shared variable in cluster CTA rank, a load from
// it, and a barrier of the whole cluster that orders every CTA's shared-memory writes before the peers' reads.
__device__ __forceinline__ uint32_t cluster_address(uint32_t local, uint32_t rank) {
  uint32_t remote;
  asm volatile("mapa.shared::cluster.u32 %0, %1, %2;\\n" : "=r"(remote) : "r"(local), "r"(rank));
  return remote;
}

__device__ __forceinline__ float2 cluster_load_float2(uint32_t address) {
  float2 v;
  asm volatile("ld.shared::cluster.v2.f32 {%0, %1}, [%2];\\n" : "=f"(v.x), "=f"(v.y) : "r"(address) : "memory");
  return v;
}

__device__ __forceinline__ void cluster_sync() {
  asm volatile("barrier.cluster.arrive.release.aligned;\\nbarrier.cluster.wait.acquire.aligned;\\n" ::: "memory");
}

__device__ __forceinline__ uint32_t cluster_rank() {
  uint32_t rank;
  asm volatile("mov.u32 %0, %%cluster_ctarank;\\n" : "=r"(rank));
  return rank;
}

__device__ __forceinline__ void cp_async_commit() { asm volatile("cp.async.commit_group;\\n" ::: "memory"); }

template <int PENDING>
__device__ __forceinline__ void cp_async_wait() {
  asm volatile("cp.async.wait_group %0;\\n" ::"n"(PENDING) : "memory");
}

__device__ __forceinline__ void ldmatrix_x4(uint32_t (&r)[4], uint32_t address) {
  asm volatile("ldmatrix.sync.aligned.m8n8.x4.shared.b16 {%0, %1, %2, %3}, [%4];\\n"
               : "=r"(r[0]), "=r"(r[1]), "=r"(r[2]), "=r"(r[3])
               : "r"(address));
}

__device__ __forceinline__ void ldmatrix_x4_trans(uint32_t (&r)[4], uint32_t address) {
  asm volatile("ldmatrix.sync.aligned.m8n8.x4.trans.shared.b16 {%0, %1, %2, %3}, [%4];\\n"
               : "=r"(r[0]), "=r"(r[1]), "=r"(r[2]), "=r"(r[3])
               : "r"(address));
}

__device__ __forceinline__ void mma_16816(float (&d)[4], const uint32_t (&a)[4], uint32_t b0, uint32_t b1) {
  asm("mma.sync.aligned.m16n8k16.row.col.f32.f16.f16.f32 {%0, %1, %2, %3}, {%4, %5, %6, %7}, {%8, %9}, "
      "{%0, %1, %2, %3};\\n"
      : "+f"(d[0]), "+f"(d[1]), "+f"(d[2]), "+f"(d[3])
      : "r"(a[0]), "r"(a[1]), "r"(a[2]), "r"(a[3]), "r"(b0), "r"(b1));
}

__device__ __forceinline__ void copy_chunk(uint32_t dst, const __half* src, bool inside) {
  if constexpr (LOAD_VEC == 8) {
    cp_async_16(dst, src, inside ? 16 : 0);
  } else if constexpr (LOAD_VEC == 2) {
    cp_async_4(dst, src, inside ? 4 : 0);
  } else {
    const __half value = inside ? __ldg(src) : __ushort_as_half(static_cast<unsigned short>(0));
    asm volatile("st.shared.b16 [%0], %1;\\n" ::"r"(dst), "h"(__half_as_ushort(value)) : "memory");
  }
}

// Streams successive k tiles (ROWS x COLS) of a row-major matrix into shared memory. K runs along the columns
// (A, linear B) or along the rows (nn B). Each thread keeps one chunk column and walks down the rows, so one
// pointer and two extents describe all of its copies; chunks outside the matrix are zero-filled (cp.async
// src-size 0), which is all the edge handling the main loop needs.
template <int ROWS, int COLS, int ROW, bool K_IN_ROWS>
struct TileLoader {
  static constexpr int PER_ROW = COLS / LOAD_VEC;
  static constexpr int TOTAL = ROWS * PER_ROW;
  static constexpr int ITERS = (TOTAL + THREADS - 1) / THREADS;
  static_assert(THREADS % PER_ROW == 0, "a tile row must not need more chunks than the block has threads");
  static constexpr int ROW_STEP = THREADS / PER_ROW;
  // With rows 8 apart (or more) the swizzle phase repeats, so every copy of a thread shares one chunk XOR.
  static constexpr bool FIXED_PHASE = !SWIZZLE || ROW_STEP % 8 == 0;

  const __half* src;   // this thread's first chunk in the next tile
  const __half* base;  // a readable address for zero-fill copies
  int ld;
  int rows_left;       // matrix rows from this thread's first row of the next tile
  int cols_left;       // matrix columns from this thread's chunk in the next tile
  int row;
  int col;

  __device__ __forceinline__ TileLoader(const __half* g, int r0, int c0, int rows, int cols, int ld_, int tid) {
    row = tid / PER_ROW;
    col = (tid % PER_ROW) * LOAD_VEC;
    base = g;
    ld = ld_;
    src = g + (static_cast<size_t>(r0 + row) * ld_ + c0 + col);
    rows_left = rows - r0 - row;
    cols_left = cols - c0 - col;
  }

  // Copies the next tile into the stage at shared byte address stage, then steps one tile along K.
  __device__ __forceinline__ void load(uint32_t stage, int tid) {
    const __half* p = src;
    const size_t row_step = static_cast<size_t>(ROW_STEP) * ld;
    const uint32_t first = stage + 2 * tile_offset<ROW, COLS>(row, col);
#pragma unroll(LOAD_VEC == 1 ? 8 : ITERS)
    for (int it = 0; it < ITERS; ++it) {
      if (TOTAL % THREADS == 0 || it * THREADS + tid < TOTAL) {
        const bool inside = cols_left > 0 && it * ROW_STEP < rows_left;
        const uint32_t dst = FIXED_PHASE ? first + it * ROW_STEP * ROW * 2
                                         : stage + 2 * tile_offset<ROW, COLS>(row + it * ROW_STEP, col);
        copy_chunk(dst, inside ? p : base, inside);
      }
      p += row_step;
    }
    if constexpr (K_IN_ROWS) {
      src += static_cast<size_t>(BK) * ld;
      rows_left -= BK;
    } else {
      src += BK;
      cols_left -= BK;
    }
  }
};

}  // namespace kf_tc

using namespace kf_tc;

extern "C" __global__ void __launch_bounds__(${point.warpsM * point.warpsN * 32}, 1)
${ENTRY}(const __half* __restrict__ A, const __half* __restrict__ B, __half* __restrict__ C, int M, int N, int K,
         void* workspace) {
  extern __shared__ __align__(128) unsigned char shared_raw[];
  __half* As = reinterpret_cast<__half*>(shared_raw);
  __half* Bs = As + STAGES * A_STAGE;

  const int tid = threadIdx.x;
  const int lane = tid & 31;
  const int warp = tid >> 5;
  const int warp_m = warp / WARPS_N;
  const int warp_n = warp % WARPS_N;

  int tile_m;
  int tile_n;
  if constexpr (GROUPED) {
    // Bands of 8 tile rows, walked column by column, so that neighbouring CTAs share A and B tiles in L2.
    const int tiles_m = gridDim.y;
    const int tiles_n = gridDim.x;
    const int pid = blockIdx.y * tiles_n + blockIdx.x;
    const int band = 8 * tiles_n;
    const int first_m = (pid / band) * 8;
    const int band_rows = min(tiles_m - first_m, 8);
    const int in_band = pid % band;
    tile_m = first_m + in_band % band_rows;
    tile_n = in_band / band_rows;
  } else {
    tile_m = blockIdx.y;
    tile_n = blockIdx.x;
  }
  const int m0 = tile_m * BM;
  const int n0 = tile_n * BN;

  const int k_tiles = (K + BK - 1) / BK;
  int kt_begin = 0;
  int kt_end = k_tiles;
  if constexpr (SPLITS > 1) {
    kt_begin = static_cast<int>((static_cast<long long>(blockIdx.z) * k_tiles) / SPLITS);
    kt_end = static_cast<int>((static_cast<long long>(blockIdx.z + 1) * k_tiles) / SPLITS);
  }
  const int tiles = kt_end - kt_begin;

  float acc[MI][NI][4];
#pragma unroll
  for (int mi = 0; mi < MI; ++mi)
#pragma unroll
    for (int ni = 0; ni < NI; ++ni)
#pragma unroll
      for (int e = 0; e < 4; ++e) acc[mi][ni][e] = 0.0f;

  const uint32_t a_base = shared_address(As);
  const uint32_t b_base = shared_address(Bs);

  const int k_begin = kt_begin * BK;
  TileLoader<BM, A_COLS, A_ROW, false> a_loader(A, m0, k_begin, M, K, K, tid);
  TileLoader<B_ROWS, B_COLS, B_ROW, !LINEAR_B> b_loader(B, LINEAR_B ? n0 : k_begin, LINEAR_B ? k_begin : n0,
                                                        LINEAR_B ? N : K, LINEAR_B ? K : N, LINEAR_B ? K : N, tid);
  auto load_a = [&](int stage) { a_loader.load(a_base + stage * (A_STAGE * 2), tid); };
  auto load_b = [&](int stage) { b_loader.load(b_base + stage * (B_STAGE * 2), tid); };

  // Prologue: the first STAGES - 1 tiles in flight, one cp.async group each.
#pragma unroll
  for (int s = 0; s < STAGES - 1; ++s) {
    if (s < tiles) {
      load_a(s);
      load_b(s);
    }
    cp_async_commit();
  }

  // Per-lane ldmatrix rows inside the warp tile.
  // A: matrices (m0-7,k0-7) (m8-15,k0-7) (m0-7,k8-15) (m8-15,k8-15), lane l addresses row l % 16, chunk l / 16.
  // linear B (rows n, k contiguous): matrices (n0-7,k0-7) (n0-7,k8-15) (n8-15,k0-7) (n8-15,k8-15).
  // nn B (rows k, n contiguous, transposed): matrices (k0-7,n0-7) (k8-15,n0-7) (k0-7,n8-15) (k8-15,n8-15).
  const int a_row = warp_m * WTM + (lane & 15);
  const int a_chunk = lane >> 4;
  const int b_row = LINEAR_B ? warp_n * WTN + ((lane >> 4) << 3) + (lane & 7) : ((lane >> 3) & 1) * 8 + (lane & 7);
  const int b_chunk = LINEAR_B ? (lane >> 3) & 1 : warp_n * NI + (lane >> 4);
  // Byte offset of this lane's first row inside a stage. The k16 step (A, linear B) or the n16 group (nn B)
  // only changes chunk bits that the lane's own chunk and the swizzle phase leave free, so with the swizzle it
  // is folded in by XOR, with padding by addition.
  uint32_t a_lane;
  uint32_t b_lane;
  if constexpr (SWIZZLE) {
    a_lane = a_row * (A_ROW * 2) + 16 * (a_chunk ^ row_phase<A_COLS / 8>(a_row));
    b_lane = b_row * (B_ROW * 2) + 16 * (b_chunk ^ row_phase<B_COLS / 8>(b_row));
  } else {
    a_lane = a_row * (A_ROW * 2) + 16 * a_chunk;
    b_lane = b_row * (B_ROW * 2) + 16 * b_chunk;
  }
  auto chunk_step = [](uint32_t lane_offset, uint32_t bytes) -> uint32_t {
    if constexpr (SWIZZLE) {
      return lane_offset ^ bytes;
    } else {
      return lane_offset + bytes;
    }
  };

  uint32_t af[2][MI][4];
  uint32_t bf[2][NI][2];
  auto load_fragments = [&](int stage, int ks, uint32_t (&a)[MI][4], uint32_t (&b)[NI][2]) {
    const uint32_t a_stage = a_base + stage * (A_STAGE * 2);
    const uint32_t b_stage = b_base + stage * (B_STAGE * 2);
#pragma unroll
    for (int mi = 0; mi < MI; ++mi) {
      ldmatrix_x4(a[mi], a_stage + chunk_step(a_lane, 32 * ks) + mi * 16 * (A_ROW * 2));
    }
#pragma unroll
    for (int nj = 0; nj < NI / 2; ++nj) {
      uint32_t r[4];
      if constexpr (LINEAR_B) {
        ldmatrix_x4(r, b_stage + chunk_step(b_lane, 32 * ks) + nj * 16 * (B_ROW * 2));
      } else {
        ldmatrix_x4_trans(r, b_stage + chunk_step(b_lane, 32 * nj) + ks * 16 * (B_ROW * 2));
      }
      b[2 * nj][0] = r[0];
      b[2 * nj][1] = r[1];
      b[2 * nj + 1][0] = r[2];
      b[2 * nj + 1][1] = r[3];
    }
  };

  // Main loop. The barrier that publishes tile t + 1 sits after the mma of the tile's second-to-last k16 step,
  // so it overlaps the tensor-core work in flight; the first fragments of tile t + 1 are read during the last
  // step of tile t. Copies for tile t + STAGES - 1 go to the stage tile t - 1 used, which every warp finished
  // reading before the previous barrier; A is issued at the first k16 step, B at the second when a stage has more
  // than two (with two, both at the first).
  constexpr int B_ISSUE_STEP = KSTEPS > 2 ? 1 : 0;
  cp_async_wait<STAGES - 2>();
  __syncthreads();
  int read_stage = 0;
  int write_stage = STAGES - 1;
  load_fragments(0, 0, af[0], bf[0]);
  for (int t = 0; t < tiles; ++t) {
    const int next_stage = read_stage + 1 == STAGES ? 0 : read_stage + 1;
    const bool refill = t + STAGES - 1 < tiles;
#pragma unroll
    for (int ks = 0; ks < KSTEPS; ++ks) {
      if (ks == 0 && refill) load_a(write_stage);
      if (ks == B_ISSUE_STEP) {
        if (refill) load_b(write_stage);
        cp_async_commit();
      }
      if (ks + 1 < KSTEPS) {
        load_fragments(read_stage, ks + 1, af[(ks + 1) & 1], bf[(ks + 1) & 1]);
      } else {
        load_fragments(next_stage, 0, af[(ks + 1) & 1], bf[(ks + 1) & 1]);
      }
#pragma unroll
      for (int mi = 0; mi < MI; ++mi) {
#pragma unroll
        for (int nn = 0; nn < NI; ++nn) {
          const int ni = (mi & 1) ? NI - 1 - nn : nn;  // serpentine order reuses B fragments
          mma_16816(acc[mi][ni], af[ks & 1][mi], bf[ks & 1][ni][0], bf[ks & 1][ni][1]);
        }
      }
      if (ks == KSTEPS - 2) {
        cp_async_wait<STAGES - 2>();
        __syncthreads();
      }
    }
    read_stage = next_stage;
    write_stage = write_stage + 1 == STAGES ? 0 : write_stage + 1;
  }
  cp_async_wait<0>();

  const int frag_row = warp_m * WTM + (lane >> 2);
  const int frag_col = warp_n * WTN + (lane & 3) * 2;

  if constexpr (CLUSTER_REDUCE) {
    // Cluster split-K: the SPLITS CTAs of a tile are one cluster. Each exposes its fp32 partial tile in its own
    // shared memory (pair p of thread t at p * THREADS + t), then CTA r sums slice r of the tile's pairs over
    // every CTA of the cluster, in rank (= K split) order, and writes those C elements. No workspace.
    __syncthreads();  // every warp finished reading the pipeline stages the partial tile reuses
    constexpr int PAIRS = MI * NI * 2;
    float2* partial = reinterpret_cast<float2*>(shared_raw);
#pragma unroll
    for (int mi = 0; mi < MI; ++mi)
#pragma unroll
      for (int ni = 0; ni < NI; ++ni)
#pragma unroll
        for (int h = 0; h < 2; ++h)
          partial[((mi * NI + ni) * 2 + h) * THREADS + tid] = make_float2(acc[mi][ni][2 * h], acc[mi][ni][2 * h + 1]);
    cluster_sync();
    const int rank = static_cast<int>(cluster_rank());
    constexpr int TOTAL = PAIRS * THREADS;
    const int begin = (rank * TOTAL) / SPLITS;
    const int end = ((rank + 1) * TOTAL) / SPLITS;
    const uint32_t local = shared_address(partial);
    uint32_t peers[SPLITS];
#pragma unroll
    for (int q = 0; q < SPLITS; ++q) peers[q] = cluster_address(local, static_cast<uint32_t>(q));
    for (int e = begin + tid; e < end; e += THREADS) {
      float2 sum = make_float2(0.0f, 0.0f);
#pragma unroll
      for (int q = 0; q < SPLITS; ++q) {
        const float2 v = cluster_load_float2(peers[q] + 8u * static_cast<uint32_t>(e));
        sum.x += v.x;
        sum.y += v.y;
      }
      // Pair e belongs to thread owner's fragment (mi, ni, h): the same row and column it would have written.
      const int pair = e / THREADS;
      const int owner = e - pair * THREADS;
      const int h = pair & 1;
      const int ni = (pair >> 1) % NI;
      const int mi = (pair >> 1) / NI;
      const int owner_warp = owner >> 5;
      const int owner_lane = owner & 31;
      const int row = m0 + (owner_warp / WARPS_N) * WTM + (owner_lane >> 2) + mi * 16 + h * 8;
      const int col = n0 + (owner_warp % WARPS_N) * WTN + (owner_lane & 3) * 2 + ni * 8;
      if (row < M) {
        __half* out = C + (static_cast<size_t>(row) * N + col);
        if constexpr (STORE_VEC == 2) {
          if (col < N) *reinterpret_cast<__half2*>(out) = __floats2half2_rn(sum.x, sum.y);
        } else {
          if (col < N) out[0] = __float2half_rn(sum.x);
          if (col + 1 < N) out[1] = __float2half_rn(sum.y);
        }
      }
    }
    cluster_sync();  // no CTA leaves while a peer may still read its partial tile
    return;
  }

  if constexpr (SPLITS > 1 && !CLUSTER_REDUCE) {
    // Serial split-K: every split writes fp32 partials, the last CTA to arrive at the tile sums them in split
    // order and writes C. The arrival counters sit after the partials in the zeroed workspace.
    __shared__ int last_arrival;
    float* partials = reinterpret_cast<float*>(workspace);
    const size_t plane = static_cast<size_t>(M) * N;
    const size_t counters_offset = (static_cast<size_t>(SPLITS) * plane * 4 + 255) / 256 * 256;
    int* counters = reinterpret_cast<int*>(reinterpret_cast<unsigned char*>(workspace) + counters_offset);
    float* mine = partials + static_cast<size_t>(blockIdx.z) * plane;
#pragma unroll
    for (int mi = 0; mi < MI; ++mi)
#pragma unroll
      for (int h = 0; h < 2; ++h) {
        const int row = m0 + frag_row + mi * 16 + h * 8;
        if (row < M) {
          float* out = mine + (static_cast<size_t>(row) * N + n0 + frag_col);
#pragma unroll
          for (int ni = 0; ni < NI; ++ni) {
            const int col = n0 + frag_col + ni * 8;
            if constexpr (STORE_VEC >= 2) {
              if (col < N) {
                __stcg(reinterpret_cast<float2*>(out + ni * 8), make_float2(acc[mi][ni][2 * h], acc[mi][ni][2 * h + 1]));
              }
            } else {
              if (col < N) __stcg(out + ni * 8, acc[mi][ni][2 * h]);
              if (col + 1 < N) __stcg(out + ni * 8 + 1, acc[mi][ni][2 * h + 1]);
            }
          }
        }
      }
    __threadfence();
    __syncthreads();
    if (tid == 0) {
      const int arrived = atomicAdd(counters + tile_m * gridDim.x + tile_n, 1);
      last_arrival = arrived == SPLITS - 1;
    }
    __syncthreads();
    if (!last_arrival) return;
    __threadfence();
#pragma unroll
    for (int mi = 0; mi < MI; ++mi)
#pragma unroll
      for (int ni = 0; ni < NI; ++ni)
#pragma unroll
        for (int e = 0; e < 4; ++e) acc[mi][ni][e] = 0.0f;
#pragma unroll 1
    for (int z = 0; z < SPLITS; ++z) {
      const float* part = partials + static_cast<size_t>(z) * plane;
#pragma unroll
      for (int mi = 0; mi < MI; ++mi)
#pragma unroll
        for (int h = 0; h < 2; ++h) {
          const int row = m0 + frag_row + mi * 16 + h * 8;
          if (row < M) {
            const float* in = part + (static_cast<size_t>(row) * N + n0 + frag_col);
#pragma unroll
            for (int ni = 0; ni < NI; ++ni) {
              const int col = n0 + frag_col + ni * 8;
              if constexpr (STORE_VEC >= 2) {
                if (col < N) {
                  const float2 v = __ldcg(reinterpret_cast<const float2*>(in + ni * 8));
                  acc[mi][ni][2 * h] += v.x;
                  acc[mi][ni][2 * h + 1] += v.y;
                }
              } else {
                if (col < N) acc[mi][ni][2 * h] += __ldcg(in + ni * 8);
                if (col + 1 < N) acc[mi][ni][2 * h + 1] += __ldcg(in + ni * 8 + 1);
              }
            }
          }
        }
    }
  }

  if constexpr (STORE_VEC == 8) {
    // Stage the C tile in shared memory, then write 16-byte row segments (N % 8 == 0).
    __syncthreads();
    __half* cs = As;
#pragma unroll
    for (int mi = 0; mi < MI; ++mi)
#pragma unroll
      for (int ni = 0; ni < NI; ++ni)
#pragma unroll
        for (int h = 0; h < 2; ++h) {
          const int r = frag_row + mi * 16 + h * 8;
          const int c = frag_col + ni * 8;
          *reinterpret_cast<__half2*>(cs + r * C_ROW + c) =
              __floats2half2_rn(acc[mi][ni][2 * h], acc[mi][ni][2 * h + 1]);
        }
    __syncthreads();
${renderStagedTileStore({ tile: "cs", rows: "BM", columns: "BN", stride: "C_ROW", rowOrigin: "m0", columnOrigin: "n0", thread: "tid", threads: "THREADS", unroll: "#pragma unroll", indent: "    " })}
  } else {
#pragma unroll
    for (int mi = 0; mi < MI; ++mi)
#pragma unroll
      for (int h = 0; h < 2; ++h) {
        const int row = m0 + frag_row + mi * 16 + h * 8;
        if (row < M) {
          __half* out = C + (static_cast<size_t>(row) * N + n0 + frag_col);
#pragma unroll
          for (int ni = 0; ni < NI; ++ni) {
            const int col = n0 + frag_col + ni * 8;
            if constexpr (STORE_VEC == 2) {
              if (col < N) {
                *reinterpret_cast<__half2*>(out + ni * 8) = __floats2half2_rn(acc[mi][ni][2 * h], acc[mi][ni][2 * h + 1]);
              }
            } else {
              if (col < N) out[ni * 8] = __float2half_rn(acc[mi][ni][2 * h]);
              if (col + 1 < N) out[ni * 8 + 1] = __float2half_rn(acc[mi][ni][2 * h + 1]);
            }
          }
        }
      }
  }
}
`;
}

function requirePoint(values: DesignValues, task: GemmTask, limits: ArchLimits): TensorCoreTilePoint {
  return requireValidPoint("tensor-core-tile", DIMENSIONS, pointViolation, values, task, limits);
}

export const tensorCoreTileFamily: KernelFamily = {
  name: "tensor-core-tile",
  description:
    "mma.sync m16n8k16 HGEMM with fp32 accumulators: cp.async multi-stage shared-memory pipeline, ldmatrix " +
    "fragments, swizzled or padded tiles, predicated edges, optional split-K reduced serially through the workspace " +
    "(sm_80) or through distributed shared memory within a cluster (sm_90)",
  dimensions: DIMENSIONS,
  appliesTo: () => true,
  violates(values, task, limits) {
    const point = readPoint(values);
    if (typeof point === "string") return point;
    return pointViolation(point, task, limits);
  },
  render(values, task, limits): RenderedKernel {
    const point = requirePoint(values, task, limits);
    const g = geometry(point, task.layout);
    const workspaceBytes = splitKWorkspace(point, task);
    return {
      source: renderSource(point, task),
      entry: ENTRY,
      launch: {
        grid: [ceilDiv(task.n, point.blockN), ceilDiv(task.m, point.blockM), point.splitK],
        block: [g.threads, 1, 1],
        ...(point.reduction === "cluster"
          ? { cluster: [1, 1, point.splitK] as [number, number, number] }
          : {}),
        dynamicSharedBytes: g.dynamicSharedBytes,
        workspaceBytes,
        zeroWorkspace: point.reduction === "serial",
      },
    };
  },
};
