import type { MeasurementKind } from "@kernelforge/core";
import { commentLine, cString } from "./cuda-text.js";
import { describeFigures, type ExportedKernel } from "./exported-kernel.js";
import { macroPrefix } from "./render-header.js";

/** <library>.cu: the dispatch table from (M, N, K, layout) to each kernel's launcher, and the checks. */
export function renderDispatch(options: {
  library: string;
  runId: string;
  measurement: MeasurementKind;
  kernels: readonly ExportedKernel[];
}): string {
  const { library, kernels } = options;
  const prefix = macroPrefix(library);
  const launcherType = `${library}_launcher`;
  const declarations = kernels.map(
    (kernel) =>
      `extern "C" cudaError_t ${kernel.launcherName}(const __half* A, const __half* B, __half* C, void* workspace,\n    cudaStream_t stream);`,
  );
  const shapes = kernels.flatMap((kernel) => [
    `    // ${kernel.task.key}: candidate ${kernel.record.candidate.id} (round ${kernel.record.round}, ${commentLine(kernel.record.candidate.provenance.generator)})`,
    `    // ${describeFigures(kernel)}${kernel.record.result.correctness === undefined ? "; never ran on a GPU (correctness unverified)" : ""}`,
    `    {${kernel.task.m}, ${kernel.task.n}, ${kernel.task.k}, ${prefix}_LAYOUT_${kernel.task.layout === "nn" ? "NN" : "LINEAR"}, ${kernel.record.candidate.launch.workspaceBytes}u, ${cString(kernel.task.key)}, ${cString(kernel.record.candidate.id)}},`,
  ]);
  const launchers = kernels.map((kernel) => `    &${kernel.launcherName},`);
  return `// ${library}.cu: dispatch of the KernelForge export of run ${commentLine(options.runId)}.
// Figures below are ${options.measurement}${options.measurement === "estimated" ? ": cost-model estimates, NOT measurements; never compare them with measured ones" : " on the GPU the run used"}.
#include "${library}.h"

#include <stdint.h>

${declarations.join("\n")}

typedef cudaError_t (*${launcherType})(const __half*, const __half*, __half*, void*, cudaStream_t);

namespace {

const ${library}_shape kShapes[] = {
${shapes.join("\n")}
};

const ${launcherType} kLaunchers[] = {
${launchers.join("\n")}
};

constexpr int kCount = static_cast<int>(sizeof(kShapes) / sizeof(kShapes[0]));
static_assert(sizeof(kLaunchers) / sizeof(kLaunchers[0]) == sizeof(kShapes) / sizeof(kShapes[0]),
              "one launcher per shape");

int find(int M, int N, int K, int layout) {
  for (int index = 0; index < kCount; ++index) {
    const ${library}_shape& shape = kShapes[index];
    if (shape.M == M && shape.N == N && shape.K == K && shape.layout == layout) return index;
  }
  return -1;
}

bool aligned(const void* pointer) { return (reinterpret_cast<uintptr_t>(pointer) & 255u) == 0; }

}  // namespace

// The harness never passes a null workspace, even when a kernel needs none: stand in for one.
static __device__ __align__(256) unsigned char ${library}_empty_workspace[256];

extern "C" cudaError_t ${library}(int M, int N, int K, int layout, const __half* A, const __half* B, __half* C,
                                  void* workspace, size_t workspaceBytes, cudaStream_t stream) {
  const int index = find(M, N, K, layout);
  if (index < 0) return cudaErrorNotSupported;
  if (A == nullptr || B == nullptr || C == nullptr) return cudaErrorInvalidValue;
  if (!aligned(A) || !aligned(B) || !aligned(C)) return cudaErrorInvalidValue;
  const size_t required = kShapes[index].workspace_bytes;
  if (required > 0) {
    if (workspace == nullptr || workspaceBytes < required || !aligned(workspace)) return cudaErrorInvalidValue;
  } else if (workspace == nullptr) {
    cudaError_t status = cudaGetSymbolAddress(&workspace, ${library}_empty_workspace);
    if (status != cudaSuccess) return status;
  } else if (!aligned(workspace)) {
    return cudaErrorInvalidValue;
  }
  return kLaunchers[index](A, B, C, workspace, stream);
}

extern "C" size_t ${library}_workspace_bytes(int M, int N, int K, int layout) {
  const int index = find(M, N, K, layout);
  return index < 0 ? 0 : kShapes[index].workspace_bytes;
}

extern "C" int ${library}_supports(int M, int N, int K, int layout) { return find(M, N, K, layout) >= 0 ? 1 : 0; }

extern "C" int ${library}_supported_shapes(const ${library}_shape** shapes) {
  if (shapes != nullptr) *shapes = kShapes;
  return kCount;
}

extern "C" const char* ${library}_measurement(void) { return ${cString(options.measurement)}; }
`;
}
