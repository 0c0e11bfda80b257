/** Timing samples of one contender in one mode, and their order statistics (all in microseconds). */
export interface TimingSummary {
  samplesMicroseconds: number[];
  median: number;
  p25: number;
  p75: number;
  min: number;
  max: number;
}

/** Linear-interpolated quantile of an ascending-sorted array (q in [0, 1]). */
export function quantile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) throw new RangeError("quantile of an empty sample");
  const position = (sorted.length - 1) * Math.min(1, Math.max(0, q));
  const lower = Math.floor(position);
  const upper = Math.ceil(position);
  const low = sorted[lower] as number;
  const high = sorted[upper] as number;
  return low + (high - low) * (position - lower);
}

/** Summarizes raw samples. Throws on an empty sample or a non-finite value: a timing must be a real number. */
export function summarizeSamples(samples: readonly number[]): TimingSummary {
  if (samples.length === 0) throw new RangeError("no timing samples");
  for (const sample of samples) {
    if (!Number.isFinite(sample) || sample < 0) throw new RangeError(`invalid timing sample: ${sample}`);
  }
  const sorted = [...samples].sort((a, b) => a - b);
  return {
    samplesMicroseconds: [...samples],
    median: quantile(sorted, 0.5),
    p25: quantile(sorted, 0.25),
    p75: quantile(sorted, 0.75),
    min: sorted[0] as number,
    max: sorted[sorted.length - 1] as number,
  };
}
