// Wrong signature: the workspace parameter is missing. Loading must fail.
#include <cuda_fp16.h>

extern "C" __global__ void hgemm_abi_mismatch(const __half* A, const __half* B, __half* C, int M, int N, int K) {
  int col = blockIdx.x * blockDim.x + threadIdx.x;
  int row = blockIdx.y * blockDim.y + threadIdx.y;
  if (row < M && col < N) C[(size_t)row * N + col] = A[(size_t)row * K] * B[col];
}
