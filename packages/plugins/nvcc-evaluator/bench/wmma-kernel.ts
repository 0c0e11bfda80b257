/**
 * A family of simple, correct tensor-core HGEMM kernels (WMMA 16×16×16 fragments loaded straight from global
 * memory, fp32 or fp16 accumulation), parameterized by block tile and warp layout. Used by the GPU check to
 * have many distinct, realistic candidates; not a search space (that is the template generator's job).
 * Requires M % BM == 0, N % BN == 0, K % 16 == 0 and the `nn` layout.
 */
export interface WmmaVariant {
  blockM: number;
  blockN: number;
  warpsM: number;
  warpsN: number;
  /** `#pragma unroll` factor of the K loop. */
  unroll: number;
  accumulator: "float" | "half";
}

export function wmmaVariants(): WmmaVariant[] {
  const variants: WmmaVariant[] = [];
  for (const blockM of [32, 64, 128])
    for (const blockN of [32, 64, 128])
      for (const warpsM of [1, 2, 4])
        for (const warpsN of [1, 2, 4]) {
          const fragmentsM = blockM / warpsM / 16;
          const fragmentsN = blockN / warpsN / 16;
          if (
            !Number.isInteger(fragmentsM) ||
            !Number.isInteger(fragmentsN) ||
            fragmentsM < 1 ||
            fragmentsN < 1
          )
            continue;
          if (fragmentsM * fragmentsN > 16) continue;
          for (const unroll of [1, 2])
            variants.push({ blockM, blockN, warpsM, warpsN, unroll, accumulator: "float" });
        }
  return variants;
}

export function wmmaSource(variant: WmmaVariant): string {
  const { blockM, blockN, warpsM, warpsN, unroll, accumulator } = variant;
  const fragmentsM = blockM / warpsM / 16;
  const fragmentsN = blockN / warpsN / 16;
  const threads = warpsM * warpsN * 32;
  return `#include <cuda_fp16.h>
#include <mma.h>
using namespace nvcuda;

// kforge:launch {"grid": ["cdiv(N,${blockN})", "cdiv(M,${blockM})", 1], "block": [${threads}, 1, 1]}
extern "C" __global__ void __launch_bounds__(${threads}) hgemm_wmma(const __half* A, const __half* B, __half* C, int M, int N, int K, void* workspace) {
  __shared__ ${accumulator} stage[${warpsM * warpsN}][256];
  const int warp = threadIdx.x / 32, lane = threadIdx.x % 32;
  const int row0 = blockIdx.y * ${blockM} + (warp / ${warpsN}) * ${fragmentsM * 16};
  const int col0 = blockIdx.x * ${blockN} + (warp % ${warpsN}) * ${fragmentsN * 16};
  wmma::fragment<wmma::accumulator, 16, 16, 16, ${accumulator}> acc[${fragmentsM}][${fragmentsN}];
#pragma unroll
  for (int i = 0; i < ${fragmentsM}; ++i)
#pragma unroll
    for (int j = 0; j < ${fragmentsN}; ++j) wmma::fill_fragment(acc[i][j], ${accumulator === "float" ? "0.0f" : "__float2half(0.0f)"});
#pragma unroll ${unroll}
  for (int k = 0; k < K; k += 16) {
    wmma::fragment<wmma::matrix_a, 16, 16, 16, __half, wmma::row_major> a[${fragmentsM}];
    wmma::fragment<wmma::matrix_b, 16, 16, 16, __half, wmma::row_major> b[${fragmentsN}];
#pragma unroll
    for (int i = 0; i < ${fragmentsM}; ++i) wmma::load_matrix_sync(a[i], A + (size_t)(row0 + i * 16) * K + k, K);
#pragma unroll
    for (int j = 0; j < ${fragmentsN}; ++j) wmma::load_matrix_sync(b[j], B + (size_t)k * N + col0 + j * 16, N);
#pragma unroll
    for (int i = 0; i < ${fragmentsM}; ++i)
#pragma unroll
      for (int j = 0; j < ${fragmentsN}; ++j) wmma::mma_sync(acc[i][j], a[i], b[j], acc[i][j]);
  }
#pragma unroll
  for (int i = 0; i < ${fragmentsM}; ++i)
#pragma unroll
    for (int j = 0; j < ${fragmentsN}; ++j) {
      wmma::store_matrix_sync(stage[warp], acc[i][j], 16, wmma::mem_row_major);
      __syncwarp();
      for (int e = lane; e < 256; e += 32)
        C[(size_t)(row0 + i * 16 + e / 16) * N + col0 + j * 16 + e % 16] = ${accumulator === "float" ? "__float2half(stage[warp][e])" : "stage[warp][e]"};
      __syncwarp();
    }
}
`;
}
