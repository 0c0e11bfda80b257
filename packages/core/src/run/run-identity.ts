import { createHash, randomBytes } from "node:crypto";

/** A new run id: `run-YYYYMMDD-HHMMSS-xxxx` (UTC time and four random hex digits), sortable by start time. */
export function newRunId(now: Date = new Date()): string {
  const stamp = now.toISOString().replace(/[-:]/g, "").replace("T", "-").slice(0, 15);
  return `run-${stamp}-${randomBytes(2).toString("hex")}`;
}

/** Run ids are used in file names and archive filters: letters, digits, `-`, `_` and `.` only. */
export const RUN_ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;

/**
 * The seed of one group: a hash of the run's seed, the round and the task key, so that a resumed run draws
 * exactly the groups a clean run draws, whatever order the tasks are worked on in.
 */
export function groupSeed(runSeed: number, round: number, taskKey: string): number {
  const digest = createHash("sha256").update(`${runSeed}\0${round}\0${taskKey}`).digest();
  return digest.readUInt32BE(0) & 0x7fffffff;
}

/** The id of the group of one task in one round. */
export function groupId(runId: string, round: number, taskKey: string): string {
  return `${runId}/${round}/${taskKey}`;
}
