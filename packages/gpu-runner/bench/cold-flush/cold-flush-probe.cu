// How the state a cold-mode flush leaves in L2 changes the time of a kernel that only streams from DRAM.
//
// The harness's cold mode writes a buffer of twice the L2 size before each timed launch, so L2 is left full of
// dirty lines. This probe times one streaming read of a large operand (four copies used in turn, as the
// harness rotates buffer sets, so none is in L2 from the launch before) after:
//   write-flush  a kernel that writes a buffer of twice the L2 size (what the harness does),
//   read-flush   a kernel that reads such a buffer (L2 left full of clean lines),
//   hot          nothing: the launches run back to back.
// A gap between the first two is the cost of writing the dirty lines back while the kernel reads.
//
// Build and run on any CUDA host:  nvcc -O3 -arch=native -o cold-flush-probe cold-flush-probe.cu && ./cold-flush-probe
#include <cuda_runtime.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <vector>

#define CHECK(call)                                                                  \
  do {                                                                               \
    cudaError_t error_ = (call);                                                     \
    if (error_ != cudaSuccess) {                                                     \
      std::fprintf(stderr, "%s:%d %s\n", __FILE__, __LINE__, cudaGetErrorString(error_)); \
      std::exit(1);                                                                  \
    }                                                                                \
  } while (0)

// Reads every 16-byte vector of `data` once and keeps a per-block checksum, so nothing is optimized away.
__global__ void stream_read(const uint4* __restrict__ data, size_t count, unsigned* __restrict__ sums) {
  unsigned sum = 0;
  for (size_t i = blockIdx.x * static_cast<size_t>(blockDim.x) + threadIdx.x; i < count;
       i += static_cast<size_t>(gridDim.x) * blockDim.x) {
    const uint4 v = __ldg(data + i);
    sum ^= v.x ^ v.y ^ v.z ^ v.w;
  }
  if (sum == 0x9e3779b9u) sums[blockIdx.x] = sum;  // practically never, but the compiler cannot know
}

__global__ void flush_write(uint4* __restrict__ data, size_t count, unsigned seed) {
  for (size_t i = blockIdx.x * static_cast<size_t>(blockDim.x) + threadIdx.x; i < count;
       i += static_cast<size_t>(gridDim.x) * blockDim.x)
    data[i] = make_uint4(seed, static_cast<unsigned>(i), seed ^ 1u, seed ^ 2u);
}

__global__ void flush_read(const uint4* __restrict__ data, size_t count, unsigned* __restrict__ sums) {
  unsigned sum = 0;
  for (size_t i = blockIdx.x * static_cast<size_t>(blockDim.x) + threadIdx.x; i < count;
       i += static_cast<size_t>(gridDim.x) * blockDim.x) {
    const uint4 v = data[i];
    sum += v.x + v.y + v.z + v.w;
  }
  if (sum == 0x9e3779b9u) sums[blockIdx.x] = sum;
}

int main() {
  int device = 0, sms = 0, l2 = 0;
  CHECK(cudaGetDevice(&device));
  CHECK(cudaDeviceGetAttribute(&sms, cudaDevAttrMultiProcessorCount, device));
  CHECK(cudaDeviceGetAttribute(&l2, cudaDevAttrL2CacheSize, device));
  cudaDeviceProp properties;
  CHECK(cudaGetDeviceProperties(&properties, device));
  const size_t flush_bytes = std::max<size_t>(2 * static_cast<size_t>(l2), 64u << 20);
  const int copies = 4;
  const unsigned blocks = 4 * sms, threads = 512;
  unsigned* sums;
  CHECK(cudaMalloc(&sums, blocks * sizeof(unsigned)));
  uint4* flush;
  CHECK(cudaMalloc(&flush, flush_bytes));
  CHECK(cudaMemset(flush, 1, flush_bytes));
  std::printf("%s, %d SMs, L2 %d MiB, flush buffer %zu MiB\n", properties.name, sms, l2 >> 20, flush_bytes >> 20);
  std::printf("%10s  %14s  %14s  %14s   (median µs over 30 launches, and GB/s)\n", "MiB read", "write-flush",
              "read-flush", "hot");
  for (size_t megabytes : {32, 50, 117}) {
    const size_t bytes = megabytes << 20;
    std::vector<uint4*> operand(copies);
    for (auto& pointer : operand) {
      CHECK(cudaMalloc(&pointer, bytes));
      CHECK(cudaMemset(pointer, 3, bytes));
    }
    cudaEvent_t start, stop;
    CHECK(cudaEventCreate(&start));
    CHECK(cudaEventCreate(&stop));
    auto median_of = [&](int mode) {
      std::vector<float> samples;
      for (int launch = 0; launch < 30 + copies; ++launch) {
        const uint4* data = operand[launch % copies];
        if (mode == 0) flush_write<<<blocks, threads>>>(flush, flush_bytes / 16, launch);
        if (mode == 1) flush_read<<<blocks, threads>>>(flush, flush_bytes / 16, sums);
        CHECK(cudaEventRecord(start));
        if (mode == 2) {
          // Hot: a batch of back-to-back launches, rotating the copies, timed as one.
          for (int i = 0; i < copies; ++i) stream_read<<<blocks, threads>>>(operand[i], bytes / 16, sums);
        } else {
          stream_read<<<blocks, threads>>>(data, bytes / 16, sums);
        }
        CHECK(cudaEventRecord(stop));
        CHECK(cudaEventSynchronize(stop));
        float milliseconds = 0;
        CHECK(cudaEventElapsedTime(&milliseconds, start, stop));
        if (launch >= copies) samples.push_back(1000.0f * milliseconds / (mode == 2 ? copies : 1));
      }
      std::sort(samples.begin(), samples.end());
      return samples[samples.size() / 2];
    };
    float microseconds[3];
    for (int mode = 0; mode < 3; ++mode) microseconds[mode] = median_of(mode);
    std::printf("%10zu", megabytes);
    for (float value : microseconds) std::printf("  %7.1f %6.0f", value, bytes / (value * 1e3));
    std::printf("\n");
    CHECK(cudaEventDestroy(start));
    CHECK(cudaEventDestroy(stop));
    for (auto pointer : operand) CHECK(cudaFree(pointer));
  }
  CHECK(cudaFree(flush));
  CHECK(cudaFree(sums));
  return 0;
}
