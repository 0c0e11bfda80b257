import type { EvaluationResult, TimingMode } from "@kernelforge/core";
import type { RewardBaseline, RewardMode } from "../options.js";

/** The figures of one timing mode a reward or a prompt is built from. */
export interface ModeFigures {
  mode: TimingMode;
  /** Baseline median ÷ candidate median. */
  speedup: number;
  /** The baseline the speedup is over (the fastest one in this mode when `best` was asked for). */
  baseline: string;
  /** The candidate's median time in this mode, when the timing is present. */
  medianMicroseconds?: number;
}

/** What was found of the speedup a reward or a prompt asks for. */
export interface SpeedupFigures {
  /** The modes that had a usable speedup over the baseline, in the order cold, hot. */
  modes: ModeFigures[];
  /** Mean of ln(speedup) over `modes`; undefined when none had one. */
  logSpeedup?: number;
}

/** The modes a `RewardMode` reads, in a fixed order. */
export function modesOf(mode: RewardMode): TimingMode[] {
  return mode === "both" ? ["cold", "hot"] : [mode];
}

/**
 * Reads the speedup of a result over a baseline in the asked mode(s). A mode counts only when its speedup is a
 * finite positive number; `both` averages the logs of the modes that count.
 */
export function speedupFigures(
  result: EvaluationResult,
  baseline: RewardBaseline,
  mode: RewardMode,
): SpeedupFigures {
  const modes: ModeFigures[] = [];
  for (const timingMode of modesOf(mode)) {
    const speedups = result.speedups?.[timingMode];
    if (!speedups) continue;
    const speedup = baseline === "best" ? speedups.best?.speedup : speedups.perBaseline[baseline];
    if (speedup === undefined || !Number.isFinite(speedup) || speedup <= 0) continue;
    const median = result.timing?.[timingMode]?.candidate.median;
    modes.push({
      mode: timingMode,
      speedup,
      baseline: baseline === "best" ? speedups.best.baseline : baseline,
      ...(median === undefined ? {} : { medianMicroseconds: median }),
    });
  }
  if (modes.length === 0) return { modes };
  const logSpeedup = modes.reduce((sum, figures) => sum + Math.log(figures.speedup), 0) / modes.length;
  return { modes, logSpeedup };
}
