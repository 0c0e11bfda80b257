import { mkdir, writeFile } from "node:fs/promises";
import path from "node:path";
import {
  type EvaluationRecord,
  isMatrixTensorMap,
  KernelForgeError,
  type RunRecord,
} from "@kernelforge/core";
import { runMeasurement } from "../measurement.js";
import { isEligible, selectBest } from "../select-best.js";
import { orderedTaskKeys, type TaskInfo, taskInfo } from "../task-info.js";
import { assertIdentifier, containsIdentifier, freshIdentifier, nvccArch } from "./cuda-text.js";
import type { ExportedKernel } from "./exported-kernel.js";
import { renderDispatch } from "./render-dispatch.js";
import { renderExample } from "./render-example.js";
import { renderHeader } from "./render-header.js";
import { renderKernelUnit } from "./render-kernel-unit.js";
import { renderMakefile } from "./render-makefile.js";
import { renderLibraryReadme } from "./render-readme.js";

export interface KernelLibraryInput {
  run: RunRecord;
  evaluations: EvaluationRecord[];
  /** Directory to write into (created when missing; files of the same names are replaced). */
  outDir: string;
  /** C identifier naming the library, its header and its functions (default `kforge_hgemm`). */
  libraryName?: string;
}

export const DEFAULT_LIBRARY_NAME = "kforge_hgemm";

/** Why a candidate that passed every check cannot be exported, or undefined when it can. */
function unexportable(record: EvaluationRecord): string | undefined {
  const { candidate } = record;
  if (candidate.launch.tensorMaps?.some((map) => !isMatrixTensorMap(map))) {
    return "it needs a tensor map of the workspace or of more than two dimensions, which the export does not encode";
  }
  if (
    !/^[A-Za-z_][A-Za-z0-9_]*$/.test(candidate.entry) ||
    !containsIdentifier(candidate.source, candidate.entry)
  ) {
    return `its entry ${JSON.stringify(candidate.entry)} is not an identifier of its source`;
  }
  return undefined;
}

function leftOutReason(records: readonly EvaluationRecord[]): string {
  if (records.length === 0) return "no candidate was evaluated";
  const ok = records.filter((record) => record.result.status === "ok");
  if (ok.length === 0) {
    const counts = new Map<string, number>();
    for (const record of records)
      counts.set(record.result.status, (counts.get(record.result.status) ?? 0) + 1);
    const summary = [...counts.entries()].map(([status, count]) => `${count} ${status}`).join(", ");
    return `no correct kernel (${records.length} candidate(s): ${summary})`;
  }
  const eligible = ok.filter((record) => isEligible(record.result));
  if (eligible.length === 0)
    return `its ${ok.length} correct kernel(s) are all flagged suspect (awaiting review)`;
  const why = eligible.map(unexportable).find((reason) => reason !== undefined);
  return `none of its ${eligible.length} correct kernel(s) can be exported: ${why ?? "unknown reason"}`;
}

/**
 * Exports the best correct kernel of each task of a run (`ok`, not suspect; the highest cold-mode speedup over
 * the best baseline, ties by hot mode) as a self-contained CUDA library in `outDir`: kernels/<slug>.cu (source
 * with the entry renamed, plus a host launcher applying the launch descriptor), <library>.h, <library>.cu
 * (dispatch by M, N, K and layout), example.cu, Makefile and README.md. Tasks with no exportable kernel are
 * listed in README.md. Throws a KernelForgeError when measurement kinds are mixed, when the kernels target
 * different architectures, or when no task has an exportable kernel.
 */
export async function exportKernelLibrary(
  input: KernelLibraryInput,
): Promise<{ files: string[]; kernels: number }> {
  const library = input.libraryName ?? DEFAULT_LIBRARY_NAME;
  assertIdentifier(library, "Library name");
  const { run, evaluations } = input;
  const measurement = runMeasurement(run, evaluations);

  const byTask = new Map<string, EvaluationRecord[]>();
  for (const record of evaluations)
    byTask.set(record.taskKey, [...(byTask.get(record.taskKey) ?? []), record]);
  const best = selectBest(evaluations, (record) => unexportable(record) === undefined);

  const chosen: { task: TaskInfo; record: EvaluationRecord }[] = [];
  const leftOut: { task: TaskInfo; why: string }[] = [];
  for (const key of orderedTaskKeys(run.taskKeys, byTask.keys())) {
    const task = taskInfo(key);
    const record = best.get(key);
    if (record) chosen.push({ task, record });
    else leftOut.push({ task, why: leftOutReason(byTask.get(key) ?? []) });
  }
  if (chosen.length === 0) {
    throw new KernelForgeError("nothing_to_export", `Run ${run.runId} has no correct kernel to export`, {
      hint: "Only `ok` results that are not flagged suspect are exported; run more rounds or review suspects.",
    });
  }
  const arches = [...new Set(chosen.map(({ task }) => nvccArch(task.arch)))];
  if (arches.length > 1) {
    throw new KernelForgeError(
      "mixed_architectures",
      `Run ${run.runId} has kernels for several architectures (${arches.join(", ")}); one library targets one`,
      { hint: "Export each architecture separately: pass only the evaluations of its tasks." },
    );
  }
  const arch = arches[0] as string;

  const taken = new Set<string>();
  const kernels: ExportedKernel[] = chosen.map(({ task, record }) => {
    const kernelName = freshIdentifier(`${library}_${task.slug}`, [record.candidate.source], taken);
    taken.add(kernelName);
    taken.add(`${kernelName}_launch`);
    return {
      task,
      record,
      kernelName,
      launcherName: `${kernelName}_launch`,
      file: `kernels/${task.slug}.cu`,
      measurement,
    };
  });

  const outDir = path.resolve(input.outDir);
  await mkdir(path.join(outDir, "kernels"), { recursive: true });
  const contents: [string, string][] = [
    ...kernels.map((kernel): [string, string] => [kernel.file, renderKernelUnit(kernel, run.runId)]),
    [`${library}.h`, renderHeader({ library, runId: run.runId, measurement, kernels: kernels.length })],
    [`${library}.cu`, renderDispatch({ library, runId: run.runId, measurement, kernels })],
    ["example.cu", renderExample({ library, measurement })],
    ["Makefile", renderMakefile({ library, runId: run.runId, arch, measurement, kernels })],
    ["README.md", renderLibraryReadme({ library, runId: run.runId, measurement, arch, kernels, leftOut })],
  ];
  const files: string[] = [];
  for (const [name, content] of contents) {
    const file = path.join(outDir, name);
    await writeFile(file, content, "utf8");
    files.push(file);
  }
  return { files, kernels: kernels.length };
}
