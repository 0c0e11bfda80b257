// A simple tensor-core HGEMM (WMMA, fp32 accumulation, layout nn) for `kforge bench`.
// Needs M % 128 == 0, N % 128 == 0 and K % 16 == 0.
#include <cuda_fp16.h>
#include <mma.h>
using namespace nvcuda;

// kforge:launch {"grid": ["cdiv(N,128)", "cdiv(M,128)", 1], "block": [256, 1, 1]}
extern "C" __global__ void __launch_bounds__(256) hgemm_wmma(const __half* A, const __half* B, __half* C, int M, int N, int K, void* workspace) {
  __shared__ float stage[8][256];
  const int warp = threadIdx.x / 32, lane = threadIdx.x % 32;
  const int row0 = blockIdx.y * 128 + (warp / 4) * 64;
  const int col0 = blockIdx.x * 128 + (warp % 4) * 32;
  wmma::fragment<wmma::accumulator, 16, 16, 16, float> acc[4][2];
#pragma unroll
  for (int i = 0; i < 4; ++i)
#pragma unroll
    for (int j = 0; j < 2; ++j) wmma::fill_fragment(acc[i][j], 0.0f);
#pragma unroll 1
  for (int k = 0; k < K; k += 16) {
    wmma::fragment<wmma::matrix_a, 16, 16, 16, __half, wmma::row_major> a[4];
    wmma::fragment<wmma::matrix_b, 16, 16, 16, __half, wmma::row_major> b[2];
#pragma unroll
    for (int i = 0; i < 4; ++i) wmma::load_matrix_sync(a[i], A + (size_t)(row0 + i * 16) * K + k, K);
#pragma unroll
    for (int j = 0; j < 2; ++j) wmma::load_matrix_sync(b[j], B + (size_t)k * N + col0 + j * 16, N);
#pragma unroll
    for (int i = 0; i < 4; ++i)
#pragma unroll
      for (int j = 0; j < 2; ++j) wmma::mma_sync(acc[i][j], a[i], b[j], acc[i][j]);
  }
#pragma unroll
  for (int i = 0; i < 4; ++i)
#pragma unroll
    for (int j = 0; j < 2; ++j) {
      wmma::store_matrix_sync(stage[warp], acc[i][j], 16, wmma::mem_row_major);
      __syncwarp();
      for (int e = lane; e < 256; e += 32)
        C[(size_t)(row0 + i * 16 + e / 16) * N + col0 + j * 16 + e % 16] = __float2half(stage[warp][e]);
      __syncwarp();
    }
}
