import type {
  EvaluationQuery,
  EvaluationRecord,
  GenerationFailureRecord,
  PolicyCheckpointRecord,
  RunArchive,
  RunRecord,
  SimilarKernel,
} from "../contracts/run-archive.js";

/**
 * A RunArchive in memory: nothing survives the process. For plugin tests and throwaway runs; a run that must
 * be resumable uses a persistent archive (`@kernelforge/archive`). Records are copied on the way in and out, so
 * callers never share objects with the store. `similarKernels` ranks by the Jaccard distance of the sources'
 * token sets.
 */
export class MemoryRunArchive implements RunArchive {
  readonly location = "memory";
  readonly #runs = new Map<string, RunRecord>();
  readonly #evaluations: EvaluationRecord[] = [];
  readonly #evaluationKeys = new Set<string>();
  readonly #failures: GenerationFailureRecord[] = [];
  readonly #checkpoints: PolicyCheckpointRecord[] = [];

  async createRun(record: RunRecord): Promise<void> {
    if (this.#runs.has(record.runId)) throw new Error(`run ${record.runId} already exists`);
    this.#runs.set(record.runId, structuredClone(record));
  }

  async updateRun(runId: string, patch: Partial<Omit<RunRecord, "runId" | "createdAt">>): Promise<void> {
    const run = this.#runs.get(runId);
    if (!run) throw new Error(`no run ${runId}`);
    this.#runs.set(runId, { ...run, ...structuredClone(patch), updatedAt: new Date().toISOString() });
  }

  async getRun(runId: string): Promise<RunRecord | undefined> {
    const run = this.#runs.get(runId);
    return run ? structuredClone(run) : undefined;
  }

  async listRuns(): Promise<RunRecord[]> {
    return [...this.#runs.values()]
      .sort((a, b) => (a.createdAt < b.createdAt ? 1 : a.createdAt > b.createdAt ? -1 : 0))
      .map((run) => structuredClone(run));
  }

  async addEvaluations(records: readonly EvaluationRecord[]): Promise<void> {
    for (const record of records) {
      const key = `${record.runId}\0${record.round}\0${record.taskKey}\0${record.candidate.id}`;
      if (this.#evaluationKeys.has(key)) continue;
      this.#evaluationKeys.add(key);
      this.#evaluations.push(structuredClone(record));
    }
  }

  async listEvaluations(query: EvaluationQuery = {}): Promise<EvaluationRecord[]> {
    const statuses =
      query.status === undefined ? undefined : Array.isArray(query.status) ? query.status : [query.status];
    const found = this.#evaluations
      .filter(
        (record) =>
          (query.runId === undefined || record.runId === query.runId) &&
          (query.taskKey === undefined || record.taskKey === query.taskKey) &&
          (query.round === undefined || record.round === query.round) &&
          (statuses === undefined || statuses.includes(record.result.status)),
      )
      .sort(
        (a, b) =>
          a.round - b.round ||
          (a.taskKey < b.taskKey ? -1 : a.taskKey > b.taskKey ? 1 : 0) ||
          a.groupIndex - b.groupIndex,
      );
    return (query.limit === undefined ? found : found.slice(0, query.limit)).map((record) =>
      structuredClone(record),
    );
  }

  async addGenerationFailures(records: readonly GenerationFailureRecord[]): Promise<void> {
    this.#failures.push(...records.map((record) => structuredClone(record)));
  }

  async listGenerationFailures(runId: string): Promise<GenerationFailureRecord[]> {
    return this.#failures.filter((record) => record.runId === runId).map((record) => structuredClone(record));
  }

  async saveCheckpoint(record: PolicyCheckpointRecord): Promise<void> {
    this.#checkpoints.push(structuredClone(record));
  }

  async latestCheckpoint(runId: string): Promise<PolicyCheckpointRecord | undefined> {
    let latest: PolicyCheckpointRecord | undefined;
    for (const record of this.#checkpoints) {
      if (record.runId === runId && (!latest || record.round >= latest.round)) latest = record;
    }
    return latest ? structuredClone(latest) : undefined;
  }

  async similarKernels(
    source: string,
    options: { limit?: number; taskKey?: string; runId?: string } = {},
  ): Promise<SimilarKernel[]> {
    const tokens = tokenSet(source);
    return this.#evaluations
      .filter(
        (record) =>
          (options.taskKey === undefined || record.taskKey === options.taskKey) &&
          (options.runId === undefined || record.runId === options.runId),
      )
      .map((record) => ({
        record: structuredClone(record),
        distance: jaccardDistance(tokens, tokenSet(record.candidate.source)),
      }))
      .sort((a, b) => a.distance - b.distance)
      .slice(0, options.limit ?? 10);
  }

  async close(): Promise<void> {}
}

function tokenSet(source: string): Set<string> {
  return new Set(source.match(/[A-Za-z_][A-Za-z0-9_]*|\d+/g) ?? []);
}

function jaccardDistance(a: Set<string>, b: Set<string>): number {
  let shared = 0;
  for (const token of a) if (b.has(token)) shared += 1;
  const union = a.size + b.size - shared;
  return union === 0 ? 0 : 1 - shared / union;
}
