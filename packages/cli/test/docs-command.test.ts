import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { main } from "../src/main.js";
import { captureContext } from "./capture-context.js";

const repositoryRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../..");
const corpus = path.join(repositoryRoot, "datasets", "cuda-docs");

describe("kforge docs", () => {
  it("ingests the CUDA docs corpus, skips it unchanged the second time, and finds the right note", async () => {
    const directory = mkdtempSync(path.join(tmpdir(), "kforge-docs-"));
    const first = captureContext(directory);
    expect(await main(["docs", "ingest", corpus, "--json"], first.context)).toBe(0);
    const report = JSON.parse(first.stdout()) as {
      files: number;
      chunks: number;
      skipped: number;
      failed: unknown[];
    };
    expect(report.files).toBeGreaterThanOrEqual(40);
    expect(report.chunks).toBeGreaterThan(report.files * 3);
    expect(report.failed).toEqual([]);

    const again = captureContext(directory);
    expect(await main(["docs", "ingest", corpus, "--json"], again.context)).toBe(0);
    const second = JSON.parse(again.stdout()) as { files: number; skipped: number; chunks: number };
    expect(second.skipped).toBe(report.files);
    expect(second.chunks).toBe(0);

    const search = captureContext(directory);
    expect(
      await main(
        ["docs", "search", "ldmatrix", "x4", "trans", "for", "the", "B", "operand", "--json"],
        search.context,
      ),
    ).toBe(0);
    const found = JSON.parse(search.stdout()) as {
      passages: { chunk: { source: string; section?: string } }[];
    };
    expect(found.passages.length).toBeGreaterThan(0);
    expect(found.passages.slice(0, 3).some((passage) => passage.chunk.source.endsWith("ldmatrix.md"))).toBe(
      true,
    );

    const stats = captureContext(directory);
    expect(await main(["docs", "stats", "--json"], stats.context)).toBe(0);
    expect(JSON.parse(stats.stdout())).toMatchObject({ files: report.files, chunks: report.chunks });
  }, 120_000);

  it("says what was wrong: no path, a missing path, a binary file among good ones, an unknown action", async () => {
    const directory = mkdtempSync(path.join(tmpdir(), "kforge-docs-bad-"));
    const none = captureContext(directory);
    expect(await main(["docs", "ingest", "--json"], none.context)).toBe(1);
    expect(JSON.parse(none.stdout()).error.message).toMatch(/at least one path/);

    const missing = captureContext(directory);
    expect(await main(["docs", "ingest", "no-such-folder", "--json"], missing.context)).toBe(1);
    expect(JSON.parse(missing.stdout()).error.message).toMatch(/no-such-folder/);

    const mixed = path.join(directory, "mixed");
    mkdirSync(mixed);
    writeFileSync(path.join(mixed, "note.md"), "# Title\n\n## Section\n\ncp.async copies 16 bytes.\n");
    writeFileSync(path.join(mixed, "blob.h"), Buffer.from([0x7f, 0x45, 0x4c, 0x46, 0, 0, 1, 2, 0, 3]));
    const partial = captureContext(directory);
    expect(await main(["docs", "ingest", "mixed", "--json"], partial.context)).toBe(0);
    const report = JSON.parse(partial.stdout()) as {
      files: number;
      failed: { path: string; reason: string }[];
    };
    expect(report.files).toBe(1);
    expect(report.failed).toHaveLength(1);
    expect(report.failed[0]?.path).toMatch(/blob\.h$/);

    const unknown = captureContext(directory);
    expect(await main(["docs", "frobnicate", "--json"], unknown.context)).toBe(1);
    expect(JSON.parse(unknown.stdout()).error.message).toMatch(/Unknown docs action/);
  }, 60_000);
});
