import type { MeasurementKind } from "@kernelforge/core";
import { macroPrefix } from "./render-header.js";

/**
 * example.cu: runs the library on its first supported shape (or the one given by index, or all of them), calls
 * it twice and checks the second result against a plain fp32 reference kernel (every element for small shapes,
 * a sample otherwise),
 * prints the largest error and PASS/FAIL, and times a few back-to-back calls on this machine.
 */
export function renderExample(options: { library: string; measurement: MeasurementKind }): string {
  const { library } = options;
  const prefix = macroPrefix(library);
  return String.raw`// example.cu: calls ${library} on a supported shape and checks it against a simple reference GEMM.
//   ./example          the first supported shape
//   ./example 2        the shape at index 2 of ${library}_supported_shapes
//   ./example all      every supported shape
// Exit status 0 when every checked shape passes. The library's recorded figures are ${options.measurement}.
#include "${library}.h"

#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <vector>

#define CHECK(call)                                                                               \
  do {                                                                                            \
    cudaError_t check_status_ = (call);                                                           \
    if (check_status_ != cudaSuccess) {                                                           \
      std::fprintf(stderr, "%s:%d: %s failed: %s\n", __FILE__, __LINE__, #call,                   \
                   cudaGetErrorString(check_status_));                                            \
      std::exit(2);                                                                               \
    }                                                                                             \
  } while (0)

// fp32 reference of selected output elements, with the sum of |a*b| for the tolerance.
__global__ void reference_elements(const __half* A, const __half* B, int N, int K, int layout, const int* rows,
                                   const int* cols, int count, float* reference, float* magnitude) {
  const int index = blockIdx.x * blockDim.x + threadIdx.x;
  if (index >= count) return;
  const size_t row = static_cast<size_t>(rows[index]);
  const size_t col = static_cast<size_t>(cols[index]);
  float sum = 0.0f;
  float size = 0.0f;
  for (int k = 0; k < K; ++k) {
    const float a = __half2float(A[row * K + k]);
    const float b = __half2float(layout == ${prefix}_LAYOUT_LINEAR ? B[col * K + k] : B[static_cast<size_t>(k) * N + col]);
    sum += a * b;
    size += std::fabs(a * b);
  }
  reference[index] = sum;
  magnitude[index] = size;
}

static uint64_t random_state = 0x9E3779B97F4A7C15ull;

static uint32_t next_random() {
  random_state = random_state * 6364136223846793005ull + 1442695040888963407ull;
  return static_cast<uint32_t>(random_state >> 33);
}

// Uniform in [-1, 1): next_random() has 31 bits.
static float uniform() { return static_cast<float>(next_random()) / 1073741824.0f - 1.0f; }

static bool run_shape(const ${library}_shape& shape) {
  const int M = shape.M, N = shape.N, K = shape.K;
  const size_t a_count = static_cast<size_t>(M) * K, b_count = static_cast<size_t>(K) * N;
  const size_t c_count = static_cast<size_t>(M) * N;
  std::printf("%s (candidate %s): M=%d N=%d K=%d layout=%s\n", shape.task_key, shape.candidate_id, M, N, K,
              shape.layout == ${prefix}_LAYOUT_LINEAR ? "linear" : "nn");

  std::vector<__half> host_a(a_count), host_b(b_count);
  for (size_t i = 0; i < a_count; ++i) host_a[i] = __float2half(uniform());
  for (size_t i = 0; i < b_count; ++i) host_b[i] = __float2half(uniform());

  __half *A = nullptr, *B = nullptr, *C = nullptr;
  void* workspace = nullptr;
  const size_t workspace_bytes = ${library}_workspace_bytes(M, N, K, shape.layout);
  CHECK(cudaMalloc(&A, a_count * sizeof(__half)));
  CHECK(cudaMalloc(&B, b_count * sizeof(__half)));
  CHECK(cudaMalloc(&C, c_count * sizeof(__half)));
  if (workspace_bytes > 0) CHECK(cudaMalloc(&workspace, workspace_bytes));
  CHECK(cudaMemcpy(A, host_a.data(), a_count * sizeof(__half), cudaMemcpyHostToDevice));
  CHECK(cudaMemcpy(B, host_b.data(), b_count * sizeof(__half), cudaMemcpyHostToDevice));
  CHECK(cudaMemset(C, 0xFF, c_count * sizeof(__half)));  // fp16 NaN: an element left unwritten fails the check

  // Two calls, the output poisoned again before the second, which is the one checked: a kernel must not depend
  // on what an earlier call left in the workspace or in C.
  cudaStream_t stream;
  CHECK(cudaStreamCreate(&stream));
  CHECK(${library}(M, N, K, shape.layout, A, B, C, workspace, workspace_bytes, stream));
  CHECK(cudaMemsetAsync(C, 0xFF, c_count * sizeof(__half), stream));
  CHECK(${library}(M, N, K, shape.layout, A, B, C, workspace, workspace_bytes, stream));
  CHECK(cudaStreamSynchronize(stream));

  // Every element of a small output, otherwise the corners and a random sample.
  std::vector<int> rows, cols;
  if (c_count <= (1u << 20)) {
    for (int r = 0; r < M; ++r)
      for (int c = 0; c < N; ++c) rows.push_back(r), cols.push_back(c);
  } else {
    const int corners[4][2] = {{0, 0}, {0, N - 1}, {M - 1, 0}, {M - 1, N - 1}};
    for (const auto& corner : corners) rows.push_back(corner[0]), cols.push_back(corner[1]);
    for (int i = 0; i < 4096; ++i) rows.push_back(next_random() % M), cols.push_back(next_random() % N);
  }
  const int count = static_cast<int>(rows.size());
  int *device_rows = nullptr, *device_cols = nullptr;
  float *device_reference = nullptr, *device_magnitude = nullptr;
  CHECK(cudaMalloc(&device_rows, count * sizeof(int)));
  CHECK(cudaMalloc(&device_cols, count * sizeof(int)));
  CHECK(cudaMalloc(&device_reference, count * sizeof(float)));
  CHECK(cudaMalloc(&device_magnitude, count * sizeof(float)));
  CHECK(cudaMemcpy(device_rows, rows.data(), count * sizeof(int), cudaMemcpyHostToDevice));
  CHECK(cudaMemcpy(device_cols, cols.data(), count * sizeof(int), cudaMemcpyHostToDevice));
  reference_elements<<<(count + 127) / 128, 128>>>(A, B, N, K, shape.layout, device_rows, device_cols, count,
                                                    device_reference, device_magnitude);
  CHECK(cudaGetLastError());
  std::vector<float> reference(count), magnitude(count);
  std::vector<__half> host_c(c_count);
  CHECK(cudaMemcpy(reference.data(), device_reference, count * sizeof(float), cudaMemcpyDeviceToHost));
  CHECK(cudaMemcpy(magnitude.data(), device_magnitude, count * sizeof(float), cudaMemcpyDeviceToHost));
  CHECK(cudaMemcpy(host_c.data(), C, c_count * sizeof(__half), cudaMemcpyDeviceToHost));

  // Tolerance: fp16 rounding of the output (2^-10 relative, twice the half-ulp) plus fp32 summation-order noise.
  double max_error = 0.0;
  int failures = 0;
  for (int i = 0; i < count; ++i) {
    const float got = __half2float(host_c[static_cast<size_t>(rows[i]) * N + cols[i]]);
    const double error = std::fabs(static_cast<double>(got) - reference[i]);
    const double tolerance = 1e-3 + std::fabs(reference[i]) / 1024.0 + 1e-5 * magnitude[i];
    if (std::isnan(got) || !(error <= tolerance)) {
      if (failures < 5) {
        std::printf("  mismatch at (%d, %d): got %g, expected %g\n", rows[i], cols[i], got, reference[i]);
      }
      ++failures;
    }
    if (!std::isnan(got) && error > max_error) max_error = error;
  }
  const bool passed = failures == 0;
  std::printf("  checked %d elements: max abs error %.6g, %d outside tolerance: %s\n", count, max_error, failures,
              passed ? "PASS" : "FAIL");

  if (passed) {
    cudaEvent_t start, stop;
    CHECK(cudaEventCreate(&start));
    CHECK(cudaEventCreate(&stop));
    for (int i = 0; i < 3; ++i) CHECK(${library}(M, N, K, shape.layout, A, B, C, workspace, workspace_bytes, stream));
    const int launches = 20;
    CHECK(cudaEventRecord(start, stream));
    for (int i = 0; i < launches; ++i) {
      CHECK(${library}(M, N, K, shape.layout, A, B, C, workspace, workspace_bytes, stream));
    }
    CHECK(cudaEventRecord(stop, stream));
    CHECK(cudaEventSynchronize(stop));
    float milliseconds = 0.0f;
    CHECK(cudaEventElapsedTime(&milliseconds, start, stop));
    const double microseconds = 1000.0 * milliseconds / launches;
    std::printf("  %.2f us per call (back to back on this GPU, L2 warm), %.1f TFLOP/s\n", microseconds,
                2.0 * M * N * static_cast<double>(K) / (microseconds * 1e6));
    CHECK(cudaEventDestroy(start));
    CHECK(cudaEventDestroy(stop));
  }

  CHECK(cudaStreamDestroy(stream));
  CHECK(cudaFree(device_rows));
  CHECK(cudaFree(device_cols));
  CHECK(cudaFree(device_reference));
  CHECK(cudaFree(device_magnitude));
  CHECK(cudaFree(A));
  CHECK(cudaFree(B));
  CHECK(cudaFree(C));
  if (workspace != nullptr) CHECK(cudaFree(workspace));
  return passed;
}

int main(int argc, char** argv) {
  const ${library}_shape* shapes = nullptr;
  const int count = ${library}_supported_shapes(&shapes);
  std::printf("${library}: %d supported shape(s), figures %s\n", count, ${library}_measurement());
  int first = 0, last = 0;
  if (argc > 1 && std::strcmp(argv[1], "all") == 0) {
    last = count - 1;
  } else if (argc > 1) {
    first = last = std::atoi(argv[1]);
  }
  if (count == 0 || first < 0 || last >= count) {
    std::fprintf(stderr, "no shape at index %d (%d supported)\n", first, count);
    return 2;
  }
  bool passed = true;
  for (int index = first; index <= last; ++index) passed = run_shape(shapes[index]) && passed;
  std::printf("%s\n", passed ? "PASS" : "FAIL");
  return passed ? 0 : 1;
}
`;
}
