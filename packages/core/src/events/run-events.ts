import type { EvaluationWorkerStatus } from "../contracts/gpu-evaluator.js";
import type { GenerationFailure, GenerationUsage } from "../contracts/kernel-generator.js";
import type { PolicyUpdateReport } from "../contracts/policy-trainer.js";
import type { EvaluationResult, MeasurementKind } from "../domain/evaluation-result.js";
import type { KernelCandidate } from "../domain/kernel-candidate.js";
import type { AdvantageRecord, RewardRecord } from "../domain/reward-record.js";
import { EventBus } from "./event-bus.js";

/**
 * Everything the run loop announces. The dashboard, the plain and JSON logs subscribe; none of them
 * reaches into the loop. Payloads are plain data (serializable as JSON lines for `--json`).
 */
export interface RunEvents {
  "run-started": {
    runId: string;
    rounds: number;
    /** Candidates generated per task per round (the group size G). */
    groupSize: number;
    taskKeys: string[];
    measurement: MeasurementKind;
    resumed: boolean;
    /** Names of the components at work. */
    components: { generator: string; evaluator: string; rewardModel?: string; policyTrainer?: string };
    /** Devices the evaluator spreads work over. */
    devices: string[];
  };
  "round-started": { runId: string; round: number };
  "task-started": { runId: string; round: number; taskKey: string };
  "passages-retrieved": { runId: string; taskKey: string; count: number; sources: string[] };
  "generator-text": { runId: string; taskKey: string; candidateIndex: number; text: string };
  "candidate-generated": { runId: string; round: number; candidate: KernelCandidate };
  "generation-failed": { runId: string; round: number; taskKey: string; failure: GenerationFailure };
  /** A generation call returned: how many candidates and failures it gave, and its model usage if any. */
  "generation-finished": {
    runId: string;
    round: number;
    taskKey: string;
    candidates: number;
    failures: number;
    usage?: GenerationUsage;
  };
  "evaluation-started": { runId: string; round: number; taskKey: string; candidateId: string };
  /** `restored`: the result was read back from the archive by a resumed run, not evaluated again. */
  "candidate-evaluated": {
    runId: string;
    round: number;
    groupIndex: number;
    result: EvaluationResult;
    restored: boolean;
  };
  "reward-computed": { runId: string; reward: RewardRecord; advantage?: AdvantageRecord };
  "policy-updated": { runId: string; round: number; report: PolicyUpdateReport };
  "round-finished": { runId: string; round: number; evaluated: number; bestSpeedups: Record<string, number> };
  "run-paused": { runId: string };
  "run-resumed": { runId: string };
  /** The task is left for the rest of the run; its evaluations in flight still finish and are archived. */
  "task-skipped": { runId: string; taskKey: string };
  /** A clean stop was asked for: in-flight work finishes, nothing new starts. */
  "run-stopping": { runId: string; inFlight: number };
  /** `cancelled`: stopped on request before every round was done (resumable). */
  "run-finished": {
    runId: string;
    status: "finished" | "cancelled";
    evaluated: number;
    durationMilliseconds: number;
  };
  "run-failed": { runId: string; error: { code: string; message: string } };
  /**
   * The live workers of an evaluator spread over several hosts (queue mode), published by the evaluator
   * whenever it polls them, outside any run too (`runId` is absent then).
   */
  "workers-updated": { runId?: string; evaluator: string; workers: EvaluationWorkerStatus[] };
  log: { level: "debug" | "info" | "warn" | "error"; source: string; message: string };
}

export type RunEventType = keyof RunEvents;

/** The event bus of a run. */
export class RunEventBus extends EventBus<RunEvents> {}
