import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath, pathToFileURL } from "node:url";
import type { EvaluationRecord } from "@kernelforge/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openRunArchive } from "../src/index.js";
import { candidateFor, evaluationFor, TASK_LINEAR, TASK_SQUARE, tiledSource } from "./fixtures.js";

const packageRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const builtEntry = path.join(packageRoot, "dist", "index.js");

/** The writer: opens the archive from the built package, adds batch after batch, acknowledging each on stdout. */
const WRITER = `
import { readFileSync } from "node:fs";
const [entry, location, batchesFile] = process.argv.slice(2);
const { openRunArchive } = await import(entry);
const batches = JSON.parse(readFileSync(batchesFile, "utf8"));
const archive = await openRunArchive(location);
for (let index = 0; index < batches.length; index++) {
  await archive.addEvaluations(batches[index]);
  process.stdout.write("written " + index + "\\n");
}
process.stdout.write("all written\\n");
setInterval(() => {}, 1000);
`;

const BATCH_SIZE = 8;
const BATCHES = 40;
const KILL_AFTER = 5;

let directory: string;

beforeAll(() => {
  // The writer runs the built package, as a separate program would (`npm test` builds before running vitest).
  if (!existsSync(builtEntry)) {
    throw new Error(
      `${builtEntry} is missing: run \`npx turbo run build --filter=@kernelforge/archive\` first`,
    );
  }
  directory = mkdtempSync(path.join(tmpdir(), "kforge-archive-crash-"));
});

afterAll(() => {
  rmSync(directory, { recursive: true, force: true });
});

describe("a writer killed mid-run", () => {
  it("loses no write that had resolved, and half of none", async () => {
    const batches: EvaluationRecord[][] = [];
    for (let batch = 0; batch < BATCHES; batch++) {
      batches.push(
        Array.from({ length: BATCH_SIZE }, (_, groupIndex) =>
          evaluationFor(
            candidateFor(
              batch % 2 ? TASK_LINEAR : TASK_SQUARE,
              `${tiledSource(16 * (1 + (groupIndex % 4)))}// ${groupIndex}`,
            ),
            { runId: "run-crash", round: batch, groupIndex },
          ),
        ),
      );
    }
    const location = path.join(directory, "archive");
    const batchesFile = path.join(directory, "batches.json");
    const script = path.join(directory, "writer.mjs");
    writeFileSync(batchesFile, JSON.stringify(batches));
    writeFileSync(script, WRITER);

    const child = spawn(process.execPath, [script, pathToFileURL(builtEntry).href, location, batchesFile], {
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stderr = "";
    child.stderr.on("data", (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    const acknowledged: number[] = [];
    const exited = new Promise<NodeJS.Signals | null>((resolve) =>
      child.on("exit", (_code, signal) => resolve(signal)),
    );
    for await (const line of createInterface({ input: child.stdout })) {
      const match = /^written (\d+)$/.exec(line);
      if (match) acknowledged.push(Number(match[1]));
      if (acknowledged.length === KILL_AFTER) child.kill("SIGKILL");
    }
    const signal = await exited;
    expect(stderr).not.toMatch(/error/i);
    expect(signal).toBe("SIGKILL");
    expect(acknowledged.slice(0, KILL_AFTER)).toEqual([0, 1, 2, 3, 4]);
    // Killed mid-run, not after the last batch.
    expect(acknowledged.length).toBeLessThan(BATCHES);

    const archive = await openRunArchive(location);
    try {
      const archived = await archive.listEvaluations({ runId: "run-crash" });
      const rounds = new Set(archived.map((record) => record.round));
      for (const batch of acknowledged) {
        const expected = batches[batch] ?? [];
        expect(archived.filter((record) => record.round === batch)).toStrictEqual(expected);
      }
      // A batch is one commit: it is either wholly archived or not at all.
      expect(archived.length).toBe(rounds.size * BATCH_SIZE);
      expect(rounds.size).toBeGreaterThanOrEqual(acknowledged.length);

      // The resumed run re-adds everything: nothing doubles, the rest arrives.
      await archive.addEvaluations(batches.flat());
      expect(await archive.listEvaluations({ runId: "run-crash" })).toHaveLength(BATCHES * BATCH_SIZE);
    } finally {
      await archive.close();
    }
  });
});
