import type { GemmTask, TensorMapRequest } from "@kernelforge/core";
import type { ArchLimits } from "../design-space/arch-limits.js";
import type { DesignValues, Dimension, KernelFamily, RenderedKernel } from "../design-space/kernel-family.js";
import { ceilDiv, nextPowerOfTwo, readTypedPoint, requireValidPoint } from "../design-space/typed-point.js";
import { renderStagedTileStore } from "./staged-tile-store.js";

/**
 * The Hopper (sm_90a) HGEMM: warp-specialized and persistent. One producer warp brings A and B tiles into a
 * ring of shared-memory stages with TMA (`cp.async.bulk.tensor`, 128-byte swizzle, out-of-bounds boxes
 * zero-filled), each stage guarded by a "full" and an "empty" mbarrier; one or two consumer warpgroups issue
 * `wgmma.mma_async` (fp32 accumulators in registers) straight from the swizzled stages through matrix
 * descriptors. The producer warpgroup gives registers back (`setmaxnreg.dec`) and the consumers take them
 * (`setmaxnreg.inc`). A persistent grid walks the output tiles in a rasterized order; thread-block clusters of
 * two CTAs share one operand tile through TMA multicast. The epilogue writes C from registers, stages the tile
 * in shared memory and writes 16-byte vectors, or stages it 128-byte-swizzled and stores it with TMA, the
 * consumers going on to the next tile while the copy drains. The harness encodes the tensor maps (see
 * docs/kernel-abi.md).
 */

const ENTRY = "hgemm_hopper";

/** Depth of one stage along K: one 128-byte swizzle span of fp16. */
export const HOPPER_BLOCK_K = 64;

/** Registers the producer warpgroup keeps and the consumers take, with two consumer warpgroups. */
const PRODUCER_REGISTERS = 40;
const CONSUMER_REGISTERS = 232;

/** Shared memory the kernel adds to its stages: mbarriers and the slack to align the ring to 1024 bytes. */
const BARRIER_AND_ALIGNMENT_BYTES = 1024 + 256;

/** Rows and columns of C (fp16, 128 bytes per row) in one TMA-epilogue staging box and store. */
const C_STORE_BOX = 64;

/** Most fp32 accumulators one consumer thread may hold. */
const MAX_ACCUMULATORS_PER_THREAD = 128;

export type ClusterShape = "1x1" | "2x1" | "1x2";
export type RasterOrder = "m-inner" | "n-inner";
export type HopperEpilogue = "direct" | "shared" | "tma";
export type HopperSchedule = "cooperative" | "ping-pong";

export interface HopperPoint {
  /** Consumer warpgroups per CTA. */
  consumers: number;
  /**
   * cooperative: the consumers split the rows of one tile; ping-pong: each consumer takes every other tile, so
   * one's epilogue overlaps the other's main loop.
   */
  schedule: HopperSchedule;
  /** Rows of C per consumer warpgroup: one (64) or two (128) m64 wgmma rows. */
  consumerRows: number;
  /** Columns of C per CTA: the wgmma N. */
  blockN: number;
  stages: number;
  /** CTAs per cluster along M x N. 2x1 shares (multicasts) the B tile, 1x2 the A tile. */
  cluster: ClusterShape;
  /** Which tile index runs fastest inside a band of `rasterGroup` tiles of the other dimension. */
  raster: RasterOrder;
  rasterGroup: number;
  epilogue: HopperEpilogue;
  /** Work units sharing one tile along K; partials meet in the workspace, the last to arrive writes C. */
  splitK: number;
}

const DIMENSIONS = [
  { name: "consumers", description: "consumer warpgroups (wgmma issuers) per CTA", options: [1, 2] },
  {
    name: "schedule",
    description:
      "with two consumers: cooperative (they split one tile's rows) or ping-pong (they take alternate tiles, one's epilogue overlapping the other's main loop)",
    options: ["cooperative", "ping-pong"],
  },
  {
    name: "consumerRows",
    description: "rows of C per consumer warpgroup: 64 (one m64 wgmma) or 128 (two)",
    options: [64, 128],
  },
  {
    name: "blockN",
    description: "columns of C per CTA, the N of each wgmma",
    options: [64, 128, 192, 256],
  },
  {
    name: "stages",
    description: "TMA stages in the shared-memory ring (each 64 deep in K)",
    options: [2, 3, 4, 5, 6, 7],
  },
  {
    name: "cluster",
    description:
      "thread-block cluster (CTAs along M x N): 1x1, or a pair that multicasts the shared B (2x1) or A (1x2) tile",
    options: ["1x1", "2x1", "1x2"],
  },
  {
    name: "raster",
    description:
      "persistent scheduler order: m-inner walks down M inside bands of rasterGroup tile columns, n-inner walks along N inside bands of tile rows",
    options: ["m-inner", "n-inner"],
  },
  {
    name: "rasterGroup",
    description: "width of a band of the scheduler's rasterization, in (cluster) tiles",
    options: [1, 4, 8, 16],
  },
  {
    name: "epilogue",
    description:
      "C stores: direct from the accumulators (4-byte stores), staged in shared memory and written as 16-byte vectors, or staged 128-byte-swizzled and stored by TMA (asynchronously: the consumer goes on to its next tile)",
    options: ["direct", "shared", "tma"],
  },
  {
    name: "splitK",
    description:
      "work units that split one tile's K range (only when M and N are both above 64); their fp32 partials meet in the zeroed workspace and the last unit to arrive (per consumer rows) sums them in order and writes C",
    options: [1, 2, 4, 8, 16],
  },
] as const satisfies readonly Dimension[];

/** Split-K needs both M and N above this: on narrower shapes it measured behind split 1. */
const NARROW_SIDE = 64;

/** Accumulators per thread above which the split-K reduction spills registers (ptxas, measured). */
const MAX_SPLIT_K_ACCUMULATORS = 64;

/** Largest split-K workspace (partials and counters): it is zeroed before every launch. */
export const MAX_HOPPER_WORKSPACE_BYTES = 64 * 1024 * 1024;

/** Workspace of a split-K point: fp32 partials of every split, then one arrival counter per tile part. */
export function hopperWorkspace(point: HopperPoint, task: Pick<GemmTask, "m" | "n">): number {
  if (point.splitK <= 1) return 0;
  const g = hopperGeometry(point);
  const partials = Math.ceil((point.splitK * task.m * task.n * 4) / 256) * 256;
  const parts = point.schedule === "ping-pong" ? 1 : point.consumers;
  const counters = ceilDiv(task.m, g.blockM) * ceilDiv(task.n, point.blockN) * parts * 4;
  return partials + Math.ceil(counters / 256) * 256;
}

export function readHopperPoint(values: DesignValues): HopperPoint | string {
  return readTypedPoint<HopperPoint>(DIMENSIONS, values);
}

/** Sizes derived from a point, shared by `violates`, `render` and the tests. */
export interface HopperGeometry {
  blockM: number;
  threads: number;
  clusterM: number;
  clusterN: number;
  accumulatorsPerThread: number;
  stageBytes: number;
  epilogueBytes: number;
  dynamicSharedBytes: number;
  /** Rows of A and of linear B one CTA's TMA brings per stage (half the tile when multicast). */
  aRowsLoaded: number;
  bRowsLoaded: number;
}

export function hopperGeometry(point: HopperPoint): HopperGeometry {
  const blockM = point.schedule === "ping-pong" ? point.consumerRows : point.consumers * point.consumerRows;
  const clusterM = point.cluster === "2x1" ? 2 : 1;
  const clusterN = point.cluster === "1x2" ? 2 : 1;
  const stageBytes = (blockM + point.blockN) * HOPPER_BLOCK_K * 2;
  const epilogueBytes =
    point.epilogue === "shared"
      ? point.consumers * point.consumerRows * (point.blockN + 8) * 2
      : point.epilogue === "tma"
        ? point.consumers * 2 * C_STORE_BOX * C_STORE_BOX * 2
        : 0;
  return {
    blockM,
    threads: (point.consumers + 1) * 128,
    clusterM,
    clusterN,
    accumulatorsPerThread: (point.consumerRows / 64) * (point.blockN / 2),
    stageBytes,
    epilogueBytes,
    dynamicSharedBytes: point.stages * stageBytes + epilogueBytes + BARRIER_AND_ALIGNMENT_BYTES,
    aRowsLoaded: clusterN === 2 ? blockM / 2 : blockM,
    bRowsLoaded: clusterM === 2 ? point.blockN / 2 : point.blockN,
  };
}

/** Clusters the persistent grid launches: one per pair of SMs (or per SM), never more than there are tiles. */
export function hopperGrid(point: HopperPoint, task: Pick<GemmTask, "m" | "n">, smCount: number): number {
  const g = hopperGeometry(point);
  const clusterSize = g.clusterM * g.clusterN;
  const units =
    ceilDiv(ceilDiv(task.m, g.blockM), g.clusterM) *
    ceilDiv(ceilDiv(task.n, point.blockN), g.clusterN) *
    point.splitK;
  return Math.max(1, Math.min(units, Math.floor(smCount / clusterSize))) * clusterSize;
}

export function hopperViolation(point: HopperPoint, task: GemmTask, limits: ArchLimits): string | undefined {
  if (limits.computeCapability !== 90)
    return `needs sm_90a (wgmma, TMA, setmaxnreg); the target is ${limits.arch}`;
  const g = hopperGeometry(point);
  if (point.schedule === "ping-pong" && point.consumers !== 2)
    return "ping-pong needs two consumer warpgroups";
  if (g.accumulatorsPerThread > MAX_ACCUMULATORS_PER_THREAD) {
    return `a ${point.consumerRows}x${point.blockN} consumer tile needs ${g.accumulatorsPerThread} fp32 accumulators per thread (at most ${MAX_ACCUMULATORS_PER_THREAD})`;
  }
  if (g.dynamicSharedBytes > limits.maxSharedPerBlock) {
    return `${g.dynamicSharedBytes} bytes of shared memory (${point.stages} stages of ${g.stageBytes}${g.epilogueBytes ? ` + ${g.epilogueBytes} for the epilogue` : ""}) exceed ${limits.maxSharedPerBlock}`;
  }
  if (task.k % 8 !== 0) return `TMA needs 16-byte rows of A: K % 8 == 0 (K = ${task.k})`;
  if (task.n % 8 !== 0)
    return `TMA and the vector epilogue need 16-byte rows of B and C: N % 8 == 0 (N = ${task.n})`;
  if (point.cluster === "2x1" && task.layout === "nn" && (point.blockN / 64) % 2 !== 0) {
    return `a 2x1 cluster splits the nn B tile into 64-column boxes between its two CTAs: blockN ${point.blockN} is an odd number of them`;
  }
  const usefulM = Math.max(64, nextPowerOfTwo(task.m));
  const usefulN = Math.max(64, nextPowerOfTwo(task.n));
  if (g.blockM > usefulM) return `blockM ${g.blockM} is more than twice M = ${task.m}`;
  if (point.blockN > usefulN) return `blockN ${point.blockN} is more than twice N = ${task.n}`;
  const tilesM = ceilDiv(task.m, g.blockM);
  const tilesN = ceilDiv(task.n, point.blockN);
  if (g.clusterM === 2 && tilesM < 2) return `a 2x1 cluster needs at least two tile rows (M = ${task.m})`;
  if (g.clusterN === 2 && tilesN < 2) return `a 1x2 cluster needs at least two tile columns (N = ${task.n})`;
  if (point.splitK > 1) {
    // Where M or N is at most 64, the skinny family and the tile family's cluster split cover the shape; this
    // family's split points measured behind its unsplit ones there (none within 10 % of a shape's best).
    if (Math.min(task.m, task.n) <= NARROW_SIDE)
      return `split-K is not rendered when M or N is at most ${NARROW_SIDE} (M = ${task.m}, N = ${task.n}): measured slower than split 1 there`;
    if (g.accumulatorsPerThread > MAX_SPLIT_K_ACCUMULATORS) {
      return `split-K keeps at most ${MAX_SPLIT_K_ACCUMULATORS} accumulators per thread (the reduction would spill); this tile has ${g.accumulatorsPerThread}`;
    }
    const kTiles = ceilDiv(task.k, HOPPER_BLOCK_K);
    if (point.splitK > kTiles)
      return `splitK ${point.splitK} exceeds the ${kTiles} K stages of ${HOPPER_BLOCK_K} (K = ${task.k})`;
    const workspace = hopperWorkspace(point, task);
    if (workspace > MAX_HOPPER_WORKSPACE_BYTES)
      return `split-K workspace of ${workspace} bytes exceeds ${MAX_HOPPER_WORKSPACE_BYTES} (it is zeroed on every launch)`;
  }
  const bandTiles = point.raster === "m-inner" ? ceilDiv(tilesN, g.clusterN) : ceilDiv(tilesM, g.clusterM);
  if (point.rasterGroup > 1 && point.rasterGroup >= 2 * bandTiles) {
    return `rasterGroup ${point.rasterGroup} is more than twice the ${bandTiles} (cluster) tiles it bands`;
  }
  return undefined;
}

function accumulatorOperands(count: number, first: number): string {
  return Array.from({ length: count }, (_, index) => `%${first + index}`).join(", ");
}

function renderSource(point: HopperPoint, task: GemmTask): string {
  const g = hopperGeometry(point);
  const accumulators = point.blockN / 2;
  const linear = task.layout === "linear";
  const label = [
    `${g.blockM}x${point.blockN}x${HOPPER_BLOCK_K}`,
    `${point.consumers} consumer warpgroup${point.consumers > 1 ? "s" : ""} of ${point.consumerRows} rows${point.consumers > 1 ? ` (${point.schedule})` : ""}`,
    `${point.stages} stages`,
    `cluster ${point.cluster}`,
    `${point.raster} raster, group ${point.rasterGroup}`,
    `${point.epilogue} epilogue`,
    `split-K ${point.splitK}`,
  ].join(", ");
  // The wgmma call: accumulators are operands 0..n-1, then the two descriptors and the scale-d flag.
  const wgmmaOperands = `{${accumulatorOperands(accumulators, 0)}}, %${accumulators}, %${accumulators + 1}`;
  const wgmmaOutputs = Array.from({ length: accumulators }, (_, index) => `"+f"(d[${index}])`).join(", ");
  return `// KernelForge hopper-warp-specialized HGEMM for ${task.m}x${task.n}x${task.k} (${task.layout}): ${label}.
// TMA producer warp + wgmma consumer warpgroups, mbarrier-guarded ring, persistent rasterized scheduler.
#include <cuda_fp16.h>
#include <stdint.h>

namespace kf_hopper {

constexpr int CONSUMERS = ${point.consumers};
constexpr int WM = ${point.consumerRows};
constexpr int MI = WM / 64;
constexpr bool PING_PONG = ${point.schedule === "ping-pong"};
constexpr int BM = PING_PONG ? WM : CONSUMERS * WM;  // rows of a tile
constexpr int BN = ${point.blockN};
constexpr int BK = ${HOPPER_BLOCK_K};
constexpr int STAGES = ${point.stages};
constexpr int CLUSTER_M = ${g.clusterM};
constexpr int CLUSTER_N = ${g.clusterN};
constexpr int CLUSTER = CLUSTER_M * CLUSTER_N;
constexpr bool LINEAR_B = ${linear};
constexpr bool M_INNER = ${point.raster === "m-inner"};
constexpr int GROUP = ${point.rasterGroup};
constexpr bool SHARED_EPILOGUE = ${point.epilogue === "shared"};
constexpr bool TMA_EPILOGUE = ${point.epilogue === "tma"};
constexpr int SPLITS = ${point.splitK};
constexpr int THREADS = (CONSUMERS + 1) * 128;
constexpr int ACC = BN / 2;  // fp32 accumulators per thread per m64 row block
constexpr int A_STAGE_BYTES = BM * BK * 2;
constexpr int B_STAGE_BYTES = BN * BK * 2;
constexpr int STAGE_BYTES = A_STAGE_BYTES + B_STAGE_BYTES;
constexpr int A_ROWS_LOADED = CLUSTER_N == 2 ? BM / 2 : BM;
constexpr int B_CHUNKS = BN / 64;  // 64-column boxes of an nn B tile
constexpr int C_ROW = BN + 8;      // halves per row of a staged C tile
// Bytes of one consumer's staging area: padded rows (shared epilogue), or two 64 x 64 swizzled boxes that the
// TMA epilogue fills and stores in turn (the share of the geometry's epilogue bytes).
constexpr int EPILOGUE_BYTES = ${g.epilogueBytes / point.consumers};
// One arrival per consumer warp that reads a stage, from every CTA of the cluster.
constexpr uint32_t EMPTY_ARRIVALS = (PING_PONG ? 1 : CONSUMERS) * 4 * CLUSTER;

static_assert(MI * ACC <= 128, "too many accumulators per thread");
static_assert(A_STAGE_BYTES % 1024 == 0 && B_STAGE_BYTES % 1024 == 0, "stages must keep 1024-byte alignment");

// A CUtensorMap as the harness passes it: 128 opaque bytes, 64-byte aligned.
struct alignas(64) TensorMap {
  unsigned long long opaque[16];
};

__device__ __forceinline__ uint32_t shared_address(const void* pointer) {
  return static_cast<uint32_t>(__cvta_generic_to_shared(pointer));
}

__device__ __forceinline__ void barrier_init(uint32_t bar, uint32_t count) {
  asm volatile("mbarrier.init.shared::cta.b64 [%0], %1;\\n" ::"r"(bar), "r"(count) : "memory");
}

__device__ __forceinline__ void barrier_expect_bytes(uint32_t bar, uint32_t bytes) {
  asm volatile("mbarrier.arrive.expect_tx.shared::cta.b64 _, [%0], %1;\\n" ::"r"(bar), "r"(bytes) : "memory");
}

__device__ __forceinline__ void barrier_wait(uint32_t bar, uint32_t parity) {
  uint32_t done = 0;
  do {
    asm volatile(
        "{\\n.reg .pred p;\\nmbarrier.try_wait.parity.shared::cta.b64 p, [%1], %2;\\nselp.u32 %0, 1, 0, p;\\n}\\n"
        : "=r"(done)
        : "r"(bar), "r"(parity)
        : "memory");
  } while (!done);
}

// Marks a stage consumed, called by every lane of a consumer warp once its wgmmas on the stage completed: lane r
// arrives on the barrier of cluster CTA r (whose producer multicasts into this CTA's stage too). The reads are
// finished (wgmma.wait_group), so no memory ordering beyond the arrival itself is needed.
__device__ __forceinline__ void barrier_release(uint32_t bar, int lane) {
  if constexpr (CLUSTER == 1) {
    if (lane == 0) asm volatile("mbarrier.arrive.shared::cta.b64 _, [%0];\\n" ::"r"(bar) : "memory");
  } else {
    if (lane < CLUSTER) {
      uint32_t remote;
      asm volatile("mapa.shared::cluster.u32 %0, %1, %2;\\n" : "=r"(remote) : "r"(bar), "r"(lane));
      asm volatile("mbarrier.arrive.shared::cluster.b64 _, [%0];\\n" ::"r"(remote) : "memory");
    }
  }
}

__device__ __forceinline__ void tma_load(uint32_t dst, const TensorMap* map, int c0, int c1, uint32_t bar) {
  asm volatile(
      "cp.async.bulk.tensor.2d.shared::cluster.global.mbarrier::complete_tx::bytes [%0], [%1, {%2, %3}], [%4];\\n" ::
          "r"(dst),
      "l"(reinterpret_cast<uint64_t>(map)), "r"(c0), "r"(c1), "r"(bar)
      : "memory");
}

// The same box written at the same offset of every CTA of the cluster, each one's full barrier signalled.
__device__ __forceinline__ void tma_load_multicast(uint32_t dst, const TensorMap* map, int c0, int c1, uint32_t bar) {
  const uint16_t mask = (1u << CLUSTER) - 1;
  asm volatile(
      "cp.async.bulk.tensor.2d.shared::cluster.global.mbarrier::complete_tx::bytes.multicast::cluster [%0], [%1, {%2, "
      "%3}], [%4], %5;\\n" ::"r"(dst),
      "l"(reinterpret_cast<uint64_t>(map)), "r"(c0), "r"(c1), "r"(bar), "h"(mask)
      : "memory");
}

// A 64-column box of C from shared memory (128-byte swizzled) to global; TMA clips what falls outside C.
__device__ __forceinline__ void tma_store(const TensorMap* map, uint32_t src, int c0, int c1) {
  asm volatile("cp.async.bulk.tensor.2d.global.shared::cta.bulk_group [%0, {%1, %2}], [%3];\\n" ::"l"(
                   reinterpret_cast<uint64_t>(map)),
               "r"(c0), "r"(c1), "r"(src)
               : "memory");
}

// Shared-memory matrix descriptor, 128-byte swizzle. Addresses and offsets in bytes.
__device__ __forceinline__ uint64_t matrix_descriptor(uint32_t address, uint32_t leading, uint32_t stride) {
  uint64_t desc = static_cast<uint64_t>((address & 0x3FFFF) >> 4);
  desc |= static_cast<uint64_t>((leading & 0x3FFFF) >> 4) << 16;
  desc |= static_cast<uint64_t>((stride & 0x3FFFF) >> 4) << 32;
  desc |= 1ull << 62;
  return desc;
}

__device__ __forceinline__ void wgmma(float (&d)[ACC], uint64_t a, uint64_t b) {
  asm volatile(
      "{\\n.reg .pred p;\\nsetp.ne.b32 p, %${accumulators + 2}, 0;\\n"
      "wgmma.mma_async.sync.aligned.m64n${point.blockN}k16.f32.f16.f16 ${wgmmaOperands}, p, 1, 1, 0, ${linear ? 0 : 1};\\n}\\n"
      : ${wgmmaOutputs}
      : "l"(a), "l"(b), "n"(1));
}

// Keeps the compiler from moving accumulator reads or writes across the asynchronous wgmma boundary.
__device__ __forceinline__ void fence_accumulators(float (&d)[MI][ACC]) {
#pragma unroll
  for (int mi = 0; mi < MI; ++mi)
#pragma unroll
    for (int i = 0; i < ACC; ++i) asm volatile("" : "+f"(d[mi][i])::"memory");
}

// Calls f(mi, r, c, j, x, y) for each pair of adjacent accumulators a consumer thread holds: (r, c) is the pair's
// first element inside the consumer's WM x BN part of the tile, mi = r / 64 its m64 row block and j = c / 8 its
// n8 block (both compile-time constants once unrolled), x and y the two fp32 values (writable). Accumulator
// d[mi][4j + v] holds row 64 * mi + 16 * warp + lane / 4 (+ 8 for v >= 2), column 8j + 2 * (lane % 4) (+ 1).
template <typename F>
__device__ __forceinline__ void for_each_pair(float (&d)[MI][ACC], int warp, int lane, F&& f) {
#pragma unroll
  for (int mi = 0; mi < MI; ++mi)
#pragma unroll
    for (int j = 0; j < BN / 8; ++j)
#pragma unroll
      for (int h = 0; h < 2; ++h)
        f(mi, mi * 64 + warp * 16 + lane / 4 + 8 * h, 8 * j + 2 * (lane % 4), j, d[mi][4 * j + 2 * h],
          d[mi][4 * j + 2 * h + 1]);
}

__device__ __forceinline__ void named_barrier(int id) { asm volatile("bar.sync %0, 128;\\n" ::"r"(id) : "memory"); }

__device__ __forceinline__ uint32_t cluster_rank() {
  uint32_t rank = 0;
  if constexpr (CLUSTER > 1) asm volatile("mov.u32 %0, %%cluster_ctarank;\\n" : "=r"(rank));
  return rank;
}

__device__ __forceinline__ void cluster_sync() {
  if constexpr (CLUSTER > 1) {
    asm volatile("barrier.cluster.arrive.release.aligned;\\nbarrier.cluster.wait.acquire.aligned;\\n" ::: "memory");
  } else {
    __syncthreads();
  }
}

// Cluster tile t of the persistent walk -> (cluster tile row, cluster tile column). The tiles are cut into bands
// GROUP tiles wide across one dimension (columns for m-inner, rows for n-inner); a band is walked along the
// other dimension, GROUP tiles at a time, so the tiles in flight at once cover a compact block.
__device__ __forceinline__ void tile_coordinates(int t, int rows, int cols, int& cm, int& cn) {
  const int walked = M_INNER ? rows : cols;
  const int banded = M_INNER ? cols : rows;
  const int band = t / (walked * GROUP);
  const int first = band * GROUP;
  const int width = min(GROUP, banded - first);
  const int in_band = t - band * walked * GROUP;
  const int along = in_band / width;
  const int across = first + in_band % width;
  cm = M_INNER ? along : across;
  cn = M_INNER ? across : along;
}

}  // namespace kf_hopper

using namespace kf_hopper;

extern "C" __global__ void __launch_bounds__(THREADS, 1)
${ENTRY}(const __half* __restrict__ A, const __half* __restrict__ B, __half* __restrict__ C, int M, int N, int K,
         void* workspace, const __grid_constant__ TensorMap map_a, const __grid_constant__ TensorMap map_b${point.epilogue === "tma" ? ",\n         const __grid_constant__ TensorMap map_c" : ""}) {
  extern __shared__ unsigned char shared_raw[];
  // C's tensor map: only the TMA epilogue takes one.
  const TensorMap* c_map = ${point.epilogue === "tma" ? "&map_c" : "nullptr"};
  // The ring needs 1024-byte alignment for the 128-byte swizzle atoms.
  const uint32_t raw = shared_address(shared_raw);
  const uint32_t ring = (raw + 1023) & ~1023u;
  unsigned char* ring_pointer = shared_raw + (ring - raw);
  __half* epilogue_tiles = reinterpret_cast<__half*>(ring_pointer + STAGES * STAGE_BYTES);
  const uint32_t barriers = ring + STAGES * STAGE_BYTES + CONSUMERS * EPILOGUE_BYTES;
  auto full_barrier = [&](int s) { return barriers + 8 * s; };
  auto empty_barrier = [&](int s) { return barriers + 8 * (STAGES + s); };
  // Ping-pong: order_barrier(c) lets consumer c start its next main loop once the other consumer finished its
  // own. Besides keeping the tensor cores to one tile at a time, this keeps each consumer within one phase of
  // the ring's barriers, which parity waits require.
  auto order_barrier = [&](int c) { return barriers + 8 * (2 * STAGES + c); };
  // Split-K: whether a consumer's unit was the last of its tile part (one flag per consumer).
  volatile int* split_flags = reinterpret_cast<volatile int*>(shared_raw + (barriers + 8 * (2 * STAGES + 2) - raw));

  const int tid = threadIdx.x;
  // Read through a shuffle so that the compiler knows it is warp-uniform: the descriptors derived from it then
  // stay in uniform registers instead of being rebuilt and moved over for every wgmma.
  const int warpgroup = __shfl_sync(0xffffffffu, tid / 128, 0);
  const uint32_t rank = cluster_rank();
  const int rank_m = static_cast<int>(rank) % CLUSTER_M;
  const int rank_n = static_cast<int>(rank) / CLUSTER_M;

  if (tid == 0) {
    // The tensor maps' first use is then not a descriptor fetch from parameter memory.
    asm volatile("prefetch.tensormap [%0];\\n" ::"l"(reinterpret_cast<uint64_t>(&map_a)) : "memory");
    asm volatile("prefetch.tensormap [%0];\\n" ::"l"(reinterpret_cast<uint64_t>(&map_b)) : "memory");
    if constexpr (TMA_EPILOGUE)
      asm volatile("prefetch.tensormap [%0];\\n" ::"l"(reinterpret_cast<uint64_t>(c_map)) : "memory");
    for (int s = 0; s < STAGES; ++s) {
      barrier_init(full_barrier(s), 1);
      barrier_init(empty_barrier(s), EMPTY_ARRIVALS);
    }
    if constexpr (PING_PONG) {
      barrier_init(order_barrier(0), 4);
      barrier_init(order_barrier(1), 4);
    }
    asm volatile("fence.mbarrier_init.release.cluster;\\n" ::: "memory");
  }
  cluster_sync();

  const int tiles_m = (M + BM - 1) / BM;
  const int tiles_n = (N + BN - 1) / BN;
  const int cluster_rows = (tiles_m + CLUSTER_M - 1) / CLUSTER_M;
  const int cluster_cols = (tiles_n + CLUSTER_N - 1) / CLUSTER_N;
  const int cluster_tiles = cluster_rows * cluster_cols;
  // Work units: (cluster tile, K split), the splits of one tile consecutive so that they run side by side.
  const int units = cluster_tiles * SPLITS;
  const int first_tile = blockIdx.x / CLUSTER;
  const int tile_step = gridDim.x / CLUSTER;
  const int k_tiles = (K + BK - 1) / BK;

  if (warpgroup == 0) {
    // Producer warpgroup: one thread issues every copy; the rest wait at the end.
    if constexpr (CONSUMERS == 2) asm volatile("setmaxnreg.dec.sync.aligned.u32 ${PRODUCER_REGISTERS};\\n");
    if (tid == 0) {
      int stage = 0;
      uint32_t phase = 0;
      for (int u = first_tile; u < units; u += tile_step) {
        const int t = u / SPLITS;
        const int split = u - t * SPLITS;
        int cm, cn;
        tile_coordinates(t, cluster_rows, cluster_cols, cm, cn);
        const int m0 = (cm * CLUSTER_M + rank_m) * BM;
        const int n0 = (cn * CLUSTER_N + rank_n) * BN;
        const int kt_end = static_cast<int>((static_cast<long long>(split + 1) * k_tiles) / SPLITS);
        for (int kt = static_cast<int>((static_cast<long long>(split) * k_tiles) / SPLITS); kt < kt_end; ++kt) {
          barrier_wait(empty_barrier(stage), phase ^ 1);
          const uint32_t full = full_barrier(stage);
          barrier_expect_bytes(full, STAGE_BYTES);
          const uint32_t a_stage = ring + stage * STAGE_BYTES;
          const uint32_t b_stage = a_stage + A_STAGE_BYTES;
          const int k0 = kt * BK;
          if constexpr (CLUSTER_N == 2) {
            tma_load_multicast(a_stage + rank_n * A_ROWS_LOADED * 128, &map_a, k0, m0 + rank_n * A_ROWS_LOADED, full);
          } else {
            tma_load(a_stage, &map_a, k0, m0, full);
          }
          if constexpr (LINEAR_B) {
            if constexpr (CLUSTER_M == 2) {
              tma_load_multicast(b_stage + rank_m * (BN / 2) * 128, &map_b, k0, n0 + rank_m * (BN / 2), full);
            } else {
              tma_load(b_stage, &map_b, k0, n0, full);
            }
          } else {
            if constexpr (CLUSTER_M == 2) {
#pragma unroll
              for (int j = rank_m * (B_CHUNKS / 2); j < (rank_m + 1) * (B_CHUNKS / 2); ++j)
                tma_load_multicast(b_stage + j * 8192, &map_b, n0 + 64 * j, k0, full);
            } else {
#pragma unroll
              for (int j = 0; j < B_CHUNKS; ++j) tma_load(b_stage + j * 8192, &map_b, n0 + 64 * j, k0, full);
            }
          }
          if (++stage == STAGES) {
            stage = 0;
            phase ^= 1;
          }
        }
      }
    }
  } else {
    // Consumer warpgroups: wgmma from the stages, release each stage once its wgmmas completed.
    if constexpr (CONSUMERS == 2) asm volatile("setmaxnreg.inc.sync.aligned.u32 ${CONSUMER_REGISTERS};\\n");
    const int consumer = warpgroup - 1;
    const int thread = tid % 128;
    const int warp = thread / 32;
    const int lane = tid % 32;
    float acc[MI][ACC];
    // Ring slots are used in the producer's order: slot s is stage s % STAGES in phase (s / STAGES) & 1.
    uint32_t slot = 0;
    // Stage 0's descriptors; a stage, a k16 step or an m64 row block only adds its byte offset / 16 to them
    // (the address field is the low 14 bits, and every address stays inside shared memory).
    const uint64_t a_descriptor = matrix_descriptor(ring + (PING_PONG ? 0 : consumer * WM * 128), 16, 1024);
    const uint64_t b_descriptor = LINEAR_B ? matrix_descriptor(ring + A_STAGE_BYTES, 16, 1024)
                                           : matrix_descriptor(ring + A_STAGE_BYTES, 8192, 1024);
    int sequence = 0;
    uint32_t turn = 0;  // tiles this consumer has taken
    [[maybe_unused]] uint32_t stores = 0;  // TMA epilogue: boxes of C staged so far (staging box stores % 2)
    for (int u = first_tile; u < units; u += tile_step, ++sequence) {
      const int t = u / SPLITS;
      const int split = u - t * SPLITS;
      const int kt_begin = static_cast<int>((static_cast<long long>(split) * k_tiles) / SPLITS);
      const int kt_end = static_cast<int>((static_cast<long long>(split + 1) * k_tiles) / SPLITS);
      if (PING_PONG && (sequence & 1) != consumer) {
        slot += kt_end - kt_begin;  // the other consumer's unit
        continue;
      }
      int cm, cn;
      tile_coordinates(t, cluster_rows, cluster_cols, cm, cn);
      const int m0 = (cm * CLUSTER_M + rank_m) * BM;
      const int n0 = (cn * CLUSTER_N + rank_n) * BN;
#pragma unroll
      for (int mi = 0; mi < MI; ++mi)
#pragma unroll
        for (int i = 0; i < ACC; ++i) acc[mi][i] = 0.0f;
      if constexpr (PING_PONG) {
        // Consumer 0's tile q waits for consumer 1's main loop q - 1; consumer 1's tile q for consumer 0's q.
        if (consumer == 1) barrier_wait(order_barrier(1), turn & 1);
        else if (turn > 0) barrier_wait(order_barrier(0), (turn - 1) & 1);
      }
      int previous = -1;
      int stage = static_cast<int>(slot % STAGES);
      uint32_t phase = (slot / STAGES) & 1;
      for (int kt = kt_begin; kt < kt_end; ++kt, ++slot) {
        barrier_wait(full_barrier(stage), phase);
        const uint64_t stage_offset = static_cast<uint64_t>(stage * (STAGE_BYTES / 16));
        fence_accumulators(acc);
        asm volatile("wgmma.fence.sync.aligned;\\n" ::: "memory");
#pragma unroll
        for (int ks = 0; ks < BK / 16; ++ks) {
          // A: K-major rows of 128 bytes, 8-row atoms 1024 bytes apart; a k16 step moves 32 bytes inside the atom.
          // B linear: the same, N rows. B nn: N-major, 64-column boxes 8192 bytes apart, a k16 step is 16 rows.
          const uint64_t b_desc = b_descriptor + stage_offset + (LINEAR_B ? ks * 32 : ks * 2048) / 16;
#pragma unroll
          for (int mi = 0; mi < MI; ++mi) {
            wgmma(acc[mi], a_descriptor + stage_offset + (mi * 64 * 128 + ks * 32) / 16, b_desc);
          }
        }
        asm volatile("wgmma.commit_group.sync.aligned;\\n" ::: "memory");
        asm volatile("wgmma.wait_group.sync.aligned 1;\\n" ::: "memory");
        fence_accumulators(acc);
        if (previous >= 0) barrier_release(empty_barrier(previous), lane);
        previous = stage;
        if (++stage == STAGES) {
          stage = 0;
          phase ^= 1;
        }
      }
      if constexpr (PING_PONG) {
        if (lane == 0) asm volatile("mbarrier.arrive.shared::cta.b64 _, [%0];\\n" ::"r"(order_barrier(1 - consumer)) : "memory");
        ++turn;
      }
      asm volatile("wgmma.wait_group.sync.aligned 0;\\n" ::: "memory");
      fence_accumulators(acc);
      if (previous >= 0) barrier_release(empty_barrier(previous), lane);

      // Accumulator d[mi][4j + v]: row 16 * warp + lane / 4 (+ 8 for v >= 2), column 8j + 2 * (lane % 4) (+ 1).
      const int tile_row = m0 + (PING_PONG ? 0 : consumer * WM);
      const int row_base = tile_row + warp * 16 + lane / 4;
      const int col_base = n0 + 2 * (lane % 4);
      if constexpr (SPLITS > 1) {
        // Split-K: write this unit's fp32 partials; the last unit of the tile part to arrive sums every split's
        // partials in split order and goes on to write C. Tiles of a cluster that fall outside C do nothing.
        if (m0 >= M || n0 >= N) continue;
        float* partials = reinterpret_cast<float*>(workspace);
        const size_t plane = static_cast<size_t>(M) * N;
        int* counters = reinterpret_cast<int*>(reinterpret_cast<unsigned char*>(workspace) +
                                               (static_cast<size_t>(SPLITS) * plane * 4 + 255) / 256 * 256);
        const int part = ((m0 / BM) * tiles_n + n0 / BN) * (PING_PONG ? 1 : CONSUMERS) + (PING_PONG ? 0 : consumer);
#pragma unroll
        for (int mi = 0; mi < MI; ++mi)
#pragma unroll
          for (int h = 0; h < 2; ++h) {
            const int row = row_base + mi * 64 + 8 * h;
            if (row >= M) continue;
            float* out = partials + static_cast<size_t>(split) * plane + static_cast<size_t>(row) * N;
#pragma unroll
            for (int j = 0; j < BN / 8; ++j) {
              const int col = col_base + 8 * j;
              if (col < N) __stcg(reinterpret_cast<float2*>(out + col), make_float2(acc[mi][4 * j + 2 * h], acc[mi][4 * j + 2 * h + 1]));
            }
          }
        __threadfence();
        named_barrier(3 + consumer);
        if (thread == 0) split_flags[consumer] = atomicAdd(counters + part, 1) == SPLITS - 1;
        named_barrier(3 + consumer);
        if (!split_flags[consumer]) continue;
        __threadfence();
#pragma unroll
        for (int mi = 0; mi < MI; ++mi)
#pragma unroll
          for (int i = 0; i < ACC; ++i) acc[mi][i] = 0.0f;
#pragma unroll 1
        for (int z = 0; z < SPLITS; ++z) {
#pragma unroll
          for (int mi = 0; mi < MI; ++mi)
#pragma unroll
            for (int h = 0; h < 2; ++h) {
              const int row = row_base + mi * 64 + 8 * h;
              if (row >= M) continue;
              const float* in = partials + static_cast<size_t>(z) * plane + static_cast<size_t>(row) * N;
#pragma unroll
              for (int j = 0; j < BN / 8; ++j) {
                const int col = col_base + 8 * j;
                if (col < N) {
                  const float2 v = __ldcg(reinterpret_cast<const float2*>(in + col));
                  acc[mi][4 * j + 2 * h] += v.x;
                  acc[mi][4 * j + 2 * h + 1] += v.y;
                }
              }
            }
        }
      }
      if constexpr (TMA_EPILOGUE) {
        // The tile goes out in MI x BN / 64 boxes of 64 rows x 128 bytes, through two staging boxes used in turn:
        // one thread stores a box with TMA while the consumer fills the other. A box's 16-byte chunks are
        // XOR-swizzled by row (the C map's 128-byte swizzle; the 8 rows one store instruction covers hit distinct
        // banks). Before a staging box is refilled, the store that read it (two boxes back) must have finished.
        const uint32_t staging = ring + STAGES * STAGE_BYTES + consumer * EPILOGUE_BYTES;
#pragma unroll
        for (int part = 0; part < MI * (BN / 64); ++part, ++stores) {
          const int block = part / (BN / 64);  // m64 row block
          const int box = part % (BN / 64);    // 64-column box
          const uint32_t buffer = staging + (stores % 2) * (EPILOGUE_BYTES / 2);
          if (thread == 0) asm volatile("cp.async.bulk.wait_group.read 1;\\n" ::: "memory");
          named_barrier(1 + consumer);
          for_each_pair(acc, warp, lane, [&](int mi, int r, int c, int j, float& x, float& y) {
            if (mi != block || j / 8 != box) return;  // another box's part of the tile (decided at compile time)
            const uint32_t address = buffer + (r % 64) * 128 + (((j % 8) ^ (r % 8)) << 4) + 2 * (c % 8);
            const __half2 value = __floats2half2_rn(x, y);
            asm volatile("st.shared.b32 [%0], %1;\\n" ::"r"(address), "r"(*reinterpret_cast<const uint32_t*>(&value)) : "memory");
          });
          asm volatile("fence.proxy.async.shared::cta;\\n" ::: "memory");  // the writes, visible to the TMA unit
          named_barrier(1 + consumer);
          if (thread == 0) {
            if (tile_row + 64 * block < M && n0 + 64 * box < N)
              tma_store(c_map, buffer, n0 + 64 * box, tile_row + 64 * block);
            asm volatile("cp.async.bulk.commit_group;\\n" ::: "memory");  // one group per box, empty or not
          }
        }
      } else if constexpr (SHARED_EPILOGUE) {
        __half* tile = epilogue_tiles + consumer * WM * C_ROW;
        named_barrier(1 + consumer);  // the previous tile's copy-out is done
        for_each_pair(acc, warp, lane, [&](int, int r, int c, int, float& x, float& y) {
          *reinterpret_cast<__half2*>(tile + r * C_ROW + c) = __floats2half2_rn(x, y);
        });
        named_barrier(1 + consumer);
${renderStagedTileStore({ tile: "tile", rows: "WM", columns: "BN", stride: "C_ROW", rowOrigin: "tile_row", columnOrigin: "n0", thread: "thread", threads: "128", unroll: "#pragma unroll 4", indent: "        " })}
      } else {
#pragma unroll
        for (int mi = 0; mi < MI; ++mi)
#pragma unroll
          for (int h = 0; h < 2; ++h) {
            const int row = row_base + mi * 64 + 8 * h;
            if (row < M) {
              __half* out = C + static_cast<size_t>(row) * N;
#pragma unroll
              for (int j = 0; j < BN / 8; ++j) {
                const int col = col_base + 8 * j;
                if (col < N) {
                  *reinterpret_cast<__half2*>(out + col) =
                      __floats2half2_rn(acc[mi][4 * j + 2 * h], acc[mi][4 * j + 2 * h + 1]);
                }
              }
            }
          }
      }
    }
  }
  // The last TMA stores of C have read their staging boxes before the CTA (and its shared memory) goes away. Their
  // writes to C need not be waited for: they complete before the grid does.
  if constexpr (TMA_EPILOGUE) {
    if (warpgroup > 0 && tid % 128 == 0) asm volatile("cp.async.bulk.wait_group.read 0;\\n" ::: "memory");
  }
  // No CTA leaves while a peer may still multicast into it or arrive on its barriers.
  __syncwarp();
  cluster_sync();
}
`;
}

/**
 * The tensor maps the kernel takes: A (K-major boxes) and B (K-major for linear, 64-column boxes for nn), and C
 * (64 x 64 boxes) with the TMA epilogue.
 */
export function hopperTensorMaps(point: HopperPoint, task: Pick<GemmTask, "layout">): TensorMapRequest[] {
  const g = hopperGeometry(point);
  const bBox = task.layout === "linear" ? [HOPPER_BLOCK_K, g.bRowsLoaded] : [64, HOPPER_BLOCK_K];
  return [
    { operand: "a", box: [HOPPER_BLOCK_K, g.aRowsLoaded], swizzle: "128B", interleave: "none" },
    { operand: "b", box: bBox, swizzle: "128B", interleave: "none" },
    ...(point.epilogue === "tma"
      ? [
          {
            operand: "c" as const,
            box: [C_STORE_BOX, C_STORE_BOX],
            swizzle: "128B" as const,
            interleave: "none" as const,
          },
        ]
      : []),
  ];
}

export const hopperWarpSpecializedFamily: KernelFamily = {
  name: "hopper-warp-specialized",
  description:
    "sm_90a HGEMM: TMA producer warp and wgmma consumer warpgroups over an mbarrier-guarded shared-memory ring, " +
    "setmaxnreg, persistent rasterized tile scheduler, clusters with TMA multicast, direct, shared-memory or TMA-store epilogue",
  dimensions: DIMENSIONS,
  appliesTo: (task) => task.k % 8 === 0 && task.n % 8 === 0,
  violates(values, task, limits) {
    const point = readHopperPoint(values);
    if (typeof point === "string") return point;
    return hopperViolation(point, task, limits);
  },
  render(values, task, limits): RenderedKernel {
    const point = requireValidPoint(
      "hopper-warp-specialized",
      DIMENSIONS,
      hopperViolation,
      values,
      task,
      limits,
    );
    const g = hopperGeometry(point);
    return {
      source: renderSource(point, task),
      entry: ENTRY,
      launch: {
        grid: [hopperGrid(point, task, limits.smCount), 1, 1],
        block: [g.threads, 1, 1],
        dynamicSharedBytes: g.dynamicSharedBytes,
        ...(g.clusterM * g.clusterN > 1 ? { cluster: [g.clusterM * g.clusterN, 1, 1] } : {}),
        workspaceBytes: hopperWorkspace(point, task),
        zeroWorkspace: point.splitK > 1,
        tensorMaps: hopperTensorMaps(point, task),
      },
    };
  },
};
