// Split-K with an fp32 workspace: every block adds the partial sums of its K
// slice into the workspace with atomics and bumps a per-tile counter; the
// last block of a tile converts the tile to fp16. Needs a zeroed workspace of
// M*N*4 + tiles*4 bytes. Launch: block (32, 8), grid (ceil(N/32), ceil(M/8), S).
#include "common.cuh"

extern "C" __global__ void hgemm_splitk(KF_ABI_PARAMS) {
  float* acc = static_cast<float*>(workspace);
  unsigned* counters = reinterpret_cast<unsigned*>(acc + (size_t)M * N);
  const int col = blockIdx.x * blockDim.x + threadIdx.x;
  const int row = blockIdx.y * blockDim.y + threadIdx.y;
  const int splits = gridDim.z;
  const int chunk = (K + splits - 1) / splits;
  const int k0 = blockIdx.z * chunk;
  const int k1 = min(K, k0 + chunk);
  if (row < M && col < N) {
    float part = 0.0f;
    for (int k = k0; k < k1; ++k) part += __half2float(A[(size_t)row * K + k]) * __half2float(B[(size_t)k * N + col]);
    atomicAdd(&acc[(size_t)row * N + col], part);
  }
  __threadfence();
  __syncthreads();
  __shared__ bool last;
  if (threadIdx.x == 0 && threadIdx.y == 0) {
    unsigned tile = blockIdx.y * gridDim.x + blockIdx.x;
    last = atomicAdd(&counters[tile], 1u) == (unsigned)splits - 1;
  }
  __syncthreads();
  if (last && row < M && col < N) {
    __threadfence();
    C[(size_t)row * N + col] = __float2half_rn(__ldcg(&acc[(size_t)row * N + col]));
  }
}
