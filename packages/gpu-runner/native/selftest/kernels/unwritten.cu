// Planted bug: exactly one output element, (M/2, N/3), is never written.
#include "common.cuh"

extern "C" __global__ void hgemm_unwritten(KF_ABI_PARAMS) {
  int row, col;
  float acc;
  if (!naiveElement<false>(A, B, M, N, K, K, row, col, acc)) return;
  if (row == M / 2 && col == N / 3) return;
  C[(size_t)row * N + col] = __float2half_rn(acc);
}
