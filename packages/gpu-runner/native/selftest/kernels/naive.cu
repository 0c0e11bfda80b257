// Correct reference-style HGEMM: one thread per output, fp32 accumulation.
#include "common.cuh"

extern "C" __global__ void hgemm_naive_nn(KF_ABI_PARAMS) {
  int row, col;
  float acc;
  if (naiveElement<false>(A, B, M, N, K, K, row, col, acc)) C[(size_t)row * N + col] = __float2half_rn(acc);
}

extern "C" __global__ void hgemm_naive_linear(KF_ABI_PARAMS) {
  int row, col;
  float acc;
  if (naiveElement<true>(A, B, M, N, K, K, row, col, acc)) C[(size_t)row * N + col] = __float2half_rn(acc);
}
