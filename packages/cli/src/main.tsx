import { parseArguments } from "./arguments/parse-arguments.js";
import { UsageError } from "./arguments/usage-error.js";
import type { CliContext } from "./cli-context.js";
import { cliVersion } from "./cli-version.js";
import { benchCommand } from "./commands/bench-command.js";
import { docsCommand } from "./commands/docs-command.js";
import { doctorCommand } from "./commands/doctor-command.js";
import { initCommand } from "./commands/init-command.js";
import { pluginsCommand } from "./commands/plugins-command.js";
import { exportCommand, reportCommand, runsCommand } from "./commands/report-command.js";
import { runCommand } from "./commands/run-command.js";
import { sessionCommand } from "./commands/session-command.js";
import { workerCommand } from "./commands/worker-command.js";
import { chooseOutputMode, type OutputMode, present, reportError, writeJson } from "./output/present.js";
import { HelpScreen } from "./ui/help-screen.js";

/**
 * Runs one kforge invocation and returns its exit status: 0 success, 1 failure, 2 a command line that
 * could not be understood.
 */
export async function main(argv: readonly string[], context: CliContext): Promise<number> {
  let mode: OutputMode = chooseOutputMode(argv.includes("--json"), context);
  try {
    const parsed = parseArguments(argv);
    if (parsed.kind === "version") {
      context.stdout.write(`${mode === "json" ? JSON.stringify({ version: cliVersion() }) : cliVersion()}\n`);
      return 0;
    }
    if (parsed.kind === "help" && argv.length === 0 && mode === "interactive") {
      return await sessionCommand(context);
    }
    if (parsed.kind === "help") {
      if (mode === "json") writeJson(context, { version: cliVersion(), topic: parsed.topic ?? null });
      else await present(<HelpScreen version={cliVersion()} topic={parsed.topic} />, context, mode);
      return 0;
    }
    mode = chooseOutputMode(parsed.flags.json === true, context);
    switch (parsed.command) {
      case "doctor":
        return await doctorCommand(context, mode, {
          redis: stringFlag(parsed.flags.redis),
          config: stringFlag(parsed.flags.config),
        });
      case "plugins":
        return await pluginsCommand(
          context,
          mode,
          typeof parsed.flags.config === "string" ? parsed.flags.config : undefined,
        );
      case "bench":
        return await benchCommand(context, mode, {
          file: parsed.positionals[0] as string,
          shape: stringFlag(parsed.flags.shape),
          layout: stringFlag(parsed.flags.layout),
          mode: stringFlag(parsed.flags.mode),
          entry: stringFlag(parsed.flags.entry),
          launch: stringFlag(parsed.flags.launch),
          config: stringFlag(parsed.flags.config),
          estimate: parsed.flags.estimate === true,
        });
      case "run":
        // Without a terminal a run speaks line-delimited JSON events (for scripts and CI) unless --plain asks
        // for human-readable lines.
        return await runCommand(
          context,
          parsed.flags.plain === true ? "plain" : mode === "plain" ? "json" : mode,
          {
            config: stringFlag(parsed.flags.config),
            resume: stringFlag(parsed.flags.resume),
            runId: stringFlag(parsed.flags["run-id"]),
            rounds: stringFlag(parsed.flags.rounds),
            groupSize: stringFlag(parsed.flags["group-size"]),
            shapes: stringFlag(parsed.flags.shapes),
          },
        );
      case "worker":
        return await workerCommand(context, mode, {
          redis: stringFlag(parsed.flags.redis),
          config: stringFlag(parsed.flags.config),
          evaluator: stringFlag(parsed.flags.evaluator),
          slots: stringFlag(parsed.flags.slots),
          name: stringFlag(parsed.flags.name),
        });
      case "runs":
        return await runsCommand(context, mode, { config: stringFlag(parsed.flags.config) });
      case "report":
        return await reportCommand(context, mode, {
          runId: parsed.positionals[0],
          out: stringFlag(parsed.flags.out),
          config: stringFlag(parsed.flags.config),
        });
      case "export":
        return await exportCommand(context, mode, {
          runId: parsed.positionals[0],
          out: stringFlag(parsed.flags.out),
          name: stringFlag(parsed.flags.name),
          config: stringFlag(parsed.flags.config),
        });
      case "docs":
        return await docsCommand(context, mode, {
          positionals: parsed.positionals,
          limit: stringFlag(parsed.flags.limit),
          mode: stringFlag(parsed.flags.mode),
          source: stringFlag(parsed.flags.source),
          rebuild: parsed.flags.rebuild === true,
          config: stringFlag(parsed.flags.config),
        });
      case "init":
        return await initCommand(context, mode, {
          output: typeof parsed.flags.output === "string" ? parsed.flags.output : undefined,
          force: parsed.flags.force === true,
        });
      case "help":
        await present(<HelpScreen version={cliVersion()} />, context, mode === "json" ? "plain" : mode);
        return 0;
    }
  } catch (error) {
    reportError(error, context, mode);
    return error instanceof UsageError ? 2 : 1;
  }
}

function stringFlag(value: string | boolean | undefined): string | undefined {
  return typeof value === "string" ? value : undefined;
}
