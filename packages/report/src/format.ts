/** `1.23×`, or an en dash when there is no figure. */
export function formatSpeedup(value: number | undefined): string {
  return value === undefined ? "–" : `${value.toFixed(2)}×`;
}

/** Microseconds with two decimals below 100 µs and one above. */
export function formatMicroseconds(value: number | undefined): string {
  if (value === undefined) return "–";
  return value < 100 ? value.toFixed(2) : value.toFixed(1);
}

/** TFLOP/s of a GEMM of `flops` operations that took `microseconds`. */
export function tflops(flops: number, microseconds: number | undefined): number | undefined {
  if (microseconds === undefined || !(microseconds > 0)) return undefined;
  return flops / microseconds / 1e6;
}

export function formatTflops(value: number | undefined): string {
  return value === undefined ? "–" : value.toFixed(1);
}

/** Geometric mean of positive values; undefined for none. */
export function geometricMean(values: readonly number[]): number | undefined {
  const positive = values.filter((value) => value > 0 && Number.isFinite(value));
  if (positive.length === 0) return undefined;
  return Math.exp(positive.reduce((sum, value) => sum + Math.log(value), 0) / positive.length);
}
