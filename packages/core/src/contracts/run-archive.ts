import type { KernelForgeConfig } from "../config/config-schema.js";
import type { EvaluationResult, EvaluationStatus, MeasurementKind } from "../domain/evaluation-result.js";
import type { KernelCandidate } from "../domain/kernel-candidate.js";
import type { AdvantageRecord, RewardRecord } from "../domain/reward-record.js";
import type { GenerationUsage } from "./kernel-generator.js";
import type { PolicyCheckpoint, PolicyUpdateReport } from "./policy-trainer.js";

/** Lifecycle of a run. `running` is also what a crashed run is left in; `kforge run --resume` continues it. */
export type RunStatus = "running" | "finished" | "failed" | "cancelled";

/** One search run as archived. */
export interface RunRecord {
  runId: string;
  status: RunStatus;
  measurement: MeasurementKind;
  /** The validated configuration the run was started with; a resumed run uses it, not the current file. */
  config: KernelForgeConfig;
  /** Task keys in the order the run works on them. */
  taskKeys: string[];
  rounds: number;
  groupSize: number;
  seed: number;
  /** Names of the generator, evaluator, reward model and trainer used (absent when none was loaded). */
  components: { generator: string; evaluator: string; rewardModel?: string; policyTrainer?: string };
  /** Evaluator description at start: device names, concurrency. */
  devices: string[];
  createdAt: string;
  updatedAt: string;
  /** Requests and tokens the generator spent over the whole run (generators that call a model). */
  usage?: GenerationUsage;
  /** Tasks left by the user (`skip`); a resumed run leaves them too. */
  skippedTaskKeys?: string[];
  /** Error of a failed run. */
  error?: { code: string; message: string };
}

/** One evaluated candidate of a run, with everything the loop computed for it. */
export interface EvaluationRecord {
  runId: string;
  round: number;
  taskKey: string;
  /** The group the candidate was sampled in (one per task per round). */
  groupId: string;
  /** Position of the candidate in its group, as generated. */
  groupIndex: number;
  candidate: KernelCandidate;
  result: EvaluationResult;
  reward: RewardRecord;
  /**
   * The group-relative advantage, for archives written after the whole group was evaluated. The run loop
   * archives each candidate as soon as it is evaluated and leaves this unset: advantages follow from the
   * group's archived rewards, and a resumed run recomputes them.
   */
  advantage?: AdvantageRecord;
  archivedAt: string;
}

/** A generation that produced no candidate (a reply with no code...), kept so a resumed run does not redo it. */
export interface GenerationFailureRecord {
  runId: string;
  round: number;
  taskKey: string;
  code: string;
  reason: string;
  output?: string;
  archivedAt: string;
}

/** The policy after the update that closed `round`; its presence marks the round as complete. */
export interface PolicyCheckpointRecord {
  runId: string;
  round: number;
  checkpoint: PolicyCheckpoint;
  /** The trainer's report of the update, when there was one. */
  report?: PolicyUpdateReport;
  createdAt: string;
}

export interface EvaluationQuery {
  runId?: string;
  taskKey?: string;
  status?: EvaluationStatus | EvaluationStatus[];
  round?: number;
  /** Most records returned (default: all). */
  limit?: number;
}

/** A kernel found by source similarity, with its distance (smaller is closer). */
export interface SimilarKernel {
  record: EvaluationRecord;
  distance: number;
}

/**
 * Persistent store of runs, evaluated candidates and policy checkpoints.
 *
 * Invariants: a write returns only once it is durable (a crash afterwards loses nothing written); adding an
 * evaluation record that is already archived (same run, round, task and candidate id) is a no-op, so a resumed
 * run can never archive a candidate twice; reads return plain data equal to what was written.
 */
export interface RunArchive {
  /** Where the archive lives (a directory or a URI), for messages. */
  readonly location: string;
  createRun(record: RunRecord): Promise<void>;
  /** Replaces the named fields of a run; `updatedAt` is set by the archive. */
  updateRun(runId: string, patch: Partial<Omit<RunRecord, "runId" | "createdAt">>): Promise<void>;
  /** The run, or undefined when there is none with that id. */
  getRun(runId: string): Promise<RunRecord | undefined>;
  /** Every run, newest first. */
  listRuns(): Promise<RunRecord[]>;
  addEvaluations(records: readonly EvaluationRecord[]): Promise<void>;
  /** Evaluation records matching the query, ordered by round, task, then group index. */
  listEvaluations(query?: EvaluationQuery): Promise<EvaluationRecord[]>;
  addGenerationFailures(records: readonly GenerationFailureRecord[]): Promise<void>;
  listGenerationFailures(runId: string): Promise<GenerationFailureRecord[]>;
  saveCheckpoint(record: PolicyCheckpointRecord): Promise<void>;
  /** The checkpoint of the latest completed round of a run. */
  latestCheckpoint(runId: string): Promise<PolicyCheckpointRecord | undefined>;
  /** Archived kernels whose source is most like `source` (an embedding of the code), closest first. */
  similarKernels(
    source: string,
    options?: { limit?: number; taskKey?: string; runId?: string },
  ): Promise<SimilarKernel[]>;
  close(): Promise<void>;
}
