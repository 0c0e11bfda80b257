// Planted fault: the first thread executes a trap, which corrupts the context.
#include "common.cuh"

extern "C" __global__ void hgemm_trap(KF_ABI_PARAMS) {
  if (blockIdx.x == 0 && blockIdx.y == 0 && threadIdx.x == 0 && threadIdx.y == 0) __trap();
  int row, col;
  float acc;
  if (naiveElement<false>(A, B, M, N, K, K, row, col, acc)) C[(size_t)row * N + col] = __float2half_rn(acc);
}
