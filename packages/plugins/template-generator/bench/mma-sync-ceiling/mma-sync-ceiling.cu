// Ceilings of the sm_80-style tensor-core path (mma.sync) on this GPU, next to cuBLAS on the large HGEMMs.
//
// Kernels 1-3 are upper bounds on what an mma.sync GEMM kernel can reach here, each closer to a real one; 4 and 5
// time the operand traffic of kernel 3 without its math, to show that traffic alone is not what limits it:
//
//  1. mma only: nothing but mma.sync.m16n8k16 (fp16 in, fp32 accumulate) on registers, independent accumulator
//     chains to hide latency, occupancy swept over warps per SM. No memory traffic at all.
//  2. fragment path: the inner loop of a tiled kernel with the memory system reduced to shared memory. 8 warps,
//     each owning a 64 x WTN warp tile, read their fragments with ldmatrix from a swizzled shared tile (double
//     buffered, as the tensor-core-tile family does) and issue the warp tile's mma.sync. The shared tile is filled
//     once: no global memory, no cp.async, no barriers. Register space is what fixes the warp tile: its fp32
//     accumulators live in registers (64 x 64: 128 per thread; 64 x 96: 192), so a block of 8 such warps is the
//     most one SM holds, and every k16 step must bring (64 + WTN) x 16 halves of fragments per warp through the
//     shared-memory pipe. Loading fragments from global memory instead goes through the same L1/shared pipe.
//  3. L2-fed pipeline: the whole main loop of a 128 x 256 x 64 block (8 warps of 64 x 64, the tensor-core-tile
//     family's largest block), 3 or 4 cp.async stages, the family's issue order and barriers, B in the nn layout
//     (ldmatrix.trans). Its operands come from a window that stays in L2 (2 MiB of A, 8 MiB of B), so DRAM
//     is taken out and everything else a kernel must do is in. No edges, no epilogue. Variants take one part
//     out at a time (the barrier, the copies, the copies of B) or spread the copies over more k16 steps, to
//     show where the time goes.
//  4. and 5. the operand traffic of that block alone: its global loads into registers (no shared memory, no
//     math), and its cp.async stages with their waits and barriers (no fragments, no math).
//
// cuBLAS (cublasGemmEx, fp16 A/B/C, fp32 compute, default algorithm) is timed hot in the same process on the
// large stratum of datasets/shapes/benchmark-subset.json (or on the MxNxK shapes given as arguments), in batches
// of back-to-back launches on the same buffers, like the harness's hot mode (the harness queues a whole round
// before it starts and may time cuBLAS faster). Each bound is divided by cuBLAS shape by shape; the geomean of a
// bound 1-3 ratio is the most a kernel of that structure could reach on these shapes, at this process's clocks.
// Inputs are standard normal, as the harness draws them.
//
// Build and run on any sm_90 host: bash run.sh (see ../build-with-cublas.sh for how cuBLAS is found).
#include <cublas_v2.h>
#include <cuda_fp16.h>
#include <cuda_runtime.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <string>
#include <vector>

#include "../bench-stats.h"
#include "../cublas-check.h"

constexpr int CHAINS = 8;  // independent accumulators per warp in the mma-only kernel

// Every warp runs `iterations` rounds of CHAINS independent m16n8k16 MMAs. Operands come from the thread's
// index so nothing is constant-folded; the accumulators are written out so nothing is dead.
__global__ void mma_only(int iterations, float* sink) {
  const uint32_t seed = threadIdx.x * 2654435761u + blockIdx.x;
  uint32_t a0 = seed, a1 = seed ^ 0x3c00u, a2 = seed + 7u, a3 = seed * 3u, b0 = seed ^ 0x1234u, b1 = seed + 11u;
  float d[CHAINS][4] = {};
  for (int it = 0; it < iterations; ++it) {
#pragma unroll
    for (int c = 0; c < CHAINS; ++c) {
      asm volatile(
          "mma.sync.aligned.m16n8k16.row.col.f32.f16.f16.f32 {%0, %1, %2, %3}, {%4, %5, %6, %7}, {%8, %9}, "
          "{%0, %1, %2, %3};\n"
          : "+f"(d[c][0]), "+f"(d[c][1]), "+f"(d[c][2]), "+f"(d[c][3])
          : "r"(a0), "r"(a1), "r"(a2), "r"(a3), "r"(b0), "r"(b1));
    }
  }
  float total = 0.0f;
#pragma unroll
  for (int c = 0; c < CHAINS; ++c) total += d[c][0] + d[c][1] + d[c][2] + d[c][3];
  sink[blockIdx.x * blockDim.x + threadIdx.x] = total;
}

// Standard normal fp16 values, as the harness draws its inputs (Box-Muller on two 16-bit uniforms of a hash):
// the tensor cores draw more power, and the GPU may clock lower, on random operands than on constant ones.
__device__ __forceinline__ __half normal_half(uint32_t i, uint32_t seed) {
  uint32_t x = i * 2654435761u ^ seed;
  x ^= x >> 13;
  x *= 0x5bd1e995u;
  x ^= x >> 15;
  const float u1 = (float(x >> 16) + 1.0f) * (1.0f / 65536.0f);  // (0, 1]
  const float u2 = float(x & 0xffff) * (1.0f / 65536.0f);       // [0, 1)
  return __float2half_rn(sqrtf(-2.0f * logf(u1)) * cospif(2.0f * u2));
}

__global__ void fill_half(__half* p, size_t n, uint32_t seed) {
  for (size_t i = blockIdx.x * size_t(blockDim.x) + threadIdx.x; i < n; i += size_t(gridDim.x) * blockDim.x)
    p[i] = normal_half(uint32_t(i), seed);
}

// ---- shared pieces of the fragment-path and pipeline kernels ----

constexpr int TILE_THREADS = 256;  // 8 warps: 2 along M, 4 along N
constexpr int WARP_M = 64;         // rows of a warp tile: 4 m16 fragments

__device__ __forceinline__ uint32_t shared_address(const void* p) {
  return static_cast<uint32_t>(__cvta_generic_to_shared(p));
}

__device__ __forceinline__ void ldmatrix_x4(uint32_t (&r)[4], uint32_t address) {
  asm volatile("ldmatrix.sync.aligned.m8n8.x4.shared.b16 {%0, %1, %2, %3}, [%4];\n"
               : "=r"(r[0]), "=r"(r[1]), "=r"(r[2]), "=r"(r[3])
               : "r"(address));
}

__device__ __forceinline__ void ldmatrix_x4_trans(uint32_t (&r)[4], uint32_t address) {
  asm volatile("ldmatrix.sync.aligned.m8n8.x4.trans.shared.b16 {%0, %1, %2, %3}, [%4];\n"
               : "=r"(r[0]), "=r"(r[1]), "=r"(r[2]), "=r"(r[3])
               : "r"(address));
}

__device__ __forceinline__ void mma_16816(float (&d)[4], const uint32_t (&a)[4], uint32_t b0, uint32_t b1) {
  asm("mma.sync.aligned.m16n8k16.row.col.f32.f16.f16.f32 {%0, %1, %2, %3}, {%4, %5, %6, %7}, {%8, %9}, "
      "{%0, %1, %2, %3};\n"
      : "+f"(d[0]), "+f"(d[1]), "+f"(d[2]), "+f"(d[3])
      : "r"(a[0]), "r"(a[1]), "r"(a[2]), "r"(a[3]), "r"(b0), "r"(b1));
}

// One ldmatrix.x4 of B: the k16 fragments of two neighbouring n8 column groups.
template <bool TRANS>
__device__ __forceinline__ void ldmatrix_b_pair(uint32_t (&first)[2], uint32_t (&second)[2], uint32_t address) {
  uint32_t r[4];
  if constexpr (TRANS) {
    ldmatrix_x4_trans(r, address);
  } else {
    ldmatrix_x4(r, address);
  }
  first[0] = r[0];
  first[1] = r[1];
  second[0] = r[2];
  second[1] = r[3];
}

// Every mma of a warp tile for one k16 step, in serpentine order so consecutive mmas share a B fragment.
template <int MI, int NI>
__device__ __forceinline__ void mma_warp_tile(float (&acc)[MI][NI][4], const uint32_t (&a)[MI][4],
                                              const uint32_t (&b)[NI][2]) {
#pragma unroll
  for (int mi = 0; mi < MI; ++mi)
#pragma unroll
    for (int nn = 0; nn < NI; ++nn) {
      const int ni = (mi & 1) ? NI - 1 - nn : nn;
      mma_16816(acc[mi][ni], a[mi], b[ni][0], b[ni][1]);
    }
}

__device__ __forceinline__ void cp_async_16(uint32_t dst, const void* src) {
  asm volatile("cp.async.cg.shared.global.L2::128B [%0], [%1], 16;\n" ::"r"(dst), "l"(src) : "memory");
}

__device__ __forceinline__ void cp_async_commit() { asm volatile("cp.async.commit_group;\n" ::: "memory"); }

template <int PENDING>
__device__ __forceinline__ void cp_async_wait() {
  asm volatile("cp.async.wait_group %0;\n" ::"n"(PENDING) : "memory");
}

// Sum of a thread's accumulators, written out so that no mma is dead code.
template <int MI, int NI>
__device__ __forceinline__ void write_sink(const float (&acc)[MI][NI][4], float* sink) {
  float total = 0.0f;
#pragma unroll
  for (int mi = 0; mi < MI; ++mi)
#pragma unroll
    for (int ni = 0; ni < NI; ++ni) total += acc[mi][ni][0] + acc[mi][ni][1] + acc[mi][ni][2] + acc[mi][ni][3];
  sink[blockIdx.x * blockDim.x + threadIdx.x] = total;
}

// ---- 2. fragment path: ldmatrix + mma.sync from a shared tile filled once ----

// Shared tile: A (128 rows of 64 halves) then B in the linear layout (4 * WTN rows n of 64 halves k), 128-byte
// rows whose 16-byte chunks are XOR-swizzled by row & 7, so each ldmatrix phase touches 8 distinct bank groups.
template <int WTN, bool DOUBLE_BUFFER>
__global__ void __launch_bounds__(TILE_THREADS, 1) fragment_path(int iterations, float* sink) {
  constexpr int MI = WARP_M / 16;
  constexpr int NI = WTN / 8;
  constexpr int ROWS = 2 * WARP_M + 4 * WTN;
  extern __shared__ __align__(128) unsigned char shared_raw[];
  __half* halves = reinterpret_cast<__half*>(shared_raw);
  for (int i = threadIdx.x; i < ROWS * 64; i += TILE_THREADS) halves[i] = normal_half(uint32_t(i), blockIdx.x);
  __syncthreads();

  const int lane = threadIdx.x & 31;
  const int warp = threadIdx.x >> 5;
  const int warp_m = warp / 4;
  const int warp_n = warp % 4;
  const uint32_t a_base = shared_address(shared_raw);
  const uint32_t b_base = a_base + 2 * WARP_M * 128;
  const int a_row = warp_m * WARP_M + (lane & 15);
  const uint32_t a_lane = a_row * 128 + 16 * ((lane >> 4) ^ (a_row & 7));
  const int b_row = warp_n * WTN + ((lane >> 4) << 3) + (lane & 7);
  const uint32_t b_lane = b_row * 128 + 16 * (((lane >> 3) & 1) ^ (b_row & 7));

  auto load_fragments = [&](int ks, uint32_t (&a)[MI][4], uint32_t (&b)[NI][2]) {
#pragma unroll
    for (int mi = 0; mi < MI; ++mi) ldmatrix_x4(a[mi], a_base + (a_lane ^ (32 * ks)) + mi * 16 * 128);
#pragma unroll
    for (int nj = 0; nj < NI / 2; ++nj)
      ldmatrix_b_pair<false>(b[2 * nj], b[2 * nj + 1], b_base + (b_lane ^ (32 * ks)) + nj * 16 * 128);
  };

  float acc[MI][NI][4] = {};
  if constexpr (DOUBLE_BUFFER) {
    uint32_t af[2][MI][4];
    uint32_t bf[2][NI][2];
    load_fragments(0, af[0], bf[0]);
    for (int it = 0; it < iterations; ++it) {
#pragma unroll
      for (int ks = 0; ks < 4; ++ks) {
        load_fragments((ks + 1) & 3, af[(ks + 1) & 1], bf[(ks + 1) & 1]);
        mma_warp_tile(acc, af[ks & 1], bf[ks & 1]);
      }
    }
  } else {
    uint32_t af[MI][4];
    uint32_t bf[NI][2];
    for (int it = 0; it < iterations; ++it) {
#pragma unroll
      for (int ks = 0; ks < 4; ++ks) {
        load_fragments(ks, af, bf);
        mma_warp_tile(acc, af, bf);
      }
    }
  }
  write_sink(acc, sink);
}

// ---- 3. L2-fed pipeline: the main loop of a 128 x 256 x 64 block, operands resident in L2 ----

constexpr int PIPE_BM = 128;
constexpr int PIPE_BN = 256;
constexpr int PIPE_BK = 64;
constexpr int PIPE_A_STAGE = PIPE_BM * PIPE_BK * 2;  // bytes: 128 rows of 8 chunks
constexpr int PIPE_B_STAGE = PIPE_BK * PIPE_BN * 2;  // bytes: 64 rows (k) of 32 chunks (n), nn layout
constexpr int WINDOW_A_BANDS = 8;                    // A window: 8 bands of 128 rows
constexpr int WINDOW_B_BANDS = 16;                   // B window: 16 bands of 256 columns
constexpr int WINDOW_K = 1024;                       // K extent of the window: 2 MiB of A, 8 MiB of B

// Where a thread's copies of one k tile come from and go to. Per tile and thread: 4 copies of A (128 rows of 8
// 16-byte chunks) and 8 of B (64 rows k of 32 chunks n), each chunk XOR-swizzled by row & 7 in shared memory.
// CTAs take A bands and B bands as a grid over a 1024 x 4096 C would, so each operand tile is read by many CTAs.
struct Window {
  static constexpr int LDA = WINDOW_K;
  static constexpr int LDB = WINDOW_B_BANDS * PIPE_BN;
  static constexpr int TILES = WINDOW_K / PIPE_BK;  // k tiles in the window; tile t reads tile t % TILES
  static constexpr int A_COPIES = 4;
  static constexpr int B_COPIES = 8;
  const __half* a_src;
  const __half* b_src;
  int tid;

  __device__ __forceinline__ Window(const __half* A, const __half* B)
      : a_src(A + static_cast<size_t>(blockIdx.x % WINDOW_A_BANDS) * PIPE_BM * LDA),
        b_src(B + ((blockIdx.x / WINDOW_A_BANDS) % WINDOW_B_BANDS) * PIPE_BN),
        tid(threadIdx.x) {}

  __device__ __forceinline__ const __half* a_global(int t, int i) const {
    const int c = tid + i * TILE_THREADS;
    return a_src + static_cast<size_t>(c >> 3) * LDA + (t % TILES) * PIPE_BK + (c & 7) * 8;
  }
  __device__ __forceinline__ uint32_t a_shared(int i) const {
    const int c = tid + i * TILE_THREADS;
    const int row = c >> 3, chunk = c & 7;
    return row * 128 + 16 * (chunk ^ (row & 7));
  }
  __device__ __forceinline__ const __half* b_global(int t, int i) const {
    const int c = tid + i * TILE_THREADS;
    return b_src + static_cast<size_t>((t % TILES) * PIPE_BK + (c >> 5)) * LDB + (c & 31) * 8;
  }
  __device__ __forceinline__ uint32_t b_shared(int i) const {
    const int c = tid + i * TILE_THREADS;
    const int row = c >> 5, chunk = c & 31;
    return row * 512 + 16 * (chunk ^ (row & 7));
  }
};

// What a pipeline variant leaves out or moves (the timings of the variants are a diagnosis, not a kernel).
enum class Variant { Full, NoBarrier, NoCopies, ACopiesOnly, SpreadCopies };

template <int STAGES, Variant VARIANT>
__global__ void __launch_bounds__(TILE_THREADS, 1)
    l2_pipeline(const __half* __restrict__ A, const __half* __restrict__ B, int k_tiles, float* sink) {
  constexpr int MI = 4;
  constexpr int NI = 8;
  extern __shared__ __align__(128) unsigned char shared_raw[];
  const int tid = threadIdx.x;
  const int lane = tid & 31;
  const int warp = tid >> 5;
  const int warp_m = warp / 4;
  const int warp_n = warp % 4;
  const uint32_t a_base = shared_address(shared_raw);
  const uint32_t b_base = a_base + STAGES * PIPE_A_STAGE;
  const Window window(A, B);

  auto load_a = [&](int stage, int t) {
#pragma unroll
    for (int i = 0; i < Window::A_COPIES; ++i)
      cp_async_16(a_base + stage * PIPE_A_STAGE + window.a_shared(i), window.a_global(t, i));
  };
  // Copies i in [first, last) of B's per thread.
  auto load_b = [&](int stage, int t, int first = 0, int last = Window::B_COPIES) {
#pragma unroll
    for (int i = first; i < last; ++i)
      cp_async_16(b_base + stage * PIPE_B_STAGE + window.b_shared(i), window.b_global(t, i));
  };

  const int a_row = warp_m * WARP_M + (lane & 15);
  const uint32_t a_lane = a_row * 128 + 16 * ((lane >> 4) ^ (a_row & 7));
  const int b_row = ((lane >> 3) & 1) * 8 + (lane & 7);
  const uint32_t b_lane = b_row * 512 + 16 * ((warp_n * NI + (lane >> 4)) ^ (b_row & 7));
  auto load_fragments = [&](int stage, int ks, uint32_t (&a)[MI][4], uint32_t (&b)[NI][2]) {
    const uint32_t a_stage = a_base + stage * PIPE_A_STAGE;
    const uint32_t b_stage = b_base + stage * PIPE_B_STAGE;
#pragma unroll
    for (int mi = 0; mi < MI; ++mi) ldmatrix_x4(a[mi], a_stage + (a_lane ^ (32 * ks)) + mi * 16 * 128);
#pragma unroll
    for (int nj = 0; nj < NI / 2; ++nj)
      ldmatrix_b_pair<true>(b[2 * nj], b[2 * nj + 1], b_stage + (b_lane ^ (32 * nj)) + ks * 16 * 512);
  };

#pragma unroll
  for (int s = 0; s < STAGES - 1; ++s) {
    load_a(s, s);
    load_b(s, s);
    cp_async_commit();
  }
  cp_async_wait<STAGES - 2>();
  __syncthreads();

  float acc[MI][NI][4] = {};
  uint32_t af[2][MI][4];
  uint32_t bf[2][NI][2];
  int read_stage = 0;
  int write_stage = STAGES - 1;
  load_fragments(0, 0, af[0], bf[0]);
  for (int t = 0; t < k_tiles; ++t) {
    const int next_stage = read_stage + 1 == STAGES ? 0 : read_stage + 1;
    const bool refill = t + STAGES - 1 < k_tiles;
#pragma unroll
    for (int ks = 0; ks < 4; ++ks) {
      if constexpr (VARIANT == Variant::SpreadCopies) {
        // A at the first k16 step, half of B at each of the next two.
        if (ks == 0 && refill) load_a(write_stage, t + STAGES - 1);
        if (ks == 1 && refill) load_b(write_stage, t + STAGES - 1, 0, 4);
        if (ks == 2) {
          if (refill) load_b(write_stage, t + STAGES - 1, 4, 8);
          cp_async_commit();
        }
      } else {
        constexpr bool COPY_A = VARIANT != Variant::NoCopies;
        constexpr bool COPY_B = COPY_A && VARIANT != Variant::ACopiesOnly;
        if (ks == 0 && refill && COPY_A) load_a(write_stage, t + STAGES - 1);
        if (ks == 1) {
          if (refill && COPY_B) load_b(write_stage, t + STAGES - 1);
          cp_async_commit();
        }
      }
      if (ks < 3) {
        load_fragments(read_stage, ks + 1, af[(ks + 1) & 1], bf[(ks + 1) & 1]);
      } else {
        load_fragments(next_stage, 0, af[(ks + 1) & 1], bf[(ks + 1) & 1]);
      }
      mma_warp_tile(acc, af[ks & 1], bf[ks & 1]);
      if (ks == 2) {
        cp_async_wait<STAGES - 2>();
        if constexpr (VARIANT != Variant::NoBarrier) __syncthreads();
      }
    }
    read_stage = next_stage;
    write_stage = write_stage + 1 == STAGES ? 0 : write_stage + 1;
  }
  cp_async_wait<0>();
  write_sink(acc, sink);
}

// ---- 4. and 5. the operand traffic of that block alone ----

// 4: the pipeline's global loads (same addresses, same 16-byte width, cache-global) into registers, folded into a
// checksum: no shared memory, no barriers, no math. CTAS_PER_SM blocks share an SM to keep more loads in flight.
__global__ void __launch_bounds__(TILE_THREADS)
    l2_read(const __half* __restrict__ A, const __half* __restrict__ B, int k_tiles, float* sink) {
  const Window window(A, B);
  uint32_t sum = 0;
#pragma unroll 2
  for (int t = 0; t < k_tiles; ++t) {
    uint4 v[Window::A_COPIES + Window::B_COPIES];
#pragma unroll
    for (int i = 0; i < Window::A_COPIES; ++i) v[i] = __ldcg(reinterpret_cast<const uint4*>(window.a_global(t, i)));
#pragma unroll
    for (int i = 0; i < Window::B_COPIES; ++i)
      v[Window::A_COPIES + i] = __ldcg(reinterpret_cast<const uint4*>(window.b_global(t, i)));
#pragma unroll
    for (const uint4& x : v) sum ^= x.x ^ x.y ^ x.z ^ x.w;
  }
  sink[blockIdx.x * blockDim.x + threadIdx.x] = float(sum);
}

// 5: the pipeline with its fragment reads and mma taken out: per k tile, the cp.async copies of a stage, the
// commit, the wait for the stage STAGES - 1 tiles back and one barrier.
template <int STAGES>
__global__ void __launch_bounds__(TILE_THREADS, 1)
    l2_copy(const __half* __restrict__ A, const __half* __restrict__ B, int k_tiles, float* sink) {
  extern __shared__ __align__(128) unsigned char shared_raw[];
  const int tid = threadIdx.x;
  const uint32_t a_base = shared_address(shared_raw);
  const uint32_t b_base = a_base + STAGES * PIPE_A_STAGE;
  const Window window(A, B);
  int stage = 0;
  for (int t = 0; t < k_tiles; ++t) {
#pragma unroll
    for (int i = 0; i < Window::A_COPIES; ++i)
      cp_async_16(a_base + stage * PIPE_A_STAGE + window.a_shared(i), window.a_global(t, i));
#pragma unroll
    for (int i = 0; i < Window::B_COPIES; ++i)
      cp_async_16(b_base + stage * PIPE_B_STAGE + window.b_shared(i), window.b_global(t, i));
    cp_async_commit();
    cp_async_wait<STAGES - 2>();
    __syncthreads();
    stage = stage + 1 == STAGES ? 0 : stage + 1;
  }
  cp_async_wait<0>();
  __syncthreads();
  sink[blockIdx.x * blockDim.x + threadIdx.x] = __half2float(reinterpret_cast<const __half*>(shared_raw)[tid]);
}

// ---- host side ----


struct Timing {
  double median, p10, p90;  // milliseconds per launch
};

// Times `launch` (which enqueues `per_sample` launches) `samples` times after one warm-up; per-launch figures.
static Timing time_launches(const std::function<void()>& launch, int per_sample, int samples) {
  cudaEvent_t e0, e1;
  CHECK(cudaEventCreate(&e0));
  CHECK(cudaEventCreate(&e1));
  launch();
  CHECK(cudaGetLastError());
  CHECK(cudaDeviceSynchronize());
  std::vector<double> ms;
  for (int r = 0; r < samples; ++r) {
    CHECK(cudaEventRecord(e0));
    launch();
    CHECK(cudaEventRecord(e1));
    CHECK(cudaEventSynchronize(e1));
    float elapsed;
    CHECK(cudaEventElapsedTime(&elapsed, e0, e1));
    ms.push_back(elapsed / per_sample);
  }
  CHECK(cudaGetLastError());
  CHECK(cudaEventDestroy(e0));
  CHECK(cudaEventDestroy(e1));
  return {median(ms), quantile(ms, 0.1), quantile(ms, 0.9)};
}

struct Bound {
  std::string name;
  double tflops, low, high;  // median and the [p10, p90] spread
  bool compared = true;      // divided by cuBLAS in the table (the pipeline's diagnosis variants are not)
};

static Bound report(const std::string& name, double flop, const Timing& t) {
  const Bound b{name, flop / (t.median * 1e-3) / 1e12, flop / (t.p90 * 1e-3) / 1e12, flop / (t.p10 * 1e-3) / 1e12};
  std::printf("%-72s %7.1f TFLOP/s  [%6.1f, %6.1f]\n", name.c_str(), b.tflops, b.low, b.high);
  return b;
}

template <int WTN, bool DOUBLE_BUFFER>
static Bound run_fragment_path(int sms, float* sink) {
  const int shared = (2 * WARP_M + 4 * WTN) * 128;
  auto kernel = fragment_path<WTN, DOUBLE_BUFFER>;
  CHECK(cudaFuncSetAttribute(kernel, cudaFuncAttributeMaxDynamicSharedMemorySize, shared));
  cudaFuncAttributes attributes;
  CHECK(cudaFuncGetAttributes(&attributes, kernel));
  const int iterations = 2048;
  const Timing t = time_launches([&] { kernel<<<sms, TILE_THREADS, shared>>>(iterations, sink); }, 1, 15);
  const double flop = 2.0 * 16 * 8 * 16 * (WARP_M / 16) * (WTN / 8) * 4.0 * iterations * 8.0 * sms;
  char name[128];
  std::snprintf(name, sizeof name, "2. fragment path, 64x%d warp tile, %s (%d regs, %zu B local)", WTN,
                DOUBLE_BUFFER ? "double-buffered" : "single-buffered", attributes.numRegs,
                attributes.localSizeBytes);
  return report(name, flop, t);
}

template <int STAGES, Variant VARIANT = Variant::Full>
static Bound run_pipeline(int sms, const __half* A, const __half* B, float* sink) {
  const int shared = STAGES * (PIPE_A_STAGE + PIPE_B_STAGE);
  auto kernel = l2_pipeline<STAGES, VARIANT>;
  CHECK(cudaFuncSetAttribute(kernel, cudaFuncAttributeMaxDynamicSharedMemorySize, shared));
  cudaFuncAttributes attributes;
  CHECK(cudaFuncGetAttributes(&attributes, kernel));
  const int k_tiles = 2048;
  const Timing t = time_launches([&] { kernel<<<sms, TILE_THREADS, shared>>>(A, B, k_tiles, sink); }, 1, 15);
  const double flop = 2.0 * PIPE_BM * PIPE_BN * PIPE_BK * double(k_tiles) * sms;
  char name[128];
  const char* variant = VARIANT == Variant::Full          ? ""
                        : VARIANT == Variant::NoBarrier    ? ", no barrier"
                        : VARIANT == Variant::NoCopies     ? ", no copies"
                        : VARIANT == Variant::ACopiesOnly  ? ", copies of A only"
                                                           : ", copies spread";
  std::snprintf(name, sizeof name, "3. L2-fed pipeline, 128x256x64, %d stages%s (%d regs, %zu B local)", STAGES,
                variant, attributes.numRegs, attributes.localSizeBytes);
  Bound b = report(name, flop, t);
  b.compared = VARIANT == Variant::Full;
  return b;
}

// Operand traffic in bytes per second, and the TFLOP/s a 128 x 256 x 64 block could sustain on it.
static Bound report_traffic(const std::string& name, double bytes, const Timing& t) {
  const double flop_per_byte = 2.0 * PIPE_BM * PIPE_BN * PIPE_BK / (PIPE_A_STAGE + PIPE_B_STAGE);
  const double tbs = bytes / (t.median * 1e-3) / 1e12;
  const Bound b{name, tbs * flop_per_byte, bytes / (t.p90 * 1e-3) / 1e12 * flop_per_byte,
                bytes / (t.p10 * 1e-3) / 1e12 * flop_per_byte};
  std::printf("%-72s %7.1f TFLOP/s  [%6.1f, %6.1f]  (%.2f TB/s from L2)\n", name.c_str(), b.tflops, b.low, b.high, tbs);
  return b;
}

static Bound run_read(int sms, int ctas_per_sm, const __half* A, const __half* B, float* sink) {
  const int k_tiles = 1024;
  const int blocks = sms * ctas_per_sm;
  const Timing t = time_launches([&] { l2_read<<<blocks, TILE_THREADS>>>(A, B, k_tiles, sink); }, 1, 15);
  char name[96];
  std::snprintf(name, sizeof name, "4. operand loads alone, %d CTA%s/SM", ctas_per_sm, ctas_per_sm > 1 ? "s" : "");
  return report_traffic(name, double(PIPE_A_STAGE + PIPE_B_STAGE) * k_tiles * blocks, t);
}

template <int STAGES>
static Bound run_copy(int sms, const __half* A, const __half* B, float* sink) {
  const int shared = STAGES * (PIPE_A_STAGE + PIPE_B_STAGE);
  auto kernel = l2_copy<STAGES>;
  CHECK(cudaFuncSetAttribute(kernel, cudaFuncAttributeMaxDynamicSharedMemorySize, shared));
  const int k_tiles = 1024;
  const Timing t = time_launches([&] { kernel<<<sms, TILE_THREADS, shared>>>(A, B, k_tiles, sink); }, 1, 15);
  char name[96];
  std::snprintf(name, sizeof name, "5. cp.async stages alone, %d stages", STAGES);
  return report_traffic(name, double(PIPE_A_STAGE + PIPE_B_STAGE) * k_tiles * sms, t);
}

int main(int argc, char** argv) {
  cudaDeviceProp prop;
  CHECK(cudaGetDeviceProperties(&prop, 0));
  const int sms = prop.multiProcessorCount;
  std::printf("device: %s, %d SMs\n\n", prop.name, sms);

  float* sink;
  CHECK(cudaMalloc(&sink, size_t(sms) * 8 * 1024 * sizeof(float)));

  // 1. mma.sync alone, occupancy swept over warps per SM.
  std::vector<Bound> bounds;
  for (int warps : {4, 8, 16, 32}) {
    const int threads = std::min(warps, 32) * 32;
    const int blocks = sms * (warps * 32 / threads);
    const int iterations = 4096;
    const Timing t = time_launches([&] { mma_only<<<blocks, threads>>>(iterations, sink); }, 1, 15);
    const double flop = 2.0 * 16 * 8 * 16 * CHAINS * double(iterations) * (double(blocks) * threads / 32);
    char name[64];
    std::snprintf(name, sizeof name, "1. mma.sync only, %d warps/SM", warps);
    const Bound b = report(name, flop, t);
    if (warps == 8 || warps == 32) bounds.push_back(b);  // 8: the occupancy a 64 x 64 warp tile allows
  }

  // 2. fragment path.
  bounds.push_back(run_fragment_path<64, true>(sms, sink));
  bounds.push_back(run_fragment_path<64, false>(sms, sink));
  bounds.push_back(run_fragment_path<96, false>(sms, sink));

  // 3. L2-fed pipeline.
  __half *window_a, *window_b;
  const size_t a_elements = size_t(WINDOW_A_BANDS) * PIPE_BM * WINDOW_K;
  const size_t b_elements = size_t(WINDOW_K) * WINDOW_B_BANDS * PIPE_BN;
  CHECK(cudaMalloc(&window_a, a_elements * 2));
  CHECK(cudaMalloc(&window_b, b_elements * 2));
  fill_half<<<1024, 256>>>(window_a, a_elements, 3);
  fill_half<<<1024, 256>>>(window_b, b_elements, 4);
  bounds.push_back(run_pipeline<3>(sms, window_a, window_b, sink));
  bounds.push_back(run_pipeline<4>(sms, window_a, window_b, sink));
  bounds.push_back(run_pipeline<3, Variant::NoBarrier>(sms, window_a, window_b, sink));
  bounds.push_back(run_pipeline<3, Variant::NoCopies>(sms, window_a, window_b, sink));
  bounds.push_back(run_pipeline<3, Variant::ACopiesOnly>(sms, window_a, window_b, sink));
  bounds.push_back(run_pipeline<3, Variant::SpreadCopies>(sms, window_a, window_b, sink));
  // 4. and 5. the same operand traffic without the math.
  for (int ctas : {1, 2, 4}) bounds.push_back(run_read(sms, ctas, window_a, window_b, sink));
  bounds.push_back(run_copy<4>(sms, window_a, window_b, sink));
  CHECK(cudaFree(window_a));
  CHECK(cudaFree(window_b));

  // cuBLAS, hot: batches of back-to-back launches on one set of buffers.
  std::vector<std::array<int, 3>> shapes;
  for (int i = 1; i < argc; ++i) {
    std::array<int, 3> s{};
    if (std::sscanf(argv[i], "%dx%dx%d", &s[0], &s[1], &s[2]) != 3 || s[0] < 1 || s[1] < 1 || s[2] < 1) {
      std::fprintf(stderr, "shape \"%s\" is not MxNxK (for example 4096x4096x4096)\n", argv[i]);
      return 2;
    }
    shapes.push_back(s);
  }
  if (shapes.empty()) {
    shapes = {{512, 8192, 8192},  {1024, 4096, 8192}, {2048, 2048, 8192}, {2048, 4096, 4096},
              {2048, 8192, 2048}, {4096, 1024, 8192}, {8192, 512, 8192},  {8192, 4096, 1024},
              {8192, 8192, 512},  {8192, 8192, 1024}, {8192, 2048, 8192}, {8192, 4096, 4096}};
  }
  cublasHandle_t handle;
  CHECK_BLAS(cublasCreate(&handle));
  std::vector<Bound> compared;
  for (const Bound& b : bounds)
    if (b.compared) compared.push_back(b);
  std::printf("\nbound / cuBLAS, shape by shape, for the bounds:\n");
  for (size_t b = 0; b < compared.size(); ++b)
    std::printf("  %c  %7.1f TFLOP/s  %s\n", char('a' + b), compared[b].tflops, compared[b].name.c_str());
  std::printf("\n%-18s %10s %8s %18s ", "shape (MxNxK)", "cuBLAS us", "TFLOP/s", "[p10, p90] TFLOP/s");
  for (size_t b = 0; b < compared.size(); ++b) std::printf("  %7c", char('a' + b));
  std::printf("\n");
  std::vector<double> log_sums(compared.size(), 0.0);
  for (const auto& s : shapes) {
    const int M = s[0], N = s[1], K = s[2];
    __half *A, *B, *C;
    CHECK(cudaMalloc(&A, size_t(M) * K * 2));
    CHECK(cudaMalloc(&B, size_t(K) * N * 2));
    CHECK(cudaMalloc(&C, size_t(M) * N * 2));
    fill_half<<<1024, 256>>>(A, size_t(M) * K, 1);
    fill_half<<<1024, 256>>>(B, size_t(K) * N, 2);
    const float alpha = 1.0f, beta = 0.0f;
    const double flop = 2.0 * M * N * K;
    // Row-major C = A B computed as the column-major C^T = B^T A^T. About 2 ms of work per sample.
    const int per_sample = std::max(1, static_cast<int>(2e-3 / (flop / 700e12)));
    const Timing t = time_launches(
        [&] {
          for (int i = 0; i < per_sample; ++i)
            CHECK_BLAS(cublasGemmEx(handle, CUBLAS_OP_N, CUBLAS_OP_N, N, M, K, &alpha, B, CUDA_R_16F, N, A,
                                    CUDA_R_16F, K, &beta, C, CUDA_R_16F, N, CUBLAS_COMPUTE_32F, CUBLAS_GEMM_DEFAULT));
        },
        per_sample, 15);
    const double tflops = flop / (t.median * 1e-3) / 1e12;
    std::printf("%5dx%5dx%5d   %10.1f %8.1f   [%6.1f, %6.1f]  ", M, N, K, t.median * 1e3, tflops,
                flop / (t.p90 * 1e-3) / 1e12, flop / (t.p10 * 1e-3) / 1e12);
    for (size_t b = 0; b < compared.size(); ++b) {
      std::printf("  %7.3f", compared[b].tflops / tflops);
      log_sums[b] += std::log(compared[b].tflops / tflops);
    }
    std::printf("\n");
    CHECK(cudaFree(A));
    CHECK(cudaFree(B));
    CHECK(cudaFree(C));
  }
  std::printf("\ngeomean over the %zu shapes of bound / cuBLAS:\n", shapes.size());
  for (size_t b = 0; b < compared.size(); ++b)
    std::printf("  %c  %7.3f  %s\n", char('a' + b), std::exp(log_sums[b] / shapes.size()), compared[b].name.c_str());
  return 0;
}
