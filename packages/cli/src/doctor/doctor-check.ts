/** `ok`: present and usable. `missing`: absent; what depends on it is unavailable (the hint says what). `error`: KernelForge cannot run. */
export type CheckStatus = "ok" | "missing" | "error";

export interface DoctorCheckResult {
  id: string;
  label: string;
  status: CheckStatus;
  /** One line: what was found. */
  summary: string;
  /** What to do about it, or what it means for runs. */
  hint?: string;
  /** Further lines shown under the summary (one per queue worker, say). */
  lines?: string[];
  /** Machine-readable facts (versions, paths), for --json. */
  details?: Record<string, unknown>;
}

/** What `kforge doctor` was told beyond the environment. */
export interface DoctorOptions {
  /**
   * The evaluation queue to check, from --redis and the config's queue-evaluator entry; without a URL the
   * Redis check reads KFORGE_REDIS_URL, then REDIS_URL.
   */
  queue?: { url?: string; prefix: string; tlsCaFile?: string };
}

export interface DoctorCheck {
  id: string;
  label: string;
  run(env: NodeJS.ProcessEnv, options?: DoctorOptions): Promise<DoctorCheckResult>;
}
