import type { CliContext } from "../cli-context.js";
import type { DoctorCheckResult, DoctorOptions } from "../doctor/doctor-check.js";
import { DOCTOR_CHECKS, runDoctorChecks } from "../doctor/doctor-checks.js";
import { type OutputMode, present, startLive, writeJson } from "../output/present.js";
import { queueOptionsFromConfig } from "../search/queue-settings.js";
import { loadSearchConfig } from "../search/search-setup.js";
import { DoctorScreen } from "../ui/doctor-screen.js";

export interface DoctorCommandOptions {
  redis?: string | undefined;
  config?: string | undefined;
}

/**
 * Exit status 0 unless a check found something that stops KernelForge from running at all. The Redis check
 * looks at --redis, else the config's queue-evaluator `redis` (when a config file is there), else
 * KFORGE_REDIS_URL and REDIS_URL, and lists the live queue workers registered under the configured prefix.
 */
export async function doctorCommand(
  context: CliContext,
  mode: OutputMode,
  options: DoctorCommandOptions = {},
): Promise<number> {
  const labels = DOCTOR_CHECKS.map(({ id, label }) => ({ id, label }));
  const doctorOptions = await queueToCheck(context, options);
  const results: Record<string, DoctorCheckResult> = {};
  let checks: DoctorCheckResult[];
  if (mode === "interactive") {
    const live = startLive(<DoctorScreen labels={labels} results={{}} />, context);
    checks = await runDoctorChecks(
      context.env,
      (result) => {
        results[result.id] = result;
        live.rerender(<DoctorScreen labels={labels} results={{ ...results }} />);
      },
      DOCTOR_CHECKS,
      doctorOptions,
    );
    live.unmount();
    await live.waitUntilExit();
  } else {
    checks = await runDoctorChecks(context.env, undefined, DOCTOR_CHECKS, doctorOptions);
    for (const check of checks) results[check.id] = check;
    if (mode === "json") writeJson(context, { checks });
    else await present(<DoctorScreen labels={labels} results={results} />, context, mode);
  }
  return checks.some((check) => check.status === "error" && check.id === "node") ? 1 : 0;
}

/** The queue the Redis check looks at: --redis and the config's queue-evaluator settings. */
async function queueToCheck(context: CliContext, options: DoctorCommandOptions): Promise<DoctorOptions> {
  const loaded = await loadSearchConfig(context.cwd, options.config);
  const queue = await queueOptionsFromConfig(loaded.config, loaded.source ?? "the embedded defaults");
  const url = options.redis ?? queue.redis;
  return {
    queue: {
      prefix: queue.prefix,
      ...(url ? { url } : {}),
      ...(queue.tlsCaFile ? { tlsCaFile: queue.tlsCaFile } : {}),
    },
  };
}
