import { createHash } from "node:crypto";
import { type GemmTask, taskKey } from "./gemm-task.js";
import {
  type LaunchDescriptor,
  type LaunchDescriptorInput,
  launchDescriptorSchema,
} from "./launch-descriptor.js";

/** Where a candidate came from: which generator, from which parents, with which configuration or prompt. */
export interface CandidateProvenance {
  /** Name of the KernelGenerator that produced it. */
  generator: string;
  /** Ids of the candidates it was derived from (empty for a fresh sample). */
  parentIds: string[];
  /** The generator's configuration for this sample: a design-space point, or model and sampling settings. */
  configuration?: Record<string, unknown>;
  /** The prompt (LLM generators); never contains credentials. */
  prompt?: string;
  /** Free text the generator produced beside the code (an LLM's analysis). */
  commentary?: string;
  /** What the sampling policy chose and with which log-probability, for policy-gradient updates. */
  policySample?: { policy: string; choices: Record<string, string | number>; logProbability: number };
  /** ISO-8601 time of generation. */
  createdAt: string;
}

/**
 * A kernel proposed for one task: CUDA C++ device code only, the `extern "C" __global__` entry, and a concrete
 * launch. Candidates hold no host code: whatever the host must do is declared in `launch` and done by the
 * harness. A candidate is untrusted: it is compiled and run only in separate processes.
 */
export interface KernelCandidate {
  /** Content hash of source, entry and launch: equal candidates have equal ids. */
  id: string;
  taskKey: string;
  source: string;
  entry: string;
  launch: LaunchDescriptor;
  provenance: CandidateProvenance;
}

/** The content address of a candidate: sha256 over task key, entry, launch and source, hex, 24 characters. */
export function candidateId(parts: Pick<KernelCandidate, "taskKey" | "source" | "entry" | "launch">): string {
  const hash = createHash("sha256");
  hash.update(parts.taskKey);
  hash.update("\0");
  hash.update(parts.entry);
  hash.update("\0");
  hash.update(stableStringify(parts.launch));
  hash.update("\0");
  hash.update(parts.source);
  return hash.digest("hex").slice(0, 24);
}

/** JSON with object keys sorted, so that equal values always serialize (and hash) equally. */
export function stableStringify(value: unknown): string {
  if (value === null || typeof value !== "object") return JSON.stringify(value) ?? "null";
  if (Array.isArray(value)) return `[${value.map(stableStringify).join(",")}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, entry]) => entry !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([key, entry]) => `${JSON.stringify(key)}:${stableStringify(entry)}`).join(",")}}`;
}

/**
 * Builds a candidate for a task from its source, entry, launch (validated and defaulted here) and provenance,
 * with its task key and content-addressed id filled in. Throws when the launch descriptor is invalid.
 */
export function createCandidate(parts: {
  task: GemmTask;
  source: string;
  entry: string;
  launch: LaunchDescriptorInput;
  provenance: CandidateProvenance;
}): KernelCandidate {
  const launch = launchDescriptorSchema.parse(parts.launch);
  const key = taskKey(parts.task);
  return {
    id: candidateId({ taskKey: key, source: parts.source, entry: parts.entry, launch }),
    taskKey: key,
    source: parts.source,
    entry: parts.entry,
    launch,
    provenance: parts.provenance,
  };
}
