import type { BaselineName, TimingMode } from "@kernelforge/core";

/** Timing modes in report order: cold (L2 flushed) first, as the selection ranks by it. */
export const MODES: readonly TimingMode[] = ["cold", "hot"];

/** Vendor baselines in report order. */
export const BASELINES: readonly BaselineName[] = ["cublas", "cublaslt-heuristic", "cublaslt-autotuned"];
