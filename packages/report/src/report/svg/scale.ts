/** A linear map from a data domain to a pixel range. */
export interface LinearScale {
  (value: number): number;
  domain: readonly [number, number];
  ticks: number[];
}

function niceStep(rough: number): number {
  const exponent = Math.floor(Math.log10(rough));
  const fraction = rough / 10 ** exponent;
  const nice = fraction <= 1 ? 1 : fraction <= 2 ? 2 : fraction <= 2.5 ? 2.5 : fraction <= 5 ? 5 : 10;
  return nice * 10 ** exponent;
}

/** Round tick values covering [min, max], about `count` of them; the domain is widened to the outer ticks. */
export function niceTicks(min: number, max: number, count = 5, integer = false): number[] {
  let low = min;
  let high = max;
  if (!(high > low)) {
    const pad = low === 0 ? 1 : Math.abs(low) * 0.1;
    low -= pad;
    high += pad;
  }
  let step = niceStep((high - low) / Math.max(1, count));
  if (integer) step = Math.max(1, Math.round(step));
  const first = Math.floor(low / step + 1e-9) * step;
  const ticks: number[] = [];
  for (let value = first; value <= high + step * 1e-6 || ticks.length < 2; value += step) {
    ticks.push(Math.round(value / step) * step);
    if (ticks.length > 200) break;
  }
  const last = ticks[ticks.length - 1] as number;
  if (last < high - step * 1e-6) ticks.push(last + step);
  return ticks;
}

/** A scale over nice ticks spanning [min, max], mapped onto [from, to] (from may exceed to, for y axes). */
export function linearScale(
  min: number,
  max: number,
  from: number,
  to: number,
  options: { count?: number; integer?: boolean } = {},
): LinearScale {
  const ticks = niceTicks(min, max, options.count ?? 5, options.integer ?? false);
  const low = ticks[0] as number;
  const high = ticks[ticks.length - 1] as number;
  const scale = ((value: number) => from + ((value - low) / (high - low)) * (to - from)) as LinearScale;
  scale.domain = [low, high];
  scale.ticks = ticks;
  return scale;
}

/** A tick label with as many decimals as the tick step needs. */
export function tickLabel(value: number, ticks: readonly number[]): string {
  const step = ticks.length > 1 ? Math.abs((ticks[1] as number) - (ticks[0] as number)) : 1;
  const decimals = Math.min(4, Math.max(0, -Math.floor(Math.log10(step) + 1e-9)));
  const label = value.toFixed(decimals);
  return label === `-${(0).toFixed(decimals)}` ? (0).toFixed(decimals) : label;
}
