import { createHash } from "node:crypto";
import { existsSync, readdirSync, readFileSync, rmSync, statSync, utimesSync, writeFileSync } from "node:fs";
import path from "node:path";
import { KernelForgeError } from "@kernelforge/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type DocsIndex, HashingEmbedder, type IngestProgress, openDocsIndex } from "../src/index.js";
import { writeFixtureTree } from "./fixtures.js";

let root: string;
let previousCwd: string;

beforeAll(() => {
  previousCwd = process.cwd();
  root = writeFixtureTree();
  // Sources are named relative to the working directory.
  process.chdir(root);
});

afterAll(() => {
  process.chdir(previousCwd);
  rmSync(root, { recursive: true, force: true });
});

async function rejection(promise: Promise<unknown>): Promise<KernelForgeError> {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  if (!(error instanceof KernelForgeError))
    throw new Error(`expected a KernelForgeError, got ${String(error)}`);
  return error;
}

/** Every chunk of the index, found through a full-text search for a word they all share. */
async function allSections(index: DocsIndex, query: string): Promise<string[]> {
  const passages = await index.search(query, { mode: "fts", limit: 100 });
  return passages.map((passage) => `${passage.chunk.source}#${passage.chunk.section ?? ""}`).sort();
}

/** sha256 of every file under a directory, by relative path. */
function treeDigest(directory: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (current: string) => {
    for (const entry of readdirSync(current, { withFileTypes: true })) {
      const full = path.join(current, entry.name);
      if (entry.isDirectory()) walk(full);
      else
        out[path.relative(directory, full)] = createHash("sha256").update(readFileSync(full)).digest("hex");
    }
  };
  walk(directory);
  return out;
}

describe("DocsIndex: ingestion and incremental re-ingestion", () => {
  let index: DocsIndex;
  const uri = () => path.join(root, "index-a");

  beforeAll(async () => {
    index = await openDocsIndex({ uri: uri() });
  });

  afterAll(async () => {
    await index.close();
  });

  it("ingests a tree of Markdown, text, HTML and a header; reports the binary file; reports progress", async () => {
    const events: IngestProgress[] = [];
    const report = await index.ingest(["docs"], { onProgress: (progress) => events.push(progress) });
    expect(report).toMatchObject({ files: 4, skipped: 0, removed: 0, chunks: 8 });
    expect(report.failed).toEqual([
      { path: "docs/blob.txt", reason: expect.stringMatching(/binary file: it holds NUL bytes/) },
    ]);
    expect(report.chunksPerSecond).toBeGreaterThan(0);
    expect(new Set(events.map((event) => event.phase))).toEqual(new Set(["scan", "chunk", "embed", "write"]));
    expect(events.filter((event) => event.phase === "chunk").at(-1)).toMatchObject({ done: 5, total: 5 });
    expect(await index.stats()).toEqual({
      files: 4,
      chunks: 8,
      embedder: "offline:lsa-v1",
      dimensions: 448,
    });
  });

  it("stores sections, line spans, sources and tags by file kind", async () => {
    const pitfalls = (await index.search("bank conflict aligned", { mode: "fts", limit: 1 }))[0]!.chunk;
    expect(pitfalls).toMatchObject({
      source: "docs/guide.md",
      section: "ldmatrix > Pitfalls",
      lineStart: 5,
      lineEnd: 7,
      tags: ["markdown"],
    });
    expect(pitfalls.id).toMatch(/^[0-9a-f]{32}$/);
    const descriptors = (await index.search("cuTensorMapEncodeTiled", { mode: "fts", limit: 1 }))[0]!.chunk;
    expect(descriptors).toMatchObject({
      source: "docs/page.html",
      section: "Tensor Memory Accelerator > Descriptors",
      lineStart: 5,
      lineEnd: 6,
      tags: ["html"],
    });
    expect(descriptors.text).not.toContain("<p>");
    expect(descriptors.text).not.toContain("swizzle");
    const commit = (await index.search("commits asynchronous copies stage", { mode: "fts", limit: 1 }))[0]!
      .chunk;
    expect(commit).toMatchObject({
      source: "docs/include/pipeline.cuh",
      section: "pipeline_commit",
      lineStart: 10,
      lineEnd: 14,
      tags: ["header"],
    });
    const notes = (await index.search("split-K skinny", { mode: "fts", limit: 1 }))[0]!.chunk;
    expect(notes).toMatchObject({ source: "docs/notes.txt", lineStart: 1, lineEnd: 4, tags: ["text"] });
    expect(notes.section).toBeUndefined();
  });

  it("skips unchanged files, replaces a modified one, drops a removed one", async () => {
    const again = await index.ingest(["docs"]);
    expect(again).toMatchObject({ files: 0, skipped: 4, removed: 0, chunks: 0 });
    // Same content, new modification time: still skipped.
    const later = new Date(Date.now() + 5000);
    utimesSync(path.join(root, "docs/guide.md"), later, later);
    expect(await index.ingest(["docs"])).toMatchObject({ files: 0, skipped: 4, chunks: 0 });
    // Modified and removed.
    writeFileSync(path.join(root, "docs/notes.txt"), "Split-K now reduces through global atomics.\n");
    rmSync(path.join(root, "docs/page.html"));
    const report = await index.ingest(["docs"]);
    expect(report).toMatchObject({ files: 1, skipped: 2, removed: 1, chunks: 1 });
    expect(await index.stats()).toMatchObject({ files: 3, chunks: 6 });
    expect(await index.search("cuTensorMapEncodeTiled", { mode: "fts" })).toEqual([]);
    expect(await index.search("skinny", { mode: "fts" })).toEqual([]);
    const atomics = await index.search("global atomics", { mode: "fts", limit: 1 });
    expect(atomics[0]?.chunk.source).toBe("docs/notes.txt");
    // A file named explicitly, with new tags: chunked again with them.
    const tagged = await index.ingest(["docs/notes.txt"], { tags: ["cuda"] });
    expect(tagged).toMatchObject({ files: 1, skipped: 0, removed: 0, chunks: 1 });
    expect((await index.search("global atomics", { mode: "fts", limit: 1 }))[0]?.chunk.tags).toEqual([
      "cuda",
      "text",
    ]);
    expect(await index.stats()).toMatchObject({ files: 3, chunks: 6 });
  });

  it("keeps the old chunks when an ingest stops part way, and completes it next time", async () => {
    writeFileSync(path.join(root, "docs/notes.txt"), "Stream-K splits the iteration space evenly.\n");
    const controller = new AbortController();
    const stopped = await index
      .ingest(["docs/notes.txt"], {
        tags: ["cuda"],
        signal: controller.signal,
        onProgress: (progress) => {
          if (progress.phase === "write") controller.abort();
        },
      })
      .catch((caught: unknown) => caught);
    expect((stopped as Error).name).toBe("AbortError");
    // The previous version is still searchable.
    expect((await index.search("global atomics", { mode: "fts", limit: 1 }))[0]?.chunk.source).toBe(
      "docs/notes.txt",
    );
    expect(await index.search("iteration space evenly", { mode: "fts" })).toHaveLength(1);
    const report = await index.ingest(["docs/notes.txt"], { tags: ["cuda"] });
    expect(report).toMatchObject({ files: 1, chunks: 1 });
    expect(await index.search("global atomics", { mode: "fts" })).toEqual([]);
    expect(await index.search("iteration space evenly", { mode: "fts" })).toHaveLength(1);
    expect(await index.stats()).toMatchObject({ files: 3, chunks: 6 });
    expect(await allSections(index, "pipeline")).toEqual([
      "docs/include/pipeline.cuh#pipeline_commit",
      "docs/include/pipeline.cuh#pipeline_wait_prior",
    ]);
  });
});

describe("DocsIndex: search", () => {
  let index: DocsIndex;

  let tree: string;

  beforeAll(async () => {
    // A tree of its own, outside the working directory: its sources are absolute paths.
    tree = writeFixtureTree();
    index = await openDocsIndex({ uri: path.join(root, "index-b") });
    await index.ingest([path.join(tree, "docs")]);
  });

  afterAll(async () => {
    await index.close();
    rmSync(tree, { recursive: true, force: true });
  });

  it.each(["fts", "vector", "hybrid"] as const)("finds the right chunk first in %s mode", async (mode) => {
    const cases: [string, string][] = [
      ["which addresses cause a bank conflict in ldmatrix", "ldmatrix > Pitfalls"],
      ["tensor map descriptor built on the host", "Tensor Memory Accelerator > Descriptors"],
      ["wait for the oldest stage of the copy pipeline", "pipeline_wait_prior"],
      ["transpose while loading the B operand", "ldmatrix > Trans variant"],
    ];
    for (const [query, section] of cases) {
      const [best] = await index.search(query, { mode, limit: 3 });
      expect(best?.chunk.section, `${mode}: ${query}`).toBe(section);
      expect(best?.retriever).toBe("lancedb-docs");
    }
  });

  it("matches word forms in vector mode (pipelining → pipeline)", async () => {
    const [best] = await index.search("pipelining", { mode: "vector", limit: 1 });
    expect(best?.chunk.section).toMatch(/^pipeline_(commit|wait_prior)$/);
  });

  it("returns at most limit passages, best first, and nothing for an empty query", async () => {
    const passages = await index.search("shared memory", { limit: 2 });
    expect(passages).toHaveLength(2);
    expect(passages[0]!.score).toBeGreaterThanOrEqual(passages[1]!.score);
    expect(await index.search("   ")).toEqual([]);
    expect(await index.search("shared", { limit: 0 })).toEqual([]);
    await expect(index.search("x", { limit: -1 })).rejects.toThrow(/Invalid search limit/);
  });

  it("filters by source prefix and by tags, in every mode", async () => {
    for (const mode of ["fts", "vector", "hybrid"] as const) {
      const headers = await index.search("shared memory stage", { mode, tags: ["header"], limit: 10 });
      expect(headers.length).toBeGreaterThan(0);
      expect(headers.every((passage) => passage.chunk.tags.includes("header"))).toBe(true);
      const prefix = `${tree}/docs/include`;
      const included = await index.search("memory", { mode, sources: [prefix], limit: 10 });
      expect(included.length).toBeGreaterThan(0);
      expect(included.every((passage) => passage.chunk.source.startsWith(prefix))).toBe(true);
      const none = await index.search("memory", { mode, sources: [prefix], tags: ["html"], limit: 10 });
      expect(none).toEqual([]);
    }
  });
});

describe("DocsIndex: bad input", () => {
  it("refuses an empty path list and a missing path, naming it", async () => {
    const index = await openDocsIndex({ uri: path.join(root, "index-c") });
    try {
      const empty = await rejection(index.ingest([]));
      expect(empty.code).toBe("docs_no_paths");
      expect(empty.hint).toMatch(/kforge docs ingest/);
      const missing = await rejection(index.ingest(["docs", "no/such/dir"]));
      expect(missing.code).toBe("docs_path_not_found");
      expect(missing.message).toContain("no/such/dir");
      expect(missing.hint).toContain(root);
      // Nothing was written.
      expect(await index.stats()).toMatchObject({ files: 0, chunks: 0 });
      // A binary file named explicitly is reported; the text file beside it is ingested.
      writeFileSync(path.join(root, "data.bin"), Buffer.from([1, 2, 0, 3]));
      writeFileSync(path.join(root, "latin1.txt"), Buffer.from([0x63, 0x61, 0x66, 0xe9]));
      const report = await index.ingest(["data.bin", "latin1.txt", "docs/guide.md"]);
      expect(report.files).toBe(1);
      expect(report.failed).toEqual([
        { path: "data.bin", reason: expect.stringMatching(/NUL bytes/) },
        { path: "latin1.txt", reason: expect.stringMatching(/not UTF-8/) },
      ]);
    } finally {
      await index.close();
    }
  });

  it("reports a damaged table with its directory, leaves the other table alone, and rebuilds on request", async () => {
    const uri = path.join(root, "index-d");
    const index = await openDocsIndex({ uri });
    await index.ingest(["docs/guide.md"]);
    await index.close();
    const filesBefore = treeDigest(path.join(uri, "files.lance"));
    const versions = path.join(uri, "chunks.lance", "_versions");
    for (const name of readdirSync(versions)) writeFileSync(path.join(versions, name), "garbage");
    const error = await rejection(openDocsIndex({ uri }));
    expect(error.code).toBe("docs_index_corrupt");
    expect(error.message).toContain(path.join(uri, "chunks.lance"));
    expect(error.hint).toMatch(/--rebuild/);
    expect(treeDigest(path.join(uri, "files.lance"))).toEqual(filesBefore);
    // Read-only opening reports it too.
    expect((await rejection(openDocsIndex({ uri, readOnly: true }))).code).toBe("docs_index_corrupt");
    const rebuilt = await openDocsIndex({ uri, rebuild: true });
    expect(await rebuilt.ingest(["docs/guide.md"])).toMatchObject({ files: 1, skipped: 0 });
    await rebuilt.close();
  });

  it("forgets the file records when the chunks table is gone, so every file is read again", async () => {
    const uri = path.join(root, "index-f");
    const index = await openDocsIndex({ uri });
    await index.ingest(["docs/guide.md"]);
    await index.close();
    rmSync(path.join(uri, "chunks.lance"), { recursive: true });
    const reopened = await openDocsIndex({ uri });
    expect(await reopened.stats()).toMatchObject({ files: 0, chunks: 0 });
    expect(await reopened.ingest(["docs/guide.md"])).toMatchObject({ files: 1, skipped: 0, chunks: 3 });
    await reopened.close();
  });

  it("refuses to reopen an index with another embedder, saying which one built it", async () => {
    const uri = path.join(root, "index-e");
    const index = await openDocsIndex({ uri, embedder: { kind: "hashing", dimensions: 128 } });
    await index.ingest(["docs/guide.md"]);
    await index.close();
    const reopened = await openDocsIndex({ uri, embedder: { kind: "hashing" } });
    expect((await reopened.stats()).dimensions).toBe(128);
    await reopened.close();
    const error = await rejection(openDocsIndex({ uri, embedder: { kind: "hashing", dimensions: 256 } }));
    expect(error.code).toBe("docs_index_embedder_mismatch");
    expect(error.message).toMatch(/built with the embedder offline:lexical-hash-v1 \(128 dimensions\)/);
    expect(error.hint).toMatch(/--rebuild/);
    // The default (latent semantic) embedder says how to open an index built with the hashing one.
    const byDefault = await rejection(openDocsIndex({ uri }));
    expect(byDefault.code).toBe("docs_index_embedder_mismatch");
    expect(byDefault.message).toMatch(/not offline:lsa-v1/);
    expect(byDefault.hint).toMatch(/kind: "hashing"/);
    const custom = {
      name: "custom",
      dimensions: 128,
      batchSize: 8,
      embed: new HashingEmbedder({ dimensions: 128 }).embed,
    };
    expect((await rejection(openDocsIndex({ uri, embedder: custom }))).message).toMatch(/not custom/);
  });

  it("opens a missing index read-only as empty, without creating it", async () => {
    const uri = path.join(root, "index-missing");
    const index = await openDocsIndex({ uri, readOnly: true });
    expect(await index.search("anything")).toEqual([]);
    expect(await index.stats()).toMatchObject({ files: 0, chunks: 0 });
    expect((await rejection(index.ingest(["docs"]))).code).toBe("docs_index_read_only");
    await index.close();
    expect(existsSync(uri)).toBe(false);
  });

  it("refuses a location that is a file", async () => {
    const file = path.join(root, "docs/guide.md");
    expect(statSync(file).isFile()).toBe(true);
    expect((await rejection(openDocsIndex({ uri: file }))).code).toBe("docs_index_unavailable");
  });
});
