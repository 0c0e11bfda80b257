import { appendFile, mkdir } from "node:fs/promises";
import path from "node:path";
import type { KernelCandidate, PolicyGroup, RewardRecord } from "@kernelforge/core";

/**
 * One line of a trajectory file: a prompt, one completion sampled for it, and what that completion earned.
 * Keys are snake_case, as Python trainers expect; `prompt` and `completion` are TRL's prompt–completion columns.
 */
export interface TrajectoryRecord {
  group_id: string;
  task_key: string;
  prompt: string;
  completion: string;
  reward: number;
  advantage: number;
  candidate_id: string;
  /** The reward's basis (`speedup`, `compile_error`…), when the reward record was given. */
  basis?: string;
  generator: string;
  /** Version of the policy (model) that produced the completion and its log-probability, when recorded. */
  policy?: string;
  log_probability?: number;
}

export interface TrajectoryOptions {
  /** The group's prompt; default: each candidate's `provenance.prompt`. */
  prompt?: string;
  /** The completion text of a candidate; default: `defaultCompletion`. */
  completion?: (candidate: KernelCandidate) => string;
  /** Reward records by candidate id, to record each reward's basis. */
  rewards?: readonly RewardRecord[];
}

/** A group's trajectory records and the samples left out for lack of a prompt. */
export interface GroupTrajectory {
  records: TrajectoryRecord[];
  withoutPrompt: number;
}

/**
 * What a model wrote for a candidate, rebuilt from it: the commentary it gave beside the code, then the source
 * in a `cuda` fence. Pass `completion` to `trajectoryRecords` to use the model's raw text instead.
 */
export function defaultCompletion(candidate: KernelCandidate): string {
  const commentary = candidate.provenance.commentary?.trim();
  const code = `\`\`\`cuda\n${candidate.source.trimEnd()}\n\`\`\``;
  return commentary ? `${commentary}\n\n${code}` : code;
}

/** The records of one group: one per sample that has a prompt, in the group's order. */
export function trajectoryRecords(group: PolicyGroup, options: TrajectoryOptions = {}): GroupTrajectory {
  const completion = options.completion ?? defaultCompletion;
  const bases = new Map((options.rewards ?? []).map((record) => [record.candidateId, record.basis]));
  const records: TrajectoryRecord[] = [];
  let withoutPrompt = 0;
  for (const { candidate, advantage } of group.samples) {
    const prompt = options.prompt ?? candidate.provenance.prompt;
    if (prompt === undefined) {
      withoutPrompt++;
      continue;
    }
    const basis = bases.get(candidate.id);
    const sample = candidate.provenance.policySample;
    records.push({
      group_id: group.groupId,
      task_key: candidate.taskKey,
      prompt,
      completion: completion(candidate),
      reward: advantage.reward,
      advantage: advantage.advantage,
      candidate_id: candidate.id,
      ...(basis === undefined ? {} : { basis }),
      generator: candidate.provenance.generator,
      ...(sample ? { policy: sample.policy, log_probability: sample.logProbability } : {}),
    });
  }
  return { records, withoutPrompt };
}

/** JSON Lines: one record per line, each line ending in a newline. */
export function toJsonl(records: readonly TrajectoryRecord[]): string {
  return records.map((record) => `${JSON.stringify(record)}\n`).join("");
}

/** Appends records to a JSONL file, creating it and its directory when missing. */
export async function appendTrajectoryJsonl(
  file: string,
  records: readonly TrajectoryRecord[],
): Promise<void> {
  if (records.length === 0) return;
  await mkdir(path.dirname(file), { recursive: true });
  await appendFile(file, toJsonl(records), "utf8");
}
