// The H100's ceiling for mma.sync (the sm_80-style tensor-core path) next to cuBLAS on large HGEMMs.
//
// A kernel that issues nothing but mma.sync.m16n8k16 (fp16 in, fp32 accumulate) on registers — no memory
// traffic, no shared memory, independent accumulator chains to hide latency — bounds from above what any
// mma.sync GEMM kernel can reach on this GPU. The same run times cuBLAS (cublasGemmEx, fp16 A/B/C, fp32 compute,
// default algorithm) on large shapes, so the two are taken side by side on one device, at the same clocks.
//
// Build and run on any sm_90 host:  nvcc -O3 -arch=sm_90a -o mma-sync-ceiling mma-sync-ceiling.cu -lcublas && ./mma-sync-ceiling
#include <cublas_v2.h>
#include <cuda_fp16.h>
#include <cuda_runtime.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <vector>

#include "../cublas-check.h"

constexpr int CHAINS = 8;  // independent accumulators per warp

// Every warp runs `iterations` rounds of CHAINS independent m16n8k16 MMAs. Operands come from the thread's
// index so nothing is constant-folded; the accumulators are written out so nothing is dead.
__global__ void mma_only(int iterations, float* sink) {
  const uint32_t seed = threadIdx.x * 2654435761u + blockIdx.x;
  uint32_t a0 = seed, a1 = seed ^ 0x3c00u, a2 = seed + 7u, a3 = seed * 3u, b0 = seed ^ 0x1234u, b1 = seed + 11u;
  float d[CHAINS][4] = {};
  for (int it = 0; it < iterations; ++it) {
#pragma unroll
    for (int c = 0; c < CHAINS; ++c) {
      asm volatile(
          "mma.sync.aligned.m16n8k16.row.col.f32.f16.f16.f32 {%0, %1, %2, %3}, {%4, %5, %6, %7}, {%8, %9}, "
          "{%0, %1, %2, %3};\n"
          : "+f"(d[c][0]), "+f"(d[c][1]), "+f"(d[c][2]), "+f"(d[c][3])
          : "r"(a0), "r"(a1), "r"(a2), "r"(a3), "r"(b0), "r"(b1));
    }
  }
  float total = 0.0f;
#pragma unroll
  for (int c = 0; c < CHAINS; ++c) total += d[c][0] + d[c][1] + d[c][2] + d[c][3];
  sink[blockIdx.x * blockDim.x + threadIdx.x] = total;
}

__global__ void fill_half(__half* p, size_t n, uint32_t seed) {
  for (size_t i = blockIdx.x * size_t(blockDim.x) + threadIdx.x; i < n; i += size_t(gridDim.x) * blockDim.x) {
    uint32_t x = uint32_t(i) * 2654435761u ^ seed;
    x ^= x >> 13;
    x *= 0x5bd1e995u;
    x ^= x >> 15;
    p[i] = __float2half((float(x & 0xffff) / 65535.0f - 0.5f));
  }
}

static double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

int main() {
  cudaDeviceProp prop;
  CHECK(cudaGetDeviceProperties(&prop, 0));
  std::printf("device: %s, %d SMs\n", prop.name, prop.multiProcessorCount);
  cudaEvent_t e0, e1;
  CHECK(cudaEventCreate(&e0));
  CHECK(cudaEventCreate(&e1));

  // mma.sync ceiling: occupancy swept over warps per SM; the best configuration is the ceiling.
  float* sink;
  CHECK(cudaMalloc(&sink, size_t(prop.multiProcessorCount) * 8 * 1024 * sizeof(float)));
  const int iterations = 4096;
  double best = 0;
  for (int warps : {4, 8, 16, 32}) {
    const int threads = std::min(warps, 32) * 32;
    const int blocks = prop.multiProcessorCount * (warps * 32 / threads);
    mma_only<<<blocks, threads>>>(iterations, sink);  // warm-up
    CHECK(cudaGetLastError());
    std::vector<double> samples;
    for (int r = 0; r < 15; ++r) {
      CHECK(cudaEventRecord(e0));
      mma_only<<<blocks, threads>>>(iterations, sink);
      CHECK(cudaEventRecord(e1));
      CHECK(cudaEventSynchronize(e1));
      float ms;
      CHECK(cudaEventElapsedTime(&ms, e0, e1));
      samples.push_back(ms);
    }
    const double flop = 2.0 * 16 * 8 * 16 * CHAINS * double(iterations) * (double(blocks) * threads / 32);
    const double tflops = flop / (median(samples) * 1e-3) / 1e12;
    std::printf("mma.sync only, %2d warps/SM: %7.1f TFLOP/s (median of 15)\n", warps, tflops);
    best = std::max(best, tflops);
  }

  // cuBLAS on large fp16 GEMMs (row-major C = A B, computed as the column-major C^T = B^T A^T), hot: the
  // same buffers every launch.
  cublasHandle_t handle;
  CHECK_BLAS(cublasCreate(&handle));
  const int shapes[][3] = {{4096, 4096, 4096}, {8192, 8192, 8192}, {8192, 4096, 4096}, {2048, 8192, 2048},
                           {8192, 2048, 8192}, {512, 8192, 8192}, {8192, 8192, 1024}};
  std::printf("\n%-18s %10s %14s %22s\n", "shape (MxNxK)", "cuBLAS us", "cuBLAS TFLOP/s", "mma.sync ceiling / cuBLAS");
  double product = 1;
  int count = 0;
  for (const auto& s : shapes) {
    const int M = s[0], N = s[1], K = s[2];
    __half *A, *B, *C;
    CHECK(cudaMalloc(&A, size_t(M) * K * 2));
    CHECK(cudaMalloc(&B, size_t(K) * N * 2));
    CHECK(cudaMalloc(&C, size_t(M) * N * 2));
    fill_half<<<1024, 256>>>(A, size_t(M) * K, 1);
    fill_half<<<1024, 256>>>(B, size_t(K) * N, 2);
    const float alpha = 1.0f, beta = 0.0f;
    auto gemm = [&] {
      CHECK_BLAS(cublasGemmEx(handle, CUBLAS_OP_N, CUBLAS_OP_N, N, M, K, &alpha, B, CUDA_R_16F, N, A, CUDA_R_16F, K,
                              &beta, C, CUDA_R_16F, N, CUBLAS_COMPUTE_32F, CUBLAS_GEMM_DEFAULT));
    };
    for (int w = 0; w < 5; ++w) gemm();
    std::vector<double> samples;
    for (int r = 0; r < 30; ++r) {
      CHECK(cudaEventRecord(e0));
      gemm();
      CHECK(cudaEventRecord(e1));
      CHECK(cudaEventSynchronize(e1));
      float ms;
      CHECK(cudaEventElapsedTime(&ms, e0, e1));
      samples.push_back(ms);
    }
    const double us = median(samples) * 1e3;
    const double tflops = 2.0 * M * N * K / (us * 1e-6) / 1e12;
    std::printf("%5dx%5dx%5d   %10.1f %14.1f %22.3f\n", M, N, K, us, tflops, best / tflops);
    product *= best / tflops;
    ++count;
    CHECK(cudaFree(A));
    CHECK(cudaFree(B));
    CHECK(cudaFree(C));
  }
  std::printf("\nmma.sync ceiling: %.1f TFLOP/s; geomean of ceiling / cuBLAS over these shapes: %.3f\n", best,
              std::pow(product, 1.0 / count));
  return 0;
}
