import type { MeasurementKind } from "@kernelforge/core";
import { formatMicroseconds, formatSpeedup } from "../format.js";
import { speedupOverBest } from "../select-best.js";
import type { TaskInfo } from "../task-info.js";
import type { ExportedKernel } from "./exported-kernel.js";
import { macroPrefix } from "./render-header.js";

function cell(value: string): string {
  return value.replace(/\r?\n/g, " ").replace(/\|/g, "\\|");
}

/** README.md of an exported library: contents, figures with their label, left-out tasks, build and use. */
export function renderLibraryReadme(options: {
  library: string;
  runId: string;
  measurement: MeasurementKind;
  arch: string;
  kernels: readonly ExportedKernel[];
  leftOut: readonly { task: TaskInfo; why: string }[];
}): string {
  const { library, kernels } = options;
  const prefix = macroPrefix(library);
  const estimated = options.measurement === "estimated";
  const label = estimated ? "estimated" : "measured";
  const lines: string[] = [`# ${library}: HGEMM kernels from KernelForge run ${options.runId}`, ""];
  if (estimated) {
    lines.push(
      "> **Estimated: every figure in this library is a cost-model estimate, not a measurement. Never compare " +
        "it with measured results; time the kernels on your GPU (`./example` prints a quick figure).**",
      "",
    );
  }
  const unchecked = kernels.filter((kernel) => kernel.record.result.correctness === undefined);
  if (unchecked.length > 0) {
    lines.push(
      `> **${unchecked.length} of ${kernels.length} kernel(s) never ran on a GPU** (compiled and screened only, as in ` +
        "estimate mode): their correctness is not verified. Run `./example all` on the target GPU before use.",
      "",
    );
  }
  lines.push(
    `Self-contained CUDA library of the best correct kernel found for each of ${kernels.length} problem shape(s): ` +
      "fp16 A, B and C, fp32 accumulation, C = A·B (`nn`) or C = A·Bᵀ (`linear`), all row-major. Each kernel is " +
      "specialized for its exact M, N, K and layout; any other shape returns `cudaErrorNotSupported`.",
    "",
    "## Contents",
    "",
    `- \`${library}.h\`: the C interface (\`${library}()\`, \`${library}_workspace_bytes()\`, \`${library}_supports()\`, \`${library}_supported_shapes()\`, \`${library}_measurement()\`, layout constants).`,
    `- \`${library}.cu\`: the dispatch table from (M, N, K, layout) to each kernel, with each kernel's provenance.`,
    "- `kernels/*.cu`: one kernel per shape (the candidate's source with its entry renamed) and its host launcher.",
    "- `example.cu`: runs a shape, checks it against a reference GEMM, prints the error, PASS/FAIL and a quick time.",
    "- `Makefile`: builds the static library, the example and (`make shared`) a shared library.",
    "",
    `## Kernels (${label})`,
    "",
    "| Shape (M×N×K) | Layout | Candidate | Cold speedup | Hot speedup | Cold median µs | Workspace | Checked on a GPU | Source |",
    "| --- | --- | --- | --- | --- | --- | --- | --- | --- |",
    ...kernels.map((kernel) => {
      const { result, candidate } = kernel.record;
      const cold = result.speedups?.cold;
      const hot = result.speedups?.hot;
      const workspace =
        candidate.launch.workspaceBytes === 0
          ? "none"
          : `${candidate.launch.workspaceBytes} B${candidate.launch.zeroWorkspace ? ", zeroed per call" : ""}`;
      return `| ${[
        kernel.task.shape,
        kernel.task.layout,
        `\`${candidate.id}\``,
        cold ? `${formatSpeedup(speedupOverBest(result, "cold"))} vs ${cold.best.baseline}` : "–",
        hot ? `${formatSpeedup(speedupOverBest(result, "hot"))} vs ${hot.best.baseline}` : "–",
        formatMicroseconds(result.timing?.cold?.candidate.median),
        workspace,
        result.correctness === undefined ? "no (never ran)" : "yes",
        `\`${kernel.file}\``,
      ]
        .map(cell)
        .join(" | ")} |`;
    }),
    "",
    `Speedups are over the fastest vendor baseline (cuBLAS, cuBLASLt heuristic or autotuned) of the run, ` +
      `${estimated ? "estimated by a cost model (not measured)" : "measured on the run's GPU"}; cold mode flushes L2 before each launch. ` +
      "A workspace zeroed per call is zeroed with `cudaMemsetAsync` on the caller's stream before each launch, " +
      "as the KernelForge harness did when it timed the kernel, so the figures include it.",
    "",
  );
  if (options.leftOut.length > 0) {
    lines.push("## Left out", "", "These tasks of the run had no exportable kernel:", "");
    for (const { task, why } of options.leftOut) {
      lines.push(`- ${task.shape} ${task.layout} (\`${task.key}\`): ${why}`);
    }
    lines.push("");
  }
  lines.push(
    "## Build",
    "",
    "```sh",
    `make                # lib${library}.a and ./example, for ARCH=${options.arch}`,
    `make ARCH=${options.arch} NVCC=/usr/local/cuda/bin/nvcc`,
    "./example           # first shape; ./example 1 for the second, ./example all for every shape",
    "```",
    "",
    `The kernels were compiled for \`${options.arch}\` during the search; build for that architecture (other GPUs ` +
      "return `cudaErrorNoKernelImageForDevice`).",
    "",
    "## Use",
    "",
    "```c",
    `#include "${library}.h"`,
    "",
    `size_t bytes = ${library}_workspace_bytes(M, N, K, ${prefix}_LAYOUT_NN);`,
    "void* workspace = NULL;",
    "if (bytes > 0) cudaMalloc(&workspace, bytes);",
    `cudaError_t status = ${library}(M, N, K, ${prefix}_LAYOUT_NN, A, B, C, workspace, bytes, stream);`,
    "if (status == cudaErrorNotSupported) { /* fall back to cuBLAS for this shape */ }",
    "```",
    "",
    "Pointers must be 256-byte aligned (as `cudaMalloc` returns them), as they were when the kernels were " +
      "checked. A kernel may rely on a workspace of its declared size; calls that run concurrently need separate " +
      `workspaces. Link with \`lib${library}.a\` through nvcc, or add \`-lcudart\` when linking with another compiler.`,
    "",
  );
  return lines.join("\n");
}
