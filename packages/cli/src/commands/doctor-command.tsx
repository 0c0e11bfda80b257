import type { CliContext } from "../cli-context.js";
import type { DoctorCheckResult } from "../doctor/doctor-check.js";
import { DOCTOR_CHECKS, runDoctorChecks } from "../doctor/doctor-checks.js";
import { type OutputMode, present, startLive, writeJson } from "../output/present.js";
import { DoctorScreen } from "../ui/doctor-screen.js";

/** Exit status 0 unless a check found something that stops KernelForge from running at all. */
export async function doctorCommand(context: CliContext, mode: OutputMode): Promise<number> {
  const labels = DOCTOR_CHECKS.map(({ id, label }) => ({ id, label }));
  const results: Record<string, DoctorCheckResult> = {};
  let checks: DoctorCheckResult[];
  if (mode === "interactive") {
    const live = startLive(<DoctorScreen labels={labels} results={{}} />, context);
    checks = await runDoctorChecks(context.env, (result) => {
      results[result.id] = result;
      live.rerender(<DoctorScreen labels={labels} results={{ ...results }} />);
    });
    live.unmount();
    await live.waitUntilExit();
  } else {
    checks = await runDoctorChecks(context.env);
    for (const check of checks) results[check.id] = check;
    if (mode === "json") writeJson(context, { checks });
    else await present(<DoctorScreen labels={labels} results={results} />, context, mode);
  }
  return checks.some((check) => check.status === "error" && check.id === "node") ? 1 : 0;
}
