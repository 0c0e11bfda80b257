// Planted bug: the thread of the last element also writes one element past C.
#include "common.cuh"

extern "C" __global__ void hgemm_oob_write(KF_ABI_PARAMS) {
  int row, col;
  float acc;
  if (!naiveElement<false>(A, B, M, N, K, K, row, col, acc)) return;
  C[(size_t)row * N + col] = __float2half_rn(acc);
  if (row == M - 1 && col == N - 1) C[(size_t)M * N] = __float2half_rn(acc);
}
