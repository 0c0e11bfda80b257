import { readFileSync } from "node:fs";
import path from "node:path";
import {
  configSchema,
  type KernelForgeConfig,
  KernelForgeError,
  RunEventBus,
  type RunEvents,
  RunLoop,
  type RunSummary,
} from "@kernelforge/core";
import { render } from "ink";
import { positiveInteger } from "../arguments/positive-integer.js";
import type { CliContext } from "../cli-context.js";
import { createDashboardStore } from "../dashboard/dashboard-store.js";
import type { OutputMode } from "../output/present.js";
import { createEventDescriber } from "../search/event-lines.js";
import { createRunComponents, type LoadedSearchConfig, loadSearchConfig } from "../search/search-setup.js";
import { RunDashboard } from "../ui/run-dashboard.js";

export interface RunOptions {
  config?: string | undefined;
  resume?: string | undefined;
  runId?: string | undefined;
  rounds?: string | undefined;
  groupSize?: string | undefined;
  shapes?: string | undefined;
}

/**
 * `kforge run`: a search over the config's tasks (or `--resume` of an archived run), shown as the live
 * dashboard on a terminal, as plain log lines otherwise, or as line-delimited JSON events with --json.
 * The first interrupt (Ctrl+C, SIGTERM) stops cleanly — work in flight finishes and is archived — and a
 * second one abandons it. Exit status 0 when the run finished or was stopped, 1 when it failed.
 */
export async function runCommand(
  context: CliContext,
  mode: OutputMode,
  options: RunOptions,
): Promise<number> {
  if (options.resume && (options.rounds || options.groupSize || options.shapes || options.runId)) {
    throw new KernelForgeError("usage", "--resume continues a run with its archived settings", {
      hint: "Leave out --rounds, --group-size, --shapes and --run-id when resuming.",
    });
  }
  const loaded = await loadSearchConfig(context.cwd, options.config);
  const effective: LoadedSearchConfig = {
    ...loaded,
    config: applyOverrides(loaded.config, options, context.cwd),
  };
  const events = new RunEventBus();
  const components = await createRunComponents(effective, events);
  const abort = new AbortController();
  const loop = new RunLoop(components, { signal: abort.signal });

  let interrupts = 0;
  const onSignal = () => {
    interrupts += 1;
    if (interrupts === 1) loop.stop();
    else abort.abort(new KernelForgeError("interrupted", "interrupted twice: work in flight abandoned"));
  };
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);

  const describe = createEventDescriber();
  const unsubscribe =
    mode === "json"
      ? events.onAny((type, payload) => {
          context.stdout.write(`${JSON.stringify({ time: new Date().toISOString(), type, ...payload })}\n`);
        })
      : mode === "plain"
        ? events.onAny((type, payload) => {
            const line = describe(type, payload as RunEvents[typeof type]);
            if (line) context.stdout.write(`${line}\n`);
          })
        : () => {};

  const store = mode === "interactive" ? createDashboardStore(events) : undefined;
  const start = (): Promise<RunSummary> =>
    options.resume ? loop.resumeRun(options.resume) : loop.start(effective.config, options.runId);
  const done = start();
  let exitSignal: Promise<void> = Promise.resolve();
  let instance: ReturnType<typeof render> | undefined;
  if (store) {
    exitSignal = new Promise<void>((resolve) => {
      instance = render(
        <RunDashboard
          events={events}
          control={loop}
          store={store}
          done={done}
          onExit={(reason) => {
            if (reason === "interrupt")
              abort.abort(new KernelForgeError("interrupted", "work in flight abandoned"));
            resolve();
          }}
        />,
        {
          stdout: context.stdout as NodeJS.WriteStream,
          stderr: context.stderr as NodeJS.WriteStream,
          ...(context.stdin ? { stdin: context.stdin } : {}),
          patchConsole: false,
          exitOnCtrlC: false,
        },
      );
    });
  }
  try {
    const summary = await done;
    if (instance) {
      await exitSignal;
      instance.unmount();
      await instance.waitUntilExit();
    }
    if (mode === "json") {
      context.stdout.write(
        `${JSON.stringify({ time: new Date().toISOString(), type: "summary", ...summary })}\n`,
      );
    } else {
      context.stdout.write(`${summaryLines(summary, components.archive.location).join("\n")}\n`);
    }
    return 0;
  } catch (error) {
    if (instance) {
      instance.unmount();
      await instance.waitUntilExit().catch(() => undefined);
    }
    throw error;
  } finally {
    unsubscribe();
    store?.close();
    process.off("SIGINT", onSignal);
    process.off("SIGTERM", onSignal);
    await components.evaluator.close();
    await components.archive.close();
  }
}

function summaryLines(summary: RunSummary, location: string): string[] {
  const lines = [
    `run ${summary.runId}: ${summary.status}${summary.measurement === "estimated" ? " (ESTIMATED: model times, not measurements)" : ""}`,
    `  ${summary.evaluated} evaluated${summary.restored ? `, ${summary.restored} restored from the archive` : ""}, ${summary.roundsCompleted} round(s) complete, ${(summary.durationMilliseconds / 1000).toFixed(1)} s`,
  ];
  if (summary.usage) {
    lines.push(
      `  model: ${summary.usage.requests} request(s), ${summary.usage.inputTokens} tokens in / ${summary.usage.outputTokens} out`,
    );
  }
  for (const [key, speedup] of Object.entries(summary.bestSpeedups)) {
    lines.push(`  best ${key}: ×${speedup.toFixed(3)} vs the best baseline`);
  }
  lines.push(`  archive: ${location}`);
  if (summary.status !== "finished") lines.push(`  continue with: kforge run --resume ${summary.runId}`);
  else lines.push(`  next: kforge report ${summary.runId} · kforge export ${summary.runId}`);
  return lines;
}

/** `--shapes`: a comma-separated list (`MxNxK[:layout]`) or a dataset file (`{ "shapes": [{ m, n, k, layout }] }`). */
export function readShapes(text: string, cwd: string): string[] {
  if (text.endsWith(".json")) {
    const file = path.resolve(cwd, text);
    let parsed: { shapes?: { m: number; n: number; k: number; layout?: string }[] };
    try {
      parsed = JSON.parse(readFileSync(file, "utf8"));
    } catch (error) {
      throw new KernelForgeError(
        "shapes_unreadable",
        `cannot read shapes from ${file}: ${(error as Error).message}`,
        {
          hint: 'A shapes file holds { "shapes": [{ "m": 16, "n": 4096, "k": 4096, "layout": "linear" }, ...] }.',
        },
      );
    }
    if (!Array.isArray(parsed.shapes) || parsed.shapes.length === 0) {
      throw new KernelForgeError("shapes_unreadable", `${file} has no "shapes" list`, {
        hint: 'A shapes file holds { "shapes": [{ "m": 16, "n": 4096, "k": 4096, "layout": "linear" }, ...] }.',
      });
    }
    return parsed.shapes.map(
      (shape) => `${shape.m}x${shape.n}x${shape.k}${shape.layout ? `:${shape.layout}` : ""}`,
    );
  }
  return text
    .split(",")
    .map((entry) => entry.trim())
    .filter(Boolean);
}

function applyOverrides(config: KernelForgeConfig, options: RunOptions, cwd: string): KernelForgeConfig {
  const next: KernelForgeConfig = {
    ...config,
    tasks: { ...config.tasks },
    search: { ...config.search },
  };
  if (options.rounds) next.search.rounds = positiveInteger(options.rounds, "--rounds");
  if (options.groupSize) next.search.groupSize = positiveInteger(options.groupSize, "--group-size");
  if (options.shapes) next.tasks.shapes = readShapes(options.shapes, cwd);
  const checked = configSchema.safeParse(next);
  if (!checked.success) {
    const issue = checked.error.issues[0];
    throw new KernelForgeError(
      "usage",
      `${issue?.path.join(".") ?? "config"}: ${issue?.message ?? "invalid"}`,
      {
        hint: "Check --rounds, --group-size and --shapes (MxNxK or MxNxK:linear, comma-separated, or a .json file).",
      },
    );
  }
  return checked.data;
}
