import { createGemmTask } from "@kernelforge/core";

export const task = createGemmTask({ m: 1000, n: 4096, k: 512, layout: "linear" });
export const shape = { M: task.m, N: task.n, K: task.k };

export const KERNEL = `#include <cuda_fp16.h>

extern "C" __global__ void __launch_bounds__(256) hgemm_tile(const __half* A, const __half* B, __half* C,
                                                            int M, int N, int K, void* workspace) {
  extern __shared__ float tile[];
  int row = blockIdx.y * 128 + threadIdx.x / 2;
  int col = blockIdx.x * 128 + threadIdx.x % 2;
  if (row < M && col < N) {
    float acc = 0.f;
    for (int k = 0; k < K; ++k) acc += __half2float(A[row * K + k]) * __half2float(B[col * K + k]);
    C[row * N + col] = __float2half(acc);
  }
}`;

export const LAUNCH_JSON = `{"entry": "hgemm_tile", "grid": ["cdiv(N,128)", "cdiv(M,128)"], "block": [256, 1, 1], "dynamicSharedBytes": "2*64*128*2", "workspaceBytes": 0}`;

export const ANALYSIS = "The fastest kernel kept tensor cores busy; the failed one forgot the edge tiles.";

/** A well-formed reply: analysis, the kernel, the launch, a closing remark. */
export const GOOD_REPLY = `${ANALYSIS}

\`\`\`cuda
${KERNEL}
\`\`\`

\`\`\`json
${LAUNCH_JSON}
\`\`\`

This should beat the earlier kernels.`;
