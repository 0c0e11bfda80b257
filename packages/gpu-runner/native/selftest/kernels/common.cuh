// Shared pieces of the self-test kernels. Each kernel follows the KernelForge
// ABI: extern "C" __global__ void ENTRY(const __half* A, const __half* B,
// __half* C, int M, int N, int K, void* workspace).
#pragma once
#include <cuda_fp16.h>

#define KF_ABI_PARAMS const __half *__restrict__ A, const __half *__restrict__ B, __half *__restrict__ C, \
                      int M, int N, int K, void *workspace

// B element (k, n) for the two layouts: "nn" B is K x N, "linear" B is N x K.
template <bool kLinear>
__device__ __forceinline__ float loadB(const __half* B, int k, int n, int N, int K) {
  return kLinear ? __half2float(B[(size_t)n * K + k]) : __half2float(B[(size_t)k * N + n]);
}

// One output element per thread, fp32 accumulation. Launch with blockDim
// (32, 8) and grid (ceil(N/32), ceil(M/8)).
template <bool kLinear>
__device__ __forceinline__ bool naiveElement(const __half* A, const __half* B, int M, int N, int K, int kEnd,
                                             int& row, int& col, float& acc) {
  col = blockIdx.x * blockDim.x + threadIdx.x;
  row = blockIdx.y * blockDim.y + threadIdx.y;
  if (row >= M || col >= N) return false;
  acc = 0.0f;
  for (int k = 0; k < kEnd; ++k) acc += __half2float(A[(size_t)row * K + k]) * loadB<kLinear>(B, k, col, N, K);
  return true;
}
