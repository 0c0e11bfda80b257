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
  /** Machine-readable facts (versions, paths), for --json. */
  details?: Record<string, unknown>;
}

export interface DoctorCheck {
  id: string;
  label: string;
  run(env: NodeJS.ProcessEnv): Promise<DoctorCheckResult>;
}
