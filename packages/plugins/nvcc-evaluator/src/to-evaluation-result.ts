import type {
  BaselineName,
  CorrectnessReport,
  EvaluationEnvironment,
  ModeSpeedups,
  ModeTiming,
  SeedCheck,
  TimingMode,
  TimingSummary,
} from "@kernelforge/core";
import type { CheckReport, ContenderStats, EvaluateReply, SeedReport } from "@kernelforge/gpu-runner";

/** The harness's figures for one seed, in core's terms. */
export function toSeedCheck(seed: SeedReport): SeedCheck {
  const guardViolations: Record<string, number> = {};
  for (const [buffer, guard] of Object.entries(seed.guards ?? {})) {
    const changed = guard.before + guard.after;
    if (changed > 0) guardViolations[buffer] = changed;
  }
  const relativeError = seed.relError ?? Number.NaN;
  const unwrittenElements = seed.nanCount ?? 0;
  const integerMismatches = seed.integer?.mismatches ?? 0;
  return {
    seed: seed.seed,
    relativeError,
    ...(seed.cublasRelError === null ? {} : { baselineRelativeError: seed.cublasRelError }),
    tolerance: seed.tolerance,
    unwrittenElements,
    guardViolations,
    passed:
      Number.isFinite(relativeError) &&
      relativeError <= seed.tolerance &&
      unwrittenElements === 0 &&
      integerMismatches === 0 &&
      Object.keys(guardViolations).length === 0 &&
      !seed.inputsModified?.A &&
      !seed.inputsModified?.B,
  };
}

function seedChecks(report: CheckReport | null): SeedCheck[] {
  return report ? report.seeds.map(toSeedCheck) : [];
}

export function toCorrectnessReport(
  reply: EvaluateReply,
  accumulator: CorrectnessReport["machineCodeAccumulator"],
): CorrectnessReport {
  const all = [...(reply.check?.seeds ?? []), ...(reply.recheck?.seeds ?? [])];
  return {
    before: seedChecks(reply.check),
    after: seedChecks(reply.recheck),
    integerMismatches: all.reduce((sum, seed) => sum + (seed.integer?.mismatches ?? 0), 0),
    ...(accumulator ? { machineCodeAccumulator: accumulator } : {}),
  };
}

export function toTimingSummary(stats: ContenderStats): TimingSummary {
  return {
    samplesMicroseconds: stats.samplesUs,
    median: stats.medianUs,
    p25: stats.p25Us,
    p75: stats.p75Us,
    min: stats.minUs,
    max: stats.maxUs,
  };
}

const BASELINES: readonly BaselineName[] = ["cublas", "cublaslt-heuristic", "cublaslt-autotuned"];

/** Per-mode timings and speedups (baseline median ÷ candidate median, all from the same process). */
export function toTimingAndSpeedups(reply: EvaluateReply): {
  timing: Partial<Record<TimingMode, ModeTiming>>;
  speedups: Partial<Record<TimingMode, ModeSpeedups>>;
} {
  const timing: Partial<Record<TimingMode, ModeTiming>> = {};
  for (const mode of ["cold", "hot"] as const) {
    const contenders = reply.timing?.modes[mode];
    const candidate = contenders?.candidate;
    if (!contenders || !candidate) continue;
    const baselines: ModeTiming["baselines"] = {};
    for (const name of BASELINES) {
      const stats = contenders[name];
      if (stats) baselines[name] = toTimingSummary(stats);
    }
    timing[mode] = { candidate: toTimingSummary(candidate), baselines };
  }
  return { timing, speedups: speedupsFromTiming(timing) };
}

/**
 * Speedups from per-mode timings: baseline median ÷ candidate median per baseline, and the fastest baseline of
 * each mode (the smallest speedup). Modes without any baseline get no entry.
 */
export function speedupsFromTiming(
  timing: Partial<Record<TimingMode, ModeTiming>>,
): Partial<Record<TimingMode, ModeSpeedups>> {
  const speedups: Partial<Record<TimingMode, ModeSpeedups>> = {};
  for (const mode of ["cold", "hot"] as const) {
    const times = timing[mode];
    if (!times) continue;
    const perBaseline: ModeSpeedups["perBaseline"] = {};
    let best: ModeSpeedups["best"] | undefined;
    for (const name of BASELINES) {
      const summary = times.baselines[name];
      if (!summary) continue;
      const speedup = summary.median / times.candidate.median;
      perBaseline[name] = speedup;
      if (!best || speedup < best.speedup) best = { baseline: name, speedup };
    }
    if (best) speedups[mode] = { perBaseline, best };
  }
  return speedups;
}

/** A summary holding one value as its only sample, with zero spread (estimated times). */
export function singleValueSummary(microseconds: number): TimingSummary {
  return {
    samplesMicroseconds: [microseconds],
    median: microseconds,
    p25: microseconds,
    p75: microseconds,
    min: microseconds,
    max: microseconds,
  };
}

/** A short sentence for a failed verdict, from the harness's reason code and detail. */
export function describeVerdict(reply: EvaluateReply): string {
  const { reason, phase, detail } = reply.verdict;
  const where =
    phase === "recheck"
      ? "after timing, with new inputs on the same buffers"
      : phase === "timing"
        ? "during timing"
        : "before timing";
  const facts = detail && typeof detail === "object" ? JSON.stringify(detail).slice(0, 300) : "";
  const what: Record<string, string> = {
    wrong_result: "the result differs from the fp32-accumulated reference by more than the tolerance",
    unwritten_output: "some output elements were never written",
    out_of_bounds_write: "the kernel wrote outside its buffers",
    integer_mismatch: "the exact small-integer check found differences",
    launch_error: "the launch was refused",
  };
  return `${what[reason] ?? reason} (${where})${facts ? `: ${facts}` : ""}`;
}

export function environmentFrom(
  hello: {
    device: { name: string; computeCapability: string; driverVersion: number; runtimeVersion: number };
    cublas: { versionString?: string };
    harnessVersion: string;
  },
  nvccVersion: string,
  hostname: string,
  driverRelease?: string,
): EvaluationEnvironment {
  const version = (value: number) => `${Math.floor(value / 1000)}.${Math.floor((value % 1000) / 10)}`;
  return {
    device: hello.device.name,
    computeCapability: hello.device.computeCapability,
    driverVersion: driverRelease ?? `CUDA ${version(hello.device.driverVersion)}`,
    cudaRuntimeVersion: version(hello.device.runtimeVersion),
    nvccVersion,
    ...(hello.cublas.versionString ? { cublasVersion: hello.cublas.versionString } : {}),
    harnessVersion: hello.harnessVersion,
    hostname,
  };
}
