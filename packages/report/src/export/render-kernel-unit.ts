import type { TensorMapRequest } from "@kernelforge/core";
import { commentLine, renameIdentifier } from "./cuda-text.js";
import { describeFigures, type ExportedKernel } from "./exported-kernel.js";

/** Dynamic shared memory a kernel gets without opting in (48 KiB). */
export const DEFAULT_DYNAMIC_SHARED_LIMIT = 48 * 1024;

/** Largest portable cluster; larger ones need cudaFuncAttributeNonPortableClusterSizeAllowed. */
const PORTABLE_CLUSTER_BLOCKS = 8;

function dim3(values: readonly [number, number, number]): string {
  return `dim3(${values[0]}, ${values[1]}, ${values[2]})`;
}

const SWIZZLE: Record<TensorMapRequest["swizzle"], string> = {
  none: "CU_TENSOR_MAP_SWIZZLE_NONE",
  "32B": "CU_TENSOR_MAP_SWIZZLE_32B",
  "64B": "CU_TENSOR_MAP_SWIZZLE_64B",
  "128B": "CU_TENSOR_MAP_SWIZZLE_128B",
};
const INTERLEAVE: Record<TensorMapRequest["interleave"], string> = {
  none: "CU_TENSOR_MAP_INTERLEAVE_NONE",
  "16B": "CU_TENSOR_MAP_INTERLEAVE_16B",
  "32B": "CU_TENSOR_MAP_INTERLEAVE_32B",
};

/**
 * The host function that encodes a kernel's TMA tensor maps for the caller's pointers, exactly as the harness
 * does (docs/kernel-abi.md §2.1): fp16, rank 2, the operand's {columns, rows} and row pitch, element strides 1,
 * L2 promotion 256 B, out-of-bounds elements zero-filled. The driver's encoder is reached through the runtime
 * (cudaGetDriverEntryPointByVersion), so the library needs no -lcuda.
 */
function renderTensorMapEncoder(kernel: ExportedKernel, maps: readonly TensorMapRequest[]): string[] {
  const { m, n, k, layout } = kernel.task;
  const geometry = (operand: TensorMapRequest["operand"]): { base: string; rows: number; cols: number } => {
    if (operand === "a") return { base: "A", rows: m, cols: k };
    if (operand === "b")
      return layout === "linear" ? { base: "B", rows: n, cols: k } : { base: "B", rows: k, cols: n };
    return { base: "C", rows: m, cols: n };
  };
  const lines = [
    `// Encodes the ${maps.length} tensor map(s) ${kernel.kernelName} takes after its seven ABI parameters.`,
    `static cudaError_t ${kernel.kernelName}_tensor_maps(const __half* A, const __half* B, __half* C, CUtensorMap* maps) {`,
    "  static PFN_cuTensorMapEncodeTiled_v12000 encode = nullptr;",
    "  if (encode == nullptr) {",
    "    void* entry = nullptr;",
    "    cudaDriverEntryPointQueryResult found = cudaDriverEntryPointSymbolNotFound;",
    '    cudaError_t status = cudaGetDriverEntryPointByVersion("cuTensorMapEncodeTiled", &entry, 12000, cudaEnableDefault, &found);',
    "    if (status != cudaSuccess) return status;",
    "    if (found != cudaDriverEntryPointSuccess || entry == nullptr) return cudaErrorNotSupported;",
    "    encode = reinterpret_cast<PFN_cuTensorMapEncodeTiled_v12000>(entry);",
    "  }",
    "  (void)A;",
    "  (void)B;",
    "  (void)C;",
  ];
  maps.forEach((map, index) => {
    const { base, rows, cols } = geometry(map.operand);
    lines.push(
      "  {",
      `    cuuint64_t dims[2] = {${cols}ull, ${rows}ull};`,
      `    cuuint64_t pitch[1] = {${cols * 2}ull};`,
      `    cuuint32_t box[2] = {${map.box[0]}u, ${map.box[1]}u};`,
      "    cuuint32_t steps[2] = {1u, 1u};",
      `    CUresult result = encode(&maps[${index}], CU_TENSOR_MAP_DATA_TYPE_FLOAT16, 2, const_cast<void*>(static_cast<const void*>(${base})),`,
      `                             dims, pitch, box, steps, ${INTERLEAVE[map.interleave]}, ${SWIZZLE[map.swizzle]},`,
      "                             CU_TENSOR_MAP_L2_PROMOTION_L2_256B, CU_TENSOR_MAP_FLOAT_OOB_FILL_NONE);",
      "    if (result != CUDA_SUCCESS) return cudaErrorInvalidValue;",
      "  }",
    );
  });
  lines.push("  return cudaSuccess;", "}", "");
  return lines;
}

/**
 * The host launcher of one kernel: applies its launch descriptor exactly as the harness does (docs/kernel-abi.md):
 * raises the dynamic shared memory limit above 48 KiB and allows a non-portable cluster above 8 blocks (once per
 * device), zeroes the workspace on the stream before every launch when the descriptor asks for it (the harness
 * does so inside the timed region, so the figures include it), encodes the TMA tensor maps the kernel declares
 * for the caller's pointers and passes them after the seven ABI arguments, and launches with the cluster
 * attribute through cudaLaunchKernelEx when there is a cluster.
 */
export function renderLauncher(kernel: ExportedKernel): string {
  const { launch } = kernel.record.candidate;
  const { kernelName: name, launcherName } = kernel;
  const dynamicShared = launch.dynamicSharedBytes;
  const clusterBlocks = launch.cluster ? launch.cluster[0] * launch.cluster[1] * launch.cluster[2] : 1;
  const raiseShared = dynamicShared > DEFAULT_DYNAMIC_SHARED_LIMIT;
  const nonPortable = launch.cluster !== undefined && clusterBlocks > PORTABLE_CLUSTER_BLOCKS;
  const maps = launch.tensorMaps ?? [];
  const lines: string[] = maps.length > 0 ? renderTensorMapEncoder(kernel, maps) : [];

  if (raiseShared || nonPortable) {
    lines.push(
      "// Per-kernel attributes are per device: set them once on each device, as the harness does when it loads",
      "// the kernel.",
      `static cudaError_t ${name}_prepare() {`,
      "  int device = 0;",
      "  cudaError_t status = cudaGetDevice(&device);",
      "  if (status != cudaSuccess) return status;",
      "  static std::atomic<unsigned long long> prepared{0};",
      "  const unsigned long long bit = device >= 0 && device < 64 ? (1ull << device) : 0ull;",
      "  if (bit != 0 && (prepared.load(std::memory_order_acquire) & bit) != 0) return cudaSuccess;",
    );
    if (raiseShared) {
      lines.push(
        `  status = cudaFuncSetAttribute(${name}, cudaFuncAttributeMaxDynamicSharedMemorySize, ${dynamicShared});`,
        "  if (status != cudaSuccess) return status;",
      );
    }
    if (nonPortable) {
      lines.push(
        `  status = cudaFuncSetAttribute(${name}, cudaFuncAttributeNonPortableClusterSizeAllowed, 1);`,
        "  if (status != cudaSuccess) return status;",
      );
    }
    lines.push("  prepared.fetch_or(bit, std::memory_order_acq_rel);", "  return cudaSuccess;", "}", "");
  }

  lines.push(
    `// Launches ${name} for M=${kernel.task.m}, N=${kernel.task.n}, K=${kernel.task.k} (${kernel.task.layout}) on \`stream\`.`,
    launch.workspaceBytes > 0
      ? `// \`workspace\` must be non-null, 256-byte aligned and hold at least ${launch.workspaceBytes} bytes; call through the`
      : "// The kernel needs no workspace, but like the harness pass a non-null one; call through the",
    "// library's dispatch function, which checks pointers and workspace.",
    `extern "C" cudaError_t ${launcherName}(const __half* A, const __half* B, __half* C, void* workspace,`,
    `    cudaStream_t stream) {`,
    `  int M = ${kernel.task.m}, N = ${kernel.task.n}, K = ${kernel.task.k};`,
  );
  const zero = launch.zeroWorkspace && launch.workspaceBytes > 0;
  if (raiseShared || nonPortable || zero || maps.length > 0)
    lines.push("  cudaError_t status = cudaSuccess;");
  if (raiseShared || nonPortable) {
    lines.push(`  status = ${name}_prepare();`, "  if (status != cudaSuccess) return status;");
  }
  if (zero) {
    lines.push(
      "  // The descriptor asks for a zeroed workspace: zero it before every launch, on the same stream.",
      `  status = cudaMemsetAsync(workspace, 0, ${launch.workspaceBytes}ull, stream);`,
      "  if (status != cudaSuccess) return status;",
    );
  } else if (launch.workspaceBytes > 0) {
    lines.push(
      "  // The kernel expects no particular workspace content (the harness fills it with random bytes).",
    );
  }
  const mapArguments = maps.map((_, index) => `, (void*)&maps[${index}]`).join("");
  if (maps.length > 0) {
    lines.push(
      `  CUtensorMap maps[${maps.length}];`,
      `  status = ${name}_tensor_maps(A, B, C, maps);`,
      "  if (status != cudaSuccess) return status;",
      `  void* arguments[] = {(void*)&A, (void*)&B, (void*)&C, (void*)&M, (void*)&N, (void*)&K, (void*)&workspace${mapArguments}};`,
    );
  }
  if (launch.cluster) {
    lines.push(
      "  cudaLaunchConfig_t config = {};",
      `  config.gridDim = ${dim3(launch.grid)};`,
      `  config.blockDim = ${dim3(launch.block)};`,
      `  config.dynamicSmemBytes = ${dynamicShared};`,
      "  config.stream = stream;",
      "  cudaLaunchAttribute attributes[1];",
      "  attributes[0].id = cudaLaunchAttributeClusterDimension;",
      `  attributes[0].val.clusterDim.x = ${launch.cluster[0]};`,
      `  attributes[0].val.clusterDim.y = ${launch.cluster[1]};`,
      `  attributes[0].val.clusterDim.z = ${launch.cluster[2]};`,
      "  config.attrs = attributes;",
      "  config.numAttrs = 1;",
      maps.length > 0
        ? `  return cudaLaunchKernelExC(&config, reinterpret_cast<const void*>(&${name}), arguments);`
        : `  return cudaLaunchKernelEx(&config, ${name}, A, B, C, M, N, K, workspace);`,
    );
  } else {
    if (maps.length === 0) {
      lines.push(
        "  void* arguments[] = {(void*)&A, (void*)&B, (void*)&C, (void*)&M, (void*)&N, (void*)&K, (void*)&workspace};",
      );
    }
    lines.push(
      `  return cudaLaunchKernel(reinterpret_cast<const void*>(&${name}), ${dim3(launch.grid)}, ${dim3(launch.block)},`,
      `                          arguments, ${dynamicShared}, stream);`,
    );
  }
  lines.push("}");
  return lines.join("\n");
}

/** kernels/<slug>.cu: provenance, the candidate's source with its entry renamed, and the host launcher. */
export function renderKernelUnit(kernel: ExportedKernel, runId: string): string {
  const { candidate } = kernel.record;
  const { launch } = candidate;
  const configuration = candidate.provenance.configuration;
  const header = [
    `// ${kernel.file}: one kernel of a KernelForge export (run ${commentLine(runId)}).`,
    `// Task: ${kernel.task.key}`,
    `// Candidate: ${candidate.id}, round ${kernel.record.round}, generator ${commentLine(candidate.provenance.generator)}`,
    ...(configuration ? [`// Configuration: ${commentLine(JSON.stringify(configuration))}`] : []),
    `// Speedups over the fastest baseline: ${describeFigures(kernel)}`,
    ...(kernel.measurement === "estimated"
      ? ["// ESTIMATED: these figures are cost-model estimates, not measurements."]
      : []),
    ...(kernel.record.result.correctness === undefined
      ? [
          "// This kernel never ran on a GPU during the search (compiled and screened only): correctness unverified.",
        ]
      : []),
    `// Launch: grid (${launch.grid.join(", ")}), block (${launch.block.join(", ")}), dynamic shared memory ${launch.dynamicSharedBytes} bytes` +
      `${launch.cluster ? `, cluster (${launch.cluster.join(", ")})` : ""}, workspace ${launch.workspaceBytes} bytes` +
      `${launch.workspaceBytes > 0 ? (launch.zeroWorkspace ? " (zeroed before every launch)" : " (content unspecified)") : ""}`,
    `// Entry: ${commentLine(candidate.entry)} renamed to ${kernel.kernelName}.`,
    "",
    ...((launch.tensorMaps?.length ?? 0) > 0
      ? ["#include <cuda.h>  // CUtensorMap", "#include <cudaTypedefs.h>  // PFN_cuTensorMapEncodeTiled"]
      : []),
    "#include <cuda_runtime.h>",
    "#include <cuda_fp16.h>",
    "#include <atomic>",
    "",
    "// ---- Candidate source ----",
    "",
  ];
  const source = renameIdentifier(candidate.source, candidate.entry, kernel.kernelName);
  return [
    ...header,
    source.endsWith("\n") ? source.slice(0, -1) : source,
    "",
    "// ---- Host launcher ----",
    "",
    renderLauncher(kernel),
    "",
  ].join("\n");
}
