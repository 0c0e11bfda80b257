/**
 * What a user (or the UI on their behalf) can do to a run in progress. Every method is safe to call at any
 * time, any number of times; effects are announced as run events (`run-paused`, `task-skipped`, ...).
 */
export interface RunControl {
  /** Starts no new generation or evaluation until `resume`; work in flight finishes. */
  pause(): void;
  resume(): void;
  readonly paused: boolean;
  /** Leaves a task for the rest of the run; its evaluations in flight still finish and are archived. */
  skipTask(taskKey: string): void;
  /**
   * Ends the run cleanly: nothing new starts, work in flight finishes and is archived, then the run ends as
   * `cancelled` (and can be resumed). Hard cancellation is the run's AbortSignal.
   */
  stop(): void;
  readonly stopping: boolean;
}
