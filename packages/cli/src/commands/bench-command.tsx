import { readFileSync } from "node:fs";
import path from "node:path";
import {
  type BLayout,
  createCandidate,
  createContainer,
  createGemmTask,
  type EvaluationResult,
  type KernelForgeConfig,
  KernelForgeError,
  type LaunchSpecification,
  loadConfig,
  loadPlugins,
  parseShape,
  resolveLaunch,
  resolveNamed,
  TOKENS,
} from "@kernelforge/core";
import { launchFromSource, readLaunchFile, soleEntry } from "../bench/kernel-file.js";
import { BUILTIN_PLUGINS } from "../builtin-plugins.js";
import type { CliContext } from "../cli-context.js";
import { cliPackageDirectory } from "../cli-version.js";
import { type OutputMode, present, writeJson } from "../output/present.js";
import { BenchScreen } from "../ui/bench-screen.js";

export interface BenchOptions {
  file: string;
  shape?: string | undefined;
  layout?: string | undefined;
  mode?: string | undefined;
  entry?: string | undefined;
  launch?: string | undefined;
  config?: string | undefined;
  /** Accept an estimated result when no GPU is visible. */
  estimate?: boolean;
}

/**
 * Evaluates one hand-written kernel file on this machine's GPU through the configured GpuEvaluator, exactly
 * as a search evaluates a candidate: screening, compile, machine-code check, correctness before and after,
 * timing against the baselines. Exit status 0 when the kernel passed every check.
 */
export async function benchCommand(
  context: CliContext,
  mode: OutputMode,
  options: BenchOptions,
): Promise<number> {
  if (!options.shape)
    throw new KernelForgeError("usage", "kforge bench needs --shape MxNxK", {
      hint: "Example: kforge bench kernel.cu --shape 4096x4096x4096",
    });
  const layout = options.layout ?? "nn";
  if (layout !== "nn" && layout !== "linear") {
    throw new KernelForgeError("usage", `--layout must be nn or linear, not ${JSON.stringify(layout)}`);
  }
  const modes =
    options.mode === undefined || options.mode === "both" ? (["cold", "hot"] as const) : [options.mode];
  if (!modes.every((entry) => entry === "cold" || entry === "hot")) {
    throw new KernelForgeError(
      "usage",
      `--mode must be hot, cold or both, not ${JSON.stringify(options.mode)}`,
    );
  }
  const file = path.resolve(context.cwd, options.file);
  let source: string;
  try {
    source = readFileSync(file, "utf8");
  } catch (error) {
    throw new KernelForgeError("file_unreadable", `cannot read ${file}: ${(error as Error).message}`);
  }
  const specification: LaunchSpecification | undefined = options.launch
    ? readLaunchFile(path.resolve(context.cwd, options.launch))
    : launchFromSource(source, file);
  if (!specification) {
    throw new KernelForgeError("missing_launch", `${file} says nothing about how to launch it`, {
      hint: 'Add a line such as // kforge:launch {"grid": ["cdiv(N,128)", "cdiv(M,128)", 1], "block": [256, 1, 1]} or pass --launch file.json.',
    });
  }
  const entry = options.entry ?? specification.entry ?? soleEntry(source);
  if (!entry) {
    throw new KernelForgeError(
      "missing_entry",
      `cannot tell which extern "C" __global__ function of ${file} to run`,
      {
        hint: 'Pass --entry NAME, or name it in the launch line ("entry": "NAME").',
      },
    );
  }
  const shape = parseShape(options.shape);
  const loaded = await loadConfig({
    cwd: context.cwd,
    ...(options.config ? { configPath: options.config } : {}),
  });
  const config: KernelForgeConfig = {
    ...loaded.config,
    evaluation: { ...loaded.config.evaluation, modes: [...modes] },
  };
  const task = createGemmTask({ ...shape, layout: layout as BLayout, arch: config.tasks.arch });
  const launch = resolveLaunch(specification, { M: shape.m, N: shape.n, K: shape.k });
  const candidate = createCandidate({
    task,
    source,
    entry,
    launch,
    provenance: {
      generator: "kforge-bench",
      parentIds: [],
      configuration: { file },
      createdAt: new Date().toISOString(),
    },
  });

  const container = createContainer(config);
  await loadPlugins(container, config.plugins, {
    searchDirectories: [loaded.directory, cliPackageDirectory()],
    builtins: BUILTIN_PLUGINS,
  });
  const evaluator = resolveNamed(
    container,
    TOKENS.gpuEvaluator,
    config.evaluation.evaluator,
    "GPU evaluator",
  );
  let result: EvaluationResult;
  try {
    const description = await evaluator.describe();
    if (description.measurement === "estimated" && !options.estimate) {
      throw new KernelForgeError(
        "no_gpu",
        `No GPU is visible to ${evaluator.name}: kforge bench measures on this machine's GPU`,
        {
          hint: "Run it on a host with an NVIDIA GPU (see `kforge doctor`), or pass --estimate for a cost-model estimate (labelled as such, never a measurement).",
        },
      );
    }
    result = await evaluator.evaluate(candidate, task);
  } finally {
    await evaluator.close();
  }
  if (mode === "json") writeJson(context, { task: candidate.taskKey, entry, launch, result });
  else
    await present(
      <BenchScreen file={file} task={task} entry={entry} launch={launch} result={result} />,
      context,
      mode,
    );
  return result.status === "ok" ? 0 : 1;
}
