import path from "node:path";
import { KernelForgeError, type RunArchive, type RunRecord } from "@kernelforge/core";
import { exportKernelLibrary, writeRunReport } from "@kernelforge/report";
import type { CliContext } from "../cli-context.js";
import { type OutputMode, writeJson } from "../output/present.js";
import { loadSearchConfig, openConfiguredArchive } from "../search/search-setup.js";

export interface ArchiveCommandOptions {
  runId: string | undefined;
  out?: string | undefined;
  config?: string | undefined;
  name?: string | undefined;
}

async function withRun<Result>(
  context: CliContext,
  options: ArchiveCommandOptions,
  command: string,
  work: (archive: RunArchive, run: RunRecord) => Promise<Result>,
): Promise<Result> {
  if (!options.runId) {
    throw new KernelForgeError("usage", `kforge ${command} needs a run id`, {
      hint: "List the archived runs with `kforge runs`.",
    });
  }
  const loaded = await loadSearchConfig(context.cwd, options.config);
  const archive = await openConfiguredArchive(loaded);
  try {
    const run = await archive.getRun(options.runId);
    if (!run) {
      const known = (await archive.listRuns()).slice(0, 5).map((entry) => entry.runId);
      throw new KernelForgeError(
        "run_not_found",
        `No run ${JSON.stringify(options.runId)} in ${archive.location}`,
        {
          hint: known.length
            ? `Recent runs: ${known.join(", ")}.`
            : "The archive holds no runs yet: start one with `kforge run`.",
        },
      );
    }
    return await work(archive, run);
  } finally {
    await archive.close();
  }
}

/** `kforge report <run>`: Markdown and SVG charts of an archived run, written into a folder. */
export async function reportCommand(
  context: CliContext,
  mode: OutputMode,
  options: ArchiveCommandOptions,
): Promise<number> {
  return withRun(context, options, "report", async (archive, run) => {
    const outDir = path.resolve(context.cwd, options.out ?? path.join("kforge-reports", run.runId));
    const evaluations = await archive.listEvaluations({ runId: run.runId });
    const checkpoint = await archive.latestCheckpoint(run.runId);
    const { files } = await writeRunReport({
      run,
      evaluations,
      ...(checkpoint ? { checkpoints: [checkpoint] } : {}),
      outDir,
    });
    if (mode === "json")
      writeJson(context, { runId: run.runId, measurement: run.measurement, outDir, files });
    else {
      context.stdout.write(
        `report of ${run.runId} (${run.measurement}, ${evaluations.length} evaluations) written to ${outDir}:\n${files.map((file) => `  ${path.relative(outDir, file) || file}`).join("\n")}\n`,
      );
    }
    return 0;
  });
}

/** `kforge export <run>`: the best kernel per shape as a self-contained CUDA library. */
export async function exportCommand(
  context: CliContext,
  mode: OutputMode,
  options: ArchiveCommandOptions,
): Promise<number> {
  return withRun(context, options, "export", async (archive, run) => {
    const outDir = path.resolve(context.cwd, options.out ?? path.join("kforge-export", run.runId));
    const evaluations = await archive.listEvaluations({ runId: run.runId });
    const exported = await exportKernelLibrary({
      run,
      evaluations,
      outDir,
      ...(options.name ? { libraryName: options.name } : {}),
    });
    if (mode === "json") writeJson(context, { runId: run.runId, outDir, ...exported });
    else {
      context.stdout.write(
        `${exported.kernels} kernel(s) of ${run.runId} exported to ${outDir} (build: make -C ${outDir})\n`,
      );
    }
    return exported.kernels > 0 ? 0 : 1;
  });
}

/** `kforge runs`: the archived runs, newest first. */
export async function runsCommand(
  context: CliContext,
  mode: OutputMode,
  options: { config?: string | undefined },
): Promise<number> {
  const loaded = await loadSearchConfig(context.cwd, options.config);
  const archive = await openConfiguredArchive(loaded);
  try {
    const runs = await archive.listRuns();
    if (mode === "json") {
      writeJson(
        context,
        runs.map(({ config: _config, ...rest }) => rest),
      );
      return 0;
    }
    if (runs.length === 0) context.stdout.write(`no runs in ${archive.location}\n`);
    for (const run of runs) {
      context.stdout.write(
        `${run.runId}  ${run.status.padEnd(9)}  ${run.measurement.padEnd(9)}  ${run.taskKeys.length} task(s) × ${run.rounds} round(s) × ${run.groupSize}  ${run.createdAt}\n`,
      );
    }
    return 0;
  } finally {
    await archive.close();
  }
}
