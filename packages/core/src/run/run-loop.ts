import { setMaxListeners } from "node:events";
import { API_VERSION } from "../api-version.js";
import type { KernelForgeConfig } from "../config/config-schema.js";
import type { ContextSelector } from "../contracts/context-selector.js";
import type { GpuEvaluator } from "../contracts/gpu-evaluator.js";
import type { GenerationFailure, GenerationUsage, KernelGenerator } from "../contracts/kernel-generator.js";
import type { PolicyCheckpoint, PolicyGroup, PolicyTrainer } from "../contracts/policy-trainer.js";
import type { Retriever } from "../contracts/retriever.js";
import type { RewardModel } from "../contracts/reward-model.js";
import type {
  EvaluationRecord,
  GenerationFailureRecord,
  RunArchive,
  RunRecord,
  RunStatus,
} from "../contracts/run-archive.js";
import type { RetrievedPassage } from "../domain/doc-chunk.js";
import type { MeasurementKind } from "../domain/evaluation-result.js";
import {
  type BLayout,
  createGemmTask,
  type GemmTask,
  parseShape,
  parseTaskKey,
  taskKey,
} from "../domain/gemm-task.js";
import type { KernelCandidate } from "../domain/kernel-candidate.js";
import { describeError, KernelForgeError } from "../errors/kernelforge-error.js";
import type { RunEventBus } from "../events/run-events.js";
import { ConcurrencyLimit } from "./concurrency-limit.js";
import { groupRelativeAdvantages } from "./group-advantages.js";
import type { RunControl } from "./run-control.js";
import { groupId, groupSeed, newRunId, RUN_ID_PATTERN } from "./run-identity.js";
import { headlineSpeedup, selectContext } from "./select-context.js";

/** What a run is made of: the chosen implementations of the contracts, the archive and the event bus. */
export interface RunComponents {
  generator: KernelGenerator;
  evaluator: GpuEvaluator;
  rewardModel: RewardModel;
  /** Without a trainer the loop samples without a learned policy (and still archives every round). */
  policyTrainer?: PolicyTrainer | undefined;
  retrievers?: readonly Retriever[];
  /** Chooses the contrastive context; without one, the task's own fastest kernels and latest failures. */
  contextSelector?: ContextSelector | undefined;
  archive: RunArchive;
  events: RunEventBus;
}

export interface RunLoopOptions {
  /** Hard cancellation: evaluations in flight are abandoned, the run ends as `cancelled`. */
  signal?: AbortSignal;
  /** Evaluations in flight at once (default: what the evaluator describes). */
  concurrency?: number;
}

export interface RunSummary {
  runId: string;
  status: RunStatus;
  measurement: MeasurementKind;
  /** Candidates evaluated by this invocation. */
  evaluated: number;
  /** Results read back from the archive instead of evaluated again (resumed runs). */
  restored: number;
  /** Rounds complete (policy updated and checkpointed), in total. */
  roundsCompleted: number;
  /** Best headline speedup (cold over the best baseline) per task key, over the whole run. */
  bestSpeedups: Record<string, number>;
  /** Requests and tokens the generator spent over the whole run, when it reports them. */
  usage?: GenerationUsage;
  durationMilliseconds: number;
}

/** The tasks of a config: every shape in every layout, for the configured arch. */
export function tasksFromConfig(config: KernelForgeConfig): GemmTask[] {
  const tasks: GemmTask[] = [];
  const seen = new Set<string>();
  for (const shape of config.tasks.shapes) {
    const [dimensions = shape, only] = shape.split(":");
    const layouts = only ? [only as BLayout] : config.tasks.layouts;
    for (const layout of layouts) {
      const task = createGemmTask({ ...parseShape(dimensions), layout, arch: config.tasks.arch });
      if (seen.has(taskKey(task))) continue;
      seen.add(taskKey(task));
      tasks.push(task);
    }
  }
  return tasks;
}

const NO_TRAINER = "none";

/**
 * The search loop (docs/architecture.md, "The run loop"): for each round, for each task — retrieve → generate a group →
 * evaluate (bounded concurrency; tasks overlap so that generation and evaluation are pipelined) → reward →
 * group-relative advantages → policy update → archive. Every evaluated candidate is archived as soon as it
 * is evaluated; a round is complete once its policy checkpoint is archived. A resumed run restores the
 * checkpoint of its last complete round, draws the same groups (group seeds depend on run seed, round and
 * task only) and evaluates only what the archive does not hold.
 *
 * The loop is also the run's control: pause, skip a task, stop cleanly.
 */
export class RunLoop implements RunControl {
  readonly #components: RunComponents;
  readonly #options: RunLoopOptions;
  #paused = false;
  #stopping = false;
  #resumeWaiters: (() => void)[] = [];
  readonly #skipped = new Set<string>();
  #runId: string | undefined;
  #inFlight = 0;
  #started = false;

  constructor(components: RunComponents, options: RunLoopOptions = {}) {
    this.#components = components;
    this.#options = options;
    // The run's signal reaches every evaluation, compile and device wait in flight, each listening for the abort
    // until it ends: dozens at once is the design, not a leak, so Node's warning past ten is turned off for it.
    if (options.signal) setMaxListeners(0, options.signal);
  }

  get paused(): boolean {
    return this.#paused;
  }

  get stopping(): boolean {
    return this.#stopping;
  }

  /** The id of the run once started. */
  get runId(): string | undefined {
    return this.#runId;
  }

  pause(): void {
    if (this.#paused || this.#stopping) return;
    this.#paused = true;
    if (this.#runId) this.#components.events.emit("run-paused", { runId: this.#runId });
  }

  resume(): void {
    if (!this.#paused) return;
    this.#paused = false;
    this.#wakeWaiters();
    if (this.#runId) this.#components.events.emit("run-resumed", { runId: this.#runId });
  }

  skipTask(key: string): void {
    if (this.#skipped.has(key)) return;
    this.#skipped.add(key);
    if (this.#runId) {
      this.#components.events.emit("task-skipped", { runId: this.#runId, taskKey: key });
      // Kept with the run, so that a resumed run leaves the task too; the loop's own writes report failures.
      this.#components.archive
        .updateRun(this.#runId, { skippedTaskKeys: [...this.#skipped] })
        .catch(() => undefined);
    }
  }

  stop(): void {
    if (this.#stopping) return;
    this.#stopping = true;
    this.#paused = false;
    this.#wakeWaiters();
    if (this.#runId) {
      this.#components.events.emit("run-stopping", { runId: this.#runId, inFlight: this.#inFlight });
    }
  }

  /** Starts a new run of `config`. */
  async start(config: KernelForgeConfig, runId: string = newRunId()): Promise<RunSummary> {
    this.#claim();
    if (!RUN_ID_PATTERN.test(runId)) {
      throw new KernelForgeError("invalid_run_id", `Not a usable run id: ${JSON.stringify(runId)}`, {
        hint: "Use letters, digits, '-', '_' and '.', starting with a letter or digit.",
      });
    }
    const { archive, generator, evaluator, rewardModel, policyTrainer } = this.#components;
    if (await archive.getRun(runId)) {
      throw new KernelForgeError(
        "run_exists",
        `A run named ${runId} is already archived in ${archive.location}`,
        {
          hint: `Continue it with \`kforge run --resume ${runId}\`, or choose another id.`,
        },
      );
    }
    const description = await evaluator.describe({ signal: this.#options.signal });
    const tasks = tasksFromConfig(config);
    const now = new Date().toISOString();
    const run: RunRecord = {
      runId,
      status: "running",
      measurement: description.measurement,
      config,
      taskKeys: tasks.map(taskKey),
      rounds: config.search.rounds,
      groupSize: config.search.groupSize,
      seed: config.search.seed,
      components: {
        generator: generator.name,
        evaluator: evaluator.name,
        rewardModel: rewardModel.name,
        ...(policyTrainer ? { policyTrainer: policyTrainer.name } : {}),
      },
      devices: description.devices,
      createdAt: now,
      updatedAt: now,
    };
    await archive.createRun(run);
    return this.#execute(run, false, description.concurrency);
  }

  /** Continues an archived run that was stopped, killed or failed. */
  async resumeRun(runId: string): Promise<RunSummary> {
    this.#claim();
    const { archive, generator, evaluator, policyTrainer } = this.#components;
    const run = await archive.getRun(runId);
    if (!run) {
      const known = (await archive.listRuns()).slice(0, 5).map((entry) => entry.runId);
      throw new KernelForgeError("run_not_found", `No run ${JSON.stringify(runId)} in ${archive.location}`, {
        hint: known.length ? `Recent runs: ${known.join(", ")}.` : "The archive holds no runs yet.",
      });
    }
    if (run.status === "finished") {
      throw new KernelForgeError("run_finished", `Run ${runId} already finished`, {
        hint: "Start a new run; `kforge report` and `kforge export` read finished runs.",
      });
    }
    const description = await evaluator.describe({ signal: this.#options.signal });
    if (description.measurement !== run.measurement) {
      throw new KernelForgeError(
        "measurement_mismatch",
        `Run ${runId} was ${run.measurement}, but this machine's evaluator is ${description.measurement}`,
        {
          hint: "Measured and estimated results are never mixed: resume it where it was started, or start a new run.",
        },
      );
    }
    if (run.components.generator !== generator.name || run.components.evaluator !== evaluator.name) {
      throw new KernelForgeError(
        "components_changed",
        `Run ${runId} used ${run.components.generator} and ${run.components.evaluator}; loaded are ${generator.name} and ${evaluator.name}`,
        { hint: "Resume with the same plugins (the run's config is archived with it)." },
      );
    }
    if ((run.components.policyTrainer ?? NO_TRAINER) !== (policyTrainer?.name ?? NO_TRAINER)) {
      throw new KernelForgeError(
        "components_changed",
        `Run ${runId} used policy trainer ${run.components.policyTrainer ?? "none"}; loaded is ${policyTrainer?.name ?? "none"}`,
        { hint: "Resume with the same plugins (the run's config is archived with it)." },
      );
    }
    for (const key of run.skippedTaskKeys ?? []) this.#skipped.add(key);
    await archive.updateRun(runId, { status: "running" });
    return this.#execute({ ...run, status: "running" }, true, description.concurrency);
  }

  #claim(): void {
    if (this.#started) throw new KernelForgeError("run_loop_used", "A RunLoop runs one run; create another");
    this.#started = true;
  }

  async #execute(run: RunRecord, resumed: boolean, describedConcurrency: number): Promise<RunSummary> {
    const { archive, events, policyTrainer } = this.#components;
    const signal = this.#options.signal;
    const startedAt = performance.now();
    this.#runId = run.runId;
    const tasks = run.taskKeys.map(parseTaskKey);
    const concurrency = Math.max(1, Math.floor(this.#options.concurrency ?? describedConcurrency));
    const limit = new ConcurrencyLimit(concurrency);
    const counters = { evaluated: 0, restored: 0 };

    events.emit("run-started", {
      runId: run.runId,
      rounds: run.rounds,
      groupSize: run.groupSize,
      taskKeys: run.taskKeys,
      measurement: run.measurement,
      resumed,
      components: run.components,
      devices: run.devices,
    });
    for (const key of this.#skipped) events.emit("task-skipped", { runId: run.runId, taskKey: key });
    if (this.#paused) events.emit("run-paused", { runId: run.runId });
    if (this.#stopping) events.emit("run-stopping", { runId: run.runId, inFlight: 0 });

    let roundsCompleted = 0;
    try {
      const history = await archive.listEvaluations({ runId: run.runId });
      const failures = await archive.listGenerationFailures(run.runId);
      const checkpoint = await archive.latestCheckpoint(run.runId);
      if (checkpoint) {
        if (policyTrainer && checkpoint.checkpoint.trainer !== NO_TRAINER) {
          await policyTrainer.restore(checkpoint.checkpoint);
        }
        roundsCompleted = checkpoint.round + 1;
      }
      for (let round = roundsCompleted; round < run.rounds; round += 1) {
        if (this.#stopping) break;
        signal?.throwIfAborted();
        events.emit("round-started", { runId: run.runId, round });
        const active = tasks.filter((task) => !this.#skipped.has(taskKey(task)));
        const parallelTasks = Math.min(
          Math.max(1, active.length),
          Math.max(2, Math.ceil((2 * concurrency) / run.groupSize)),
        );
        const groups = await mapLimited(active, parallelTasks, (task) =>
          this.#runGroup(run, round, task, { history, failures, limit, counters }),
        );
        signal?.throwIfAborted();
        if (this.#stopping && groups.some((group) => group.incomplete)) break;
        const policyGroups = groups
          .filter((group) => group.samples.length >= 2)
          .map(({ task, groupId: id, samples }) => ({ task, groupId: id, samples }));
        let report: Awaited<ReturnType<PolicyTrainer["update"]>> | undefined;
        let saved: PolicyCheckpoint;
        if (policyTrainer) {
          report = await policyTrainer.update(policyGroups, signal ? { signal } : {});
          events.emit("policy-updated", { runId: run.runId, round, report });
          saved = await policyTrainer.checkpoint();
        } else {
          saved = { trainer: NO_TRAINER, apiVersion: API_VERSION, version: NO_TRAINER, state: null };
        }
        await archive.saveCheckpoint({
          runId: run.runId,
          round,
          checkpoint: saved,
          ...(report ? { report } : {}),
          createdAt: new Date().toISOString(),
        });
        roundsCompleted = round + 1;
        events.emit("round-finished", {
          runId: run.runId,
          round,
          evaluated: history.filter((record) => record.round === round).length,
          bestSpeedups: bestSpeedups(history),
        });
      }
      const status: RunStatus = roundsCompleted >= run.rounds ? "finished" : "cancelled";
      return await this.#finish(run, status, roundsCompleted, history, counters, startedAt);
    } catch (error) {
      if (signal?.aborted) {
        const history = await archive.listEvaluations({ runId: run.runId }).catch(() => []);
        return await this.#finish(run, "cancelled", roundsCompleted, history, counters, startedAt);
      }
      const code = error instanceof KernelForgeError ? error.code : "run_failed";
      const message = describeError(error);
      await archive
        .updateRun(run.runId, { status: "failed", error: { code, message } })
        .catch(() => undefined);
      events.emit("run-failed", { runId: run.runId, error: { code, message } });
      throw error;
    }
  }

  async #finish(
    run: RunRecord,
    status: RunStatus,
    roundsCompleted: number,
    history: readonly EvaluationRecord[],
    counters: { evaluated: number; restored: number },
    startedAt: number,
  ): Promise<RunSummary> {
    const { archive, events } = this.#components;
    await archive.updateRun(run.runId, { status, skippedTaskKeys: [...this.#skipped] });
    const durationMilliseconds = performance.now() - startedAt;
    events.emit("run-finished", {
      runId: run.runId,
      status: status === "finished" ? "finished" : "cancelled",
      evaluated: counters.evaluated,
      durationMilliseconds,
    });
    return {
      runId: run.runId,
      status,
      measurement: run.measurement,
      evaluated: counters.evaluated,
      restored: counters.restored,
      roundsCompleted,
      bestSpeedups: bestSpeedups(history),
      ...(run.usage ? { usage: run.usage } : {}),
      durationMilliseconds,
    };
  }

  /** One task in one round: its group, generated (or restored) and evaluated. */
  async #runGroup(
    run: RunRecord,
    round: number,
    task: GemmTask,
    state: {
      history: EvaluationRecord[];
      failures: GenerationFailureRecord[];
      limit: ConcurrencyLimit;
      counters: { evaluated: number; restored: number };
    },
  ): Promise<GroupOutcome> {
    const { events, generator, policyTrainer } = this.#components;
    const signal = this.#options.signal;
    const key = taskKey(task);
    const id = groupId(run.runId, round, key);
    const archived = state.history.filter((record) => record.round === round && record.taskKey === key);
    const archivedFailures = state.failures.filter(
      (record) => record.round === round && record.taskKey === key,
    );
    const outcome: GroupOutcome = { task, groupId: id, samples: [], incomplete: false };
    events.emit("task-started", { runId: run.runId, round, taskKey: key });
    for (const record of archived) {
      state.counters.restored += 1;
      events.emit("candidate-evaluated", {
        runId: run.runId,
        round,
        groupIndex: record.groupIndex,
        result: record.result,
        restored: true,
      });
    }
    const members = [...archived];
    if (archived.length + archivedFailures.length < run.groupSize) {
      await this.#waitWhilePaused();
      if (this.#stopping || this.#skipped.has(key)) {
        outcome.incomplete = true;
        return this.#closeGroup(run, outcome, members);
      }
      signal?.throwIfAborted();
      const recentFailures = state.history
        .filter((record) => record.taskKey === key && record.result.status !== "ok")
        .slice(-2)
        .map((record) => record.result.reasonCode ?? record.result.status);
      const passages = await this.#retrieve(task, run.config.search.passages, recentFailures);
      if (passages.length > 0) {
        events.emit("passages-retrieved", {
          runId: run.runId,
          taskKey: key,
          count: passages.length,
          sources: [...new Set(passages.map((passage) => passage.chunk.source))],
        });
      }
      const context = this.#components.contextSelector
        ? this.#components.contextSelector.select(task, state.history, { measurement: run.measurement })
        : selectContext(state.history.filter((record) => record.taskKey === key));
      const generation = await generator.generate(
        {
          task,
          count: run.groupSize,
          round,
          seed: groupSeed(run.seed, round, key),
          ...(passages.length ? { passages } : {}),
          ...(context.length ? { context } : {}),
          ...(policyTrainer ? { policy: policyTrainer.policy() } : {}),
        },
        {
          ...(signal ? { signal } : {}),
          onText: (candidateIndex, text) =>
            events.emit("generator-text", { runId: run.runId, taskKey: key, candidateIndex, text }),
        },
      );
      events.emit("generation-finished", {
        runId: run.runId,
        round,
        taskKey: key,
        candidates: generation.candidates.length,
        failures: generation.failures.length,
        ...(generation.usage ? { usage: generation.usage } : {}),
      });
      if (generation.usage) await this.#addUsage(run, generation.usage);
      if (archivedFailures.length === 0 && generation.failures.length > 0) {
        await this.#archiveFailures(run, round, key, generation.failures, state.failures);
      }
      const archivedIds = new Set(archived.map((record) => record.candidate.id));
      const seen = new Set<string>();
      const fresh: { candidate: KernelCandidate; groupIndex: number }[] = [];
      generation.candidates.forEach((candidate, groupIndex) => {
        if (archivedIds.has(candidate.id) || seen.has(candidate.id)) return;
        seen.add(candidate.id);
        fresh.push({ candidate, groupIndex });
      });
      const room = Math.max(0, run.groupSize - archived.length - archivedFailures.length);
      const toEvaluate = fresh.slice(0, room);
      for (const { candidate } of toEvaluate) {
        events.emit("candidate-generated", { runId: run.runId, round, candidate });
      }
      const evaluated = await Promise.all(
        toEvaluate.map((entry) => this.#evaluateOne(run, round, task, id, entry, state)),
      );
      for (const record of evaluated) {
        if (record) members.push(record);
        else outcome.incomplete = true;
      }
    }
    return this.#closeGroup(run, outcome, members);
  }

  #closeGroup(run: RunRecord, outcome: GroupOutcome, members: EvaluationRecord[]): GroupOutcome {
    members.sort((a, b) => a.groupIndex - b.groupIndex);
    const advantages = groupRelativeAdvantages(
      members.map((record) => record.reward),
      outcome.groupId,
    );
    members.forEach((record, index) => {
      const advantage = advantages[index];
      if (!advantage) return;
      outcome.samples.push({ candidate: record.candidate, advantage });
      this.#components.events.emit("reward-computed", { runId: run.runId, reward: record.reward, advantage });
    });
    return outcome;
  }

  async #evaluateOne(
    run: RunRecord,
    round: number,
    task: GemmTask,
    id: string,
    entry: { candidate: KernelCandidate; groupIndex: number },
    state: { history: EvaluationRecord[]; limit: ConcurrencyLimit; counters: { evaluated: number } },
  ): Promise<EvaluationRecord | undefined> {
    const { archive, events, evaluator, rewardModel } = this.#components;
    const signal = this.#options.signal;
    const key = taskKey(task);
    await this.#waitWhilePaused();
    if (this.#stopping || this.#skipped.has(key)) return undefined;
    const release = await state.limit.acquire();
    try {
      await this.#waitWhilePaused();
      if (this.#stopping || this.#skipped.has(key)) return undefined;
      signal?.throwIfAborted();
      this.#inFlight += 1;
      events.emit("evaluation-started", {
        runId: run.runId,
        round,
        taskKey: key,
        candidateId: entry.candidate.id,
      });
      let result: Awaited<ReturnType<GpuEvaluator["evaluate"]>>;
      try {
        result = await evaluator.evaluate(entry.candidate, task, signal ? { signal } : {});
      } finally {
        this.#inFlight -= 1;
      }
      const reward = await rewardModel.score(result, task, signal ? { signal } : {});
      const record: EvaluationRecord = {
        runId: run.runId,
        round,
        taskKey: key,
        groupId: id,
        groupIndex: entry.groupIndex,
        candidate: entry.candidate,
        result,
        reward,
        archivedAt: new Date().toISOString(),
      };
      await archive.addEvaluations([record]);
      state.history.push(record);
      state.counters.evaluated += 1;
      events.emit("candidate-evaluated", {
        runId: run.runId,
        round,
        groupIndex: entry.groupIndex,
        result,
        restored: false,
      });
      return record;
    } finally {
      release();
    }
  }

  /** Adds a generation's usage to the run's totals, kept with the run record (a resumed run continues them). */
  async #addUsage(run: RunRecord, usage: GenerationUsage): Promise<void> {
    const total = run.usage ?? { requests: 0, inputTokens: 0, outputTokens: 0 };
    run.usage = {
      requests: total.requests + usage.requests,
      inputTokens: total.inputTokens + usage.inputTokens,
      outputTokens: total.outputTokens + usage.outputTokens,
    };
    await this.#components.archive.updateRun(run.runId, { usage: run.usage });
  }

  async #archiveFailures(
    run: RunRecord,
    round: number,
    key: string,
    generated: readonly GenerationFailure[],
    known: GenerationFailureRecord[],
  ): Promise<void> {
    const records: GenerationFailureRecord[] = generated.map((failure) => ({
      runId: run.runId,
      round,
      taskKey: key,
      code: failure.code,
      reason: failure.reason,
      ...(failure.output !== undefined ? { output: failure.output } : {}),
      archivedAt: new Date().toISOString(),
    }));
    await this.#components.archive.addGenerationFailures(records);
    known.push(...records);
    for (const failure of generated) {
      this.#components.events.emit("generation-failed", { runId: run.runId, round, taskKey: key, failure });
    }
  }

  /**
   * Passages from every retriever, interleaved by rank (their scores are not comparable), at most `limit`. The
   * query names the task (shape, layout, arch; skinny shapes as memory-bound GEMV-like work) and the task's
   * latest failure reasons, so that a generator that failed gets the notes about its failure.
   */
  async #retrieve(
    task: GemmTask,
    limit: number,
    recentFailures: readonly string[],
  ): Promise<RetrievedPassage[]> {
    const retrievers = this.#components.retrievers ?? [];
    if (limit === 0 || retrievers.length === 0) return [];
    const skinny = Math.min(task.m, task.n) <= 64;
    const text = [
      `HGEMM fp16 in, fp32 accumulate, ${task.m}x${task.n}x${task.k}, B ${task.layout === "nn" ? "row-major KxN" : "NxK (x @ W.T)"}, ${task.arch}:`,
      skinny
        ? "skinny memory-bound GEMV-like kernel, split-K, vectorized loads, bandwidth"
        : "tensor core tiling, mma, shared memory pipelining, occupancy",
      ...(recentFailures.length ? [`failures: ${recentFailures.join(", ")}`] : []),
    ].join(" ");
    const signal = this.#options.signal;
    const lists = await Promise.all(
      retrievers.map((retriever) => retriever.retrieve({ text, task, limit }, signal ? { signal } : {})),
    );
    const merged: RetrievedPassage[] = [];
    const seen = new Set<string>();
    for (let rank = 0; merged.length < limit && lists.some((list) => rank < list.length); rank += 1) {
      for (const list of lists) {
        const passage = list[rank];
        if (!passage || seen.has(passage.chunk.id)) continue;
        seen.add(passage.chunk.id);
        merged.push(passage);
        if (merged.length >= limit) break;
      }
    }
    return merged;
  }

  async #waitWhilePaused(): Promise<void> {
    const signal = this.#options.signal;
    while (this.#paused && !this.#stopping && !signal?.aborted) {
      let onAbort: (() => void) | undefined;
      await new Promise<void>((resolve) => {
        onAbort = () => resolve();
        this.#resumeWaiters.push(resolve);
        signal?.addEventListener("abort", onAbort, { once: true });
      });
      // Woken by a resume, the abort listener would otherwise stay on the signal for the rest of the run.
      if (onAbort) signal?.removeEventListener("abort", onAbort);
    }
  }

  #wakeWaiters(): void {
    const waiters = this.#resumeWaiters;
    this.#resumeWaiters = [];
    for (const wake of waiters) wake();
  }
}

interface GroupOutcome extends PolicyGroup {
  /** Some of the group was never evaluated (stopped, skipped). */
  incomplete: boolean;
}

/** Best headline speedup per task over the given records. */
export function bestSpeedups(records: readonly EvaluationRecord[]): Record<string, number> {
  const best: Record<string, number> = {};
  for (const record of records) {
    const speedup = headlineSpeedup(record.result);
    if (speedup === undefined) continue;
    if (best[record.taskKey] === undefined || speedup > (best[record.taskKey] as number)) {
      best[record.taskKey] = speedup;
    }
  }
  return best;
}

/** Maps with at most `limit` calls in flight, keeping the order of the results. */
async function mapLimited<Item, Result>(
  items: readonly Item[],
  limit: number,
  work: (item: Item) => Promise<Result>,
): Promise<Result[]> {
  const results: Result[] = new Array(items.length);
  let next = 0;
  const workers = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) {
      const index = next;
      next += 1;
      results[index] = await work(items[index] as Item);
    }
  });
  await Promise.all(workers);
  return results;
}
