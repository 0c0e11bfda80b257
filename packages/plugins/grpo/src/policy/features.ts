import { type GemmTask, gemmFlops, gemmMinimumBytes } from "@kernelforge/core";

/**
 * The task features every choice's logits are computed from, in this order. Logs are base 2, shifted and
 * scaled so that every shape from 1×1×1 to 65536×65536×65536 maps into [−2, 2] (the dimensions themselves and
 * their ratios into [−1, 1]); indicators are 0/1.
 */
export const FEATURE_NAMES = [
  "bias",
  "log2_m",
  "log2_n",
  "log2_k",
  "layout_nn",
  "layout_linear",
  "log2_m_over_n",
  "log2_m_over_k",
  "log2_n_over_k",
  "m_le_16",
  "m_le_64",
  "n_le_64",
  "min_mn_le_16",
  "min_mn_le_64",
  "k_ge_8_max_mn",
  "mn_multiple_of_128",
  "k_multiple_of_64",
  "log2_flops",
  "log2_bytes",
  "log2_intensity",
  "arch_sm90_or_newer",
] as const;

export type FeatureName = (typeof FEATURE_NAMES)[number];

/** Number of features, F. */
export const FEATURE_COUNT = FEATURE_NAMES.length;

const indicator = (condition: boolean): number => (condition ? 1 : 0);

/** The feature vector x(task) of length F, in the order of `FEATURE_NAMES`. */
export function taskFeatures(task: GemmTask): number[] {
  const { m, n, k } = task;
  const lm = Math.log2(m);
  const ln = Math.log2(n);
  const lk = Math.log2(k);
  const flops = Math.log2(gemmFlops(task));
  const bytes = Math.log2(gemmMinimumBytes(task));
  const archMatch = /^sm(\d+)/.exec(task.arch);
  const capability = archMatch ? Number(archMatch[1]) : 0;
  const values: Record<FeatureName, number> = {
    bias: 1,
    log2_m: (lm - 8) / 8,
    log2_n: (ln - 8) / 8,
    log2_k: (lk - 8) / 8,
    layout_nn: indicator(task.layout === "nn"),
    layout_linear: indicator(task.layout === "linear"),
    log2_m_over_n: (lm - ln) / 8,
    log2_m_over_k: (lm - lk) / 8,
    log2_n_over_k: (ln - lk) / 8,
    m_le_16: indicator(m <= 16),
    m_le_64: indicator(m <= 64),
    n_le_64: indicator(n <= 64),
    min_mn_le_16: indicator(Math.min(m, n) <= 16),
    min_mn_le_64: indicator(Math.min(m, n) <= 64),
    k_ge_8_max_mn: indicator(k >= 8 * Math.max(m, n)),
    mn_multiple_of_128: indicator(m % 128 === 0 && n % 128 === 0),
    k_multiple_of_64: indicator(k % 64 === 0),
    log2_flops: (flops - 25) / 12,
    log2_bytes: (bytes - 18.5) / 8.5,
    log2_intensity: (flops - bytes - 6.4) / 8,
    arch_sm90_or_newer: indicator(capability >= 90),
  };
  return FEATURE_NAMES.map((name) => values[name]);
}
