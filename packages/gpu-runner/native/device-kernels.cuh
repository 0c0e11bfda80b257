// The harness's own device code: input generation, output poisoning, guard
// bands, the independent reference GEMM, error reductions and the L2 flush.
// None of this depends on cuBLAS.
#pragma once

#include <cuda_fp16.h>
#include <cstdint>

namespace kf {
namespace dev {

// ---- counter-based hashing (no state; element i of stream s of seed x) ----
__host__ __device__ __forceinline__ uint64_t mix64(uint64_t z) {
  z += 0x9E3779B97F4A7C15ull;
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}
__host__ __device__ __forceinline__ uint64_t hash3(uint64_t seed, uint64_t stream, uint64_t i) {
  return mix64(mix64(seed ^ (stream * 0xD1B54A32D192ED03ull)) + i);
}

// Streams used for the different generated arrays of one seed.
enum : uint64_t {
  kStreamA = 1,
  kStreamB = 2,
  kStreamPoison = 3,
  kStreamIntA = 4,
  kStreamIntB = 5,
  kStreamIntPhase = 6,
  kStreamWorkspace = 7,
};

__device__ __forceinline__ size_t gtid() { return size_t(blockIdx.x) * blockDim.x + threadIdx.x; }
__device__ __forceinline__ size_t gstride() { return size_t(gridDim.x) * blockDim.x; }

// Standard normal fp16 values (Box-Muller on two 24-bit uniforms of one hash).
// Exact zeros are replaced by +-1/256 so that no input element is ever zero.
__global__ void fillNormal(__half* p, size_t n, uint64_t seed, uint64_t stream) {
  for (size_t i = gtid(); i < n; i += gstride()) {
    uint64_t h = hash3(seed, stream, i);
    float u1 = (float((h >> 40) & 0xFFFFFF) + 1.0f) * (1.0f / 16777216.0f);  // (0, 1]
    float u2 = float(h & 0xFFFFFF) * (1.0f / 16777216.0f);                  // [0, 1)
    float z = sqrtf(-2.0f * logf(u1)) * cospif(2.0f * u2);
    __half v = __float2half_rn(z);
    if ((__half_as_ushort(v) & 0x7FFF) == 0) v = __float2half_rn(((h >> 39) & 1) ? -0.00390625f : 0.00390625f);
    p[i] = v;
  }
}

// Small integers for the exact check, row-major rows x cols. One third zeros,
// otherwise a magnitude in 1..vmax with a random sign. When `stride` > 1, an
// element may be non-zero only where (col + phase(row)) % stride == 0, which
// bounds the number of non-zero terms of every dot product along `cols`.
__global__ void fillSmallInt(__half* p, int rows, int cols, uint64_t seed, uint64_t stream, int vmax, int stride) {
  size_t n = size_t(rows) * cols;
  for (size_t i = gtid(); i < n; i += gstride()) {
    int r = int(i / cols), c = int(i % cols);
    int v = 0;
    bool allowed = true;
    if (stride > 1) {
      int phase = int(hash3(seed, kStreamIntPhase, uint64_t(r)) % uint64_t(stride));
      allowed = ((c + phase) % stride) == 0;
    }
    if (allowed) {
      uint64_t h = hash3(seed, stream, i);
      if (h % 3 != 0) {
        v = 1 + int((h >> 8) % uint64_t(vmax));
        if ((h >> 40) & 1) v = -v;
      }
    }
    p[i] = __int2half_rn(v);
  }
}

// fp16 NaNs with random non-zero payloads and random signs.
__global__ void poisonNaN(__half* p, size_t n, uint64_t seed) {
  for (size_t i = gtid(); i < n; i += gstride()) {
    uint64_t h = hash3(seed, kStreamPoison, i);
    unsigned short bits = 0x7C00 | (unsigned short)(1 + (h % 0x3FF)) | (unsigned short)(((h >> 32) & 1) << 15);
    p[i] = __ushort_as_half(bits);
  }
}

// Random bytes (used to pre-fill a workspace that the kernel did not ask to be zeroed).
__global__ void fillRandomBytes(uint8_t* p, size_t n, uint64_t seed) {
  for (size_t i = gtid(); i < n; i += gstride()) p[i] = uint8_t(hash3(seed, kStreamWorkspace, i >> 3) >> ((i & 7) * 8));
}

// ---- guard bands ----
__device__ __forceinline__ uint8_t guardByte(uint32_t pattern, size_t offset) {
  uint32_t w = uint32_t(mix64(uint64_t(pattern) ^ (uint64_t(offset >> 2) << 32)));
  return uint8_t(w >> ((offset & 3) * 8));
}

// Fills bytes [0, before) and [afterStart, total) of an allocation.
__global__ void fillGuards(uint8_t* base, size_t before, size_t afterStart, size_t total, uint32_t pattern) {
  size_t afterLen = total - afterStart;
  for (size_t i = gtid(); i < before + afterLen; i += gstride()) {
    size_t off = i < before ? i : afterStart + (i - before);
    base[off] = guardByte(pattern, off);
  }
}

// counts[0] += damaged bytes before the payload, counts[1] += after it.
__global__ void checkGuards(const uint8_t* base, size_t before, size_t afterStart, size_t total, uint32_t pattern,
                            unsigned long long* counts) {
  size_t afterLen = total - afterStart;
  unsigned long long bad0 = 0, bad1 = 0;
  for (size_t i = gtid(); i < before + afterLen; i += gstride()) {
    size_t off = i < before ? i : afterStart + (i - before);
    if (base[off] != guardByte(pattern, off)) {
      if (i < before) ++bad0;
      else ++bad1;
    }
  }
  for (int o = 16; o > 0; o >>= 1) {
    bad0 += __shfl_down_sync(0xffffffffu, bad0, o);
    bad1 += __shfl_down_sync(0xffffffffu, bad1, o);
  }
  if ((threadIdx.x & 31) == 0) {
    if (bad0) atomicAdd(&counts[0], bad0);
    if (bad1) atomicAdd(&counts[1], bad1);
  }
}

// Order-independent fingerprint of a buffer of 16-bit words (detects writes
// into the inputs themselves, which guard bands cannot see).
__global__ void fingerprint(const uint16_t* p, size_t n, unsigned long long* out) {
  unsigned long long acc = 0;
  for (size_t i = gtid(); i < n; i += gstride()) acc += mix64((uint64_t(i) << 16) ^ p[i]);
  for (int o = 16; o > 0; o >>= 1) acc += __shfl_down_sync(0xffffffffu, acc, o);
  if ((threadIdx.x & 31) == 0) atomicAdd(out, acc);
}

// ---- reference GEMM: 64x64 tiles, 16x16 threads, 4x4 outputs per thread ----
// C[m][n] = sum_k A[m][k] * B(k, n), A row-major MxK; B row-major KxN when
// !kBIsNK ("nn"), row-major NxK when kBIsNK ("linear"). Acc is float (fp32
// accumulation of exact fp16 products) or int (exact small-integer check).
template <typename Acc>
__device__ __forceinline__ Acc loadAs(__half h);
template <>
__device__ __forceinline__ float loadAs<float>(__half h) { return __half2float(h); }
template <>
__device__ __forceinline__ int loadAs<int>(__half h) { return __half2int_rn(h); }

template <typename Acc, bool kBIsNK>
__global__ void __launch_bounds__(256) referenceGemm(const __half* __restrict__ A, const __half* __restrict__ B,
                                                     Acc* __restrict__ out, int M, int N, int K) {
  constexpr int TM = 64, TN = 64, TK = 16;
  __shared__ Acc As[TK][TM + 1];
  __shared__ Acc Bs[TK][TN + 1];
  const int tx = threadIdx.x, ty = threadIdx.y, tid = ty * 16 + tx;
  const int m0 = blockIdx.y * TM, n0 = blockIdx.x * TN;
  Acc acc[4][4];
#pragma unroll
  for (int i = 0; i < 4; ++i)
#pragma unroll
    for (int j = 0; j < 4; ++j) acc[i][j] = Acc(0);

  for (int k0 = 0; k0 < K; k0 += TK) {
#pragma unroll
    for (int r = 0; r < 4; ++r) {
      int idx = tid + 256 * r;
      // A tile: 64 rows x 16 k, k fastest (coalesced along k).
      int am = idx / TK, ak = idx % TK;
      int gm = m0 + am, gk = k0 + ak;
      As[ak][am] = (gm < M && gk < K) ? loadAs<Acc>(A[size_t(gm) * K + gk]) : Acc(0);
      if (!kBIsNK) {
        int bk = idx / TN, bn = idx % TN;
        int gk2 = k0 + bk, gn = n0 + bn;
        Bs[bk][bn] = (gk2 < K && gn < N) ? loadAs<Acc>(B[size_t(gk2) * N + gn]) : Acc(0);
      } else {
        int bn = idx / TK, bk = idx % TK;
        int gk2 = k0 + bk, gn = n0 + bn;
        Bs[bk][bn] = (gk2 < K && gn < N) ? loadAs<Acc>(B[size_t(gn) * K + gk2]) : Acc(0);
      }
    }
    __syncthreads();
#pragma unroll
    for (int kk = 0; kk < TK; ++kk) {
      Acc a[4], b[4];
#pragma unroll
      for (int i = 0; i < 4; ++i) a[i] = As[kk][ty + 16 * i];
#pragma unroll
      for (int j = 0; j < 4; ++j) b[j] = Bs[kk][tx + 16 * j];
#pragma unroll
      for (int i = 0; i < 4; ++i)
#pragma unroll
        for (int j = 0; j < 4; ++j) acc[i][j] += a[i] * b[j];
    }
    __syncthreads();
  }
#pragma unroll
  for (int i = 0; i < 4; ++i) {
    int gm = m0 + ty + 16 * i;
    if (gm >= M) continue;
#pragma unroll
    for (int j = 0; j < 4; ++j) {
      int gn = n0 + tx + 16 * j;
      if (gn < N) out[size_t(gm) * N + gn] = acc[i][j];
    }
  }
}

// ---- error statistics ----
// sums[0] += sum (c - ref)^2 over non-NaN elements, sums[1] += sum ref^2,
// counts[0] = NaN count, counts[1] = infinity count.
__global__ void errorStats(const __half* C, const float* ref, size_t n, double* sums, unsigned long long* counts) {
  double e2 = 0.0, r2 = 0.0;
  unsigned long long nan = 0, inf = 0;
  for (size_t i = gtid(); i < n; i += gstride()) {
    float c = __half2float(C[i]);
    double r = ref[i];
    r2 += r * r;
    if (isnan(c)) { ++nan; continue; }
    if (isinf(c)) ++inf;
    double d = double(c) - r;
    e2 += d * d;
  }
  for (int o = 16; o > 0; o >>= 1) {
    e2 += __shfl_down_sync(0xffffffffu, e2, o);
    r2 += __shfl_down_sync(0xffffffffu, r2, o);
    nan += __shfl_down_sync(0xffffffffu, nan, o);
    inf += __shfl_down_sync(0xffffffffu, inf, o);
  }
  if ((threadIdx.x & 31) == 0) {
    atomicAdd(&sums[0], e2);
    atomicAdd(&sums[1], r2);
    if (nan) atomicAdd(&counts[0], nan);
    if (inf) atomicAdd(&counts[1], inf);
  }
}

// Exact comparison with the integer reference rounded to fp16.
// stats[0] = mismatches, stats[1] = smallest mismatching index (init ~0ull),
// stats[2] = NaNs among the outputs.
__global__ void compareExact(const __half* C, const int* ref, size_t n, unsigned long long* stats) {
  unsigned long long bad = 0, nan = 0, first = ~0ull;
  for (size_t i = gtid(); i < n; i += gstride()) {
    float got = __half2float(C[i]);
    float want = __half2float(__int2half_rn(ref[i]));
    if (isnan(got)) ++nan;
    if (!(got == want)) {
      ++bad;
      if (i < first) first = i;
    }
  }
  for (int o = 16; o > 0; o >>= 1) {
    bad += __shfl_down_sync(0xffffffffu, bad, o);
    nan += __shfl_down_sync(0xffffffffu, nan, o);
    unsigned long long f = __shfl_down_sync(0xffffffffu, first, o);
    first = f < first ? f : first;
  }
  if ((threadIdx.x & 31) == 0 && bad) {
    atomicAdd(&stats[0], bad);
    atomicMin(&stats[1], first);
  }
  if ((threadIdx.x & 31) == 0 && nan) atomicAdd(&stats[2], nan);
}

// ---- timing gate ----
// Holds the stream until the host has queued a whole timing round (so host
// launch overhead never leaves the GPU idle between timed launches). Gives up
// after `timeoutNs`, counting the timeout, so a host that blocks on a full
// launch queue can never deadlock against it.
__device__ __forceinline__ unsigned long long globalTimerNs() {
  unsigned long long t;
  asm volatile("mov.u64 %0, %%globaltimer;" : "=l"(t));
  return t;
}
__global__ void gateWait(const volatile unsigned int* flag, unsigned int ticket, unsigned long long timeoutNs,
                         unsigned int* timeouts) {
  const unsigned long long start = globalTimerNs();
  while (*flag != ticket) {
    if (globalTimerNs() - start > timeoutNs) {
      atomicAdd(timeouts, 1u);
      return;
    }
    __nanosleep(500);
  }
}

// ---- L2 flush: 16-byte stores over a buffer larger than twice the L2 ----
__global__ void flushWrite(uint4* p, size_t n16, uint32_t value) {
  uint4 v = make_uint4(value, value ^ 0x1u, value ^ 0x2u, value ^ 0x3u);
  for (size_t i = gtid(); i < n16; i += gstride()) p[i] = v;
}

// The same buffer loaded instead of stored (KFORGE_COLD_FLUSH=read), so L2 is left holding clean lines. The
// conditional store keeps the loads from being optimized away; it lands, if ever, in the flush buffer itself.
__global__ void flushRead(const uint4* p, size_t n16, uint32_t value, uint32_t* sink) {
  uint32_t sum = 0;
  for (size_t i = gtid(); i < n16; i += gstride()) {
    const uint4 v = p[i];
    sum += v.x ^ v.y ^ v.z ^ v.w;
  }
  if (sum == value + 0x9e3779b9u) sink[0] = sum;
}

}  // namespace dev
}  // namespace kf
