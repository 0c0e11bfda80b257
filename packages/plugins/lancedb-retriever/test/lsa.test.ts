import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  HashingEmbedder,
  LsaEmbedder,
  lightStem,
  lsaTerms,
  openDocsIndex,
  randomizedSvd,
  type SparseColumns,
  seededRandom,
  symmetricEigen,
} from "../src/index.js";
import { writeFixtureTree } from "./fixtures.js";

/** A dense row-major matrix as sparse columns (zeros left out). */
function sparse(dense: number[][]): SparseColumns {
  const rows = dense.length;
  const columns = dense[0]!.length;
  const columnStart = new Int32Array(columns + 1);
  const rowIndex: number[] = [];
  const values: number[] = [];
  for (let column = 0; column < columns; column++) {
    for (let row = 0; row < rows; row++) {
      if (dense[row]![column] !== 0) {
        rowIndex.push(row);
        values.push(dense[row]![column]!);
      }
    }
    columnStart[column + 1] = rowIndex.length;
  }
  return {
    rows,
    columns,
    columnStart,
    rowIndex: Int32Array.from(rowIndex),
    values: Float64Array.from(values),
  };
}

/** rows × columns matrix of rank `rank` (a product of two random factors). */
function lowRank(rows: number, columns: number, rank: number, seed: number): number[][] {
  const random = seededRandom(seed);
  const left = Array.from({ length: rows }, () => Array.from({ length: rank }, () => random() - 0.5));
  const right = Array.from({ length: rank }, () => Array.from({ length: columns }, () => random() - 0.5));
  return left.map((row) =>
    right[0]!.map((_, j) => row.reduce((sum, value, k) => sum + value * right[k]![j]!, 0)),
  );
}

/** Largest |(XᵀX)ᵢⱼ − δᵢⱼ| for X of `rows × width`, row-major. */
function orthonormalityError(x: Float64Array, rows: number, width: number): number {
  let worst = 0;
  for (let a = 0; a < width; a++) {
    for (let b = 0; b < width; b++) {
      let dot = 0;
      for (let row = 0; row < rows; row++) dot += x[row * width + a]! * x[row * width + b]!;
      worst = Math.max(worst, Math.abs(dot - (a === b ? 1 : 0)));
    }
  }
  return worst;
}

/** ‖A − U Σ Vᵀ‖_F / ‖A‖_F. */
function reconstructionError(dense: number[][], svd: ReturnType<typeof randomizedSvd>): number {
  let error = 0;
  let total = 0;
  dense.forEach((row, i) => {
    row.forEach((value, j) => {
      let approximation = 0;
      for (let c = 0; c < svd.rank; c++) {
        approximation += svd.u[i * svd.rank + c]! * svd.singularValues[c]! * svd.v[j * svd.rank + c]!;
      }
      error += (value - approximation) ** 2;
      total += value ** 2;
    });
  });
  return Math.sqrt(error / total);
}

/** Exact singular values of a dense matrix: square roots of the eigenvalues of AᵀA. */
function exactSingularValues(dense: number[][]): number[] {
  const columns = dense[0]!.length;
  const gram = new Float64Array(columns * columns);
  for (const row of dense) {
    for (let a = 0; a < columns; a++)
      for (let b = 0; b < columns; b++) gram[a * columns + b]! += row[a]! * row[b]!;
  }
  return Array.from(symmetricEigen(gram, columns).values, (value) => Math.sqrt(Math.max(0, value)));
}

describe("randomizedSvd", () => {
  it("recovers a rank-4 matrix exactly: orthonormal U and V, reconstruction error ~0", () => {
    for (const [rows, columns] of [
      [40, 25],
      [25, 40], // wider than tall: the range finder runs on the other side
    ] as const) {
      const dense = lowRank(rows, columns, 4, rows);
      const svd = randomizedSvd(sparse(dense), 4, { seed: 7 });
      expect(svd.rank).toBe(4);
      expect(orthonormalityError(svd.u, rows, 4)).toBeLessThan(1e-10);
      expect(orthonormalityError(svd.v, columns, 4)).toBeLessThan(1e-10);
      expect(reconstructionError(dense, svd)).toBeLessThan(1e-10);
      const exact = exactSingularValues(dense);
      svd.singularValues.forEach((value, index) => {
        expect(value).toBeCloseTo(exact[index]!, 9);
      });
    }
  });

  it("finds the leading singular values of a full-rank matrix, largest first", () => {
    const dense = lowRank(60, 30, 30, 3);
    const svd = randomizedSvd(sparse(dense), 5, { seed: 1, powerIterations: 4 });
    const exact = exactSingularValues(dense);
    expect(svd.rank).toBe(5);
    svd.singularValues.forEach((value, index) => {
      expect(Math.abs(value - exact[index]!) / exact[index]!).toBeLessThan(1e-3);
      if (index > 0) expect(value).toBeLessThanOrEqual(svd.singularValues[index - 1]!);
    });
    expect(orthonormalityError(svd.u, 60, 5)).toBeLessThan(1e-10);
  });

  it("is deterministic for a seed and stops at the matrix's rank", () => {
    const a = sparse(lowRank(20, 12, 3, 5));
    expect(randomizedSvd(a, 3, { seed: 42 })).toEqual(randomizedSvd(a, 3, { seed: 42 }));
    // Asking for more than the rank keeps only the non-negligible directions.
    expect(randomizedSvd(a, 8).rank).toBeLessThanOrEqual(8);
    expect(randomizedSvd(sparse([[0, 0]]), 2).rank).toBe(0);
  });
});

/** Documents where "GEMM" occurs with "matrix multiply"; the target speaks of matrix multiply only. */
const CORPUS = [
  "GEMM computes a matrix multiply C = A B on tensor cores",
  "a tiled GEMM kernel is a matrix multiply with blocking over K",
  "GEMM performance: matrix multiply throughput in TFLOPS",
  "matrix multiply tiles are staged in shared memory", // the target: no "gemm"
  "warp shuffle reduction sums values across lanes",
  "a reduction kernel sums an array with warp shuffles",
  "coalesced global memory loads use contiguous addresses",
  "global loads are coalesced when lanes read contiguous words",
];

function cosine(a: Float32Array | Float64Array, b: Float32Array | Float64Array): number {
  let dot = 0;
  for (let index = 0; index < a.length; index++) dot += a[index]! * b[index]!;
  return dot;
}

describe("LsaEmbedder", () => {
  it("normalizes terms: identifiers split and whole, light stemming, no pure numbers", () => {
    expect([...lsaTerms("cp.async.wait_group 8 pipelines pipelining").keys()]).toEqual([
      "cp",
      "async",
      "wait",
      "group",
      "pipelin",
      "cp_async_wait_group",
    ]);
    expect(lightStem("caches")).toBe("cach");
    expect(lightStem("cached")).toBe("cach");
    expect(lightStem("sm90")).toBe("sm90");
  });

  it("connects words through co-occurrence: a query word reaches a chunk that never contains it", () => {
    const embedder = new LsaEmbedder({ rank: 3, blend: 1 });
    embedder.fit(CORPUS);
    const query = embedder.latentVector("gemm");
    const scores = CORPUS.map((text) => cosine(query, embedder.latentVector(text)));
    const withoutGemm = CORPUS.map((text, index) => ({ text, score: scores[index]! })).filter(
      ({ text }) => !/gemm/i.test(text),
    );
    withoutGemm.sort((a, b) => b.score - a.score);
    expect(withoutGemm[0]!.text).toBe(CORPUS[3]);
    expect(withoutGemm[0]!.score).toBeGreaterThan(0.5);
    expect(withoutGemm[1]!.score).toBeLessThan(0.2);
    // The hashing embedding alone has no such link: the target shares no feature with "gemm".
    const hashing = new HashingEmbedder();
    expect(Math.abs(cosine(hashing.embedOne("gemm"), hashing.embedOne(CORPUS[3]!)))).toBeLessThan(0.2);
    // The default blend keeps the link (the target ranks first among chunks without the word).
    const blended = new LsaEmbedder({ rank: 3 });
    blended.fit(CORPUS);
    const q = blended.embedOne("gemm");
    const ranked = CORPUS.filter((text) => !/gemm/i.test(text)).sort(
      (a, b) => cosine(q, blended.embedOne(b)) - cosine(q, blended.embedOne(a)),
    );
    expect(ranked[0]).toBe(CORPUS[3]);
  });

  it("gives the same vectors for the same corpus and seed, unit length, rank + 384 components", () => {
    const first = new LsaEmbedder({ rank: 4 });
    const second = new LsaEmbedder({ rank: 4 });
    first.fit(CORPUS);
    second.fit(CORPUS);
    expect(first.dimensions).toBe(388);
    for (const text of ["gemm tiles", "warp reduction", "unknown words only"]) {
      const vector = first.embedOne(text);
      expect(vector).toEqual(second.embedOne(text));
      expect(Math.sqrt(cosine(vector, vector))).toBeCloseTo(1, 5);
    }
    expect(first.model()).toEqual(second.model());
    // Before any fit the latent part is zero and the vector is still a unit vector.
    const unfitted = new LsaEmbedder({ rank: 4 }).embedOne("gemm");
    expect(Array.from(unfitted.slice(0, 4))).toEqual([0, 0, 0, 0]);
    expect(Math.sqrt(cosine(unfitted, unfitted))).toBeCloseTo(1, 5);
  });
});

describe("DocsIndex with the offline (latent semantic) embedder", () => {
  let root: string;
  let previousCwd: string;

  beforeAll(() => {
    previousCwd = process.cwd();
    root = writeFixtureTree();
    process.chdir(root);
    const corpus = path.join(root, "corpus");
    mkdirSync(corpus);
    CORPUS.forEach((text, index) => {
      writeFileSync(path.join(corpus, `note-${index}.md`), `# Note ${index}\n\n${text}\n`);
    });
  });

  afterAll(() => {
    process.chdir(previousCwd);
    rmSync(root, { recursive: true, force: true });
  });

  const ranking = async (index: Awaited<ReturnType<typeof openDocsIndex>>, query: string) =>
    (await index.search(query, { mode: "vector", limit: 20 })).map(
      (passage) => `${passage.chunk.source}#${passage.chunk.section}=${passage.score.toFixed(6)}`,
    );

  it("stores its model with the index: queries embed the same after reopening, read-only too", async () => {
    const uri = path.join(root, "index-lsa");
    const index = await openDocsIndex({ uri });
    expect(await index.ingest(["docs"])).toMatchObject({ files: 4, chunks: 8, reembedded: 0 });
    const before = await ranking(index, "asynchronous copy stages in shared memory");
    await index.close();
    expect(existsSync(path.join(uri, "model.lance"))).toBe(true);
    const reopened = await openDocsIndex({ uri });
    expect(await ranking(reopened, "asynchronous copy stages in shared memory")).toEqual(before);
    await reopened.close();
    const readOnly = await openDocsIndex({ uri, readOnly: true });
    expect(await ranking(readOnly, "asynchronous copy stages in shared memory")).toEqual(before);
    await readOnly.close();
  });

  it("refits on re-ingest, re-embedding every kept chunk without reading unchanged files again", async () => {
    const uri = path.join(root, "index-lsa-incremental");
    const index = await openDocsIndex({ uri });
    await index.ingest(["docs"]);
    expect(await index.ingest(["docs"])).toMatchObject({ files: 0, skipped: 4, chunks: 0, reembedded: 0 });
    const before = await ranking(index, "tensor map descriptor");
    writeFileSync(path.join(root, "docs/notes.txt"), "Split-K divides the reduction among thread blocks.\n");
    const report = await index.ingest(["docs"]);
    // One file read and chunked again; the 7 chunks of the 3 others are re-embedded from the table.
    expect(report).toMatchObject({ files: 1, skipped: 3, chunks: 1, reembedded: 7 });
    expect(await index.stats()).toMatchObject({ files: 4, chunks: 8 });
    const after = await ranking(index, "tensor map descriptor");
    expect(after).not.toEqual(before); // the model changed with the corpus
    await index.close();
    const reopened = await openDocsIndex({ uri });
    expect(await ranking(reopened, "tensor map descriptor")).toEqual(after);
    expect(await reopened.ingest(["docs"])).toMatchObject({ files: 0, reembedded: 0 });
    await reopened.close();
    // A model that does not match the chunks (lost, or an ingest stopped before writing it) is fitted again
    // by the next ingest, even with no file changed.
    rmSync(path.join(uri, "model.lance"), { recursive: true });
    const withoutModel = await openDocsIndex({ uri });
    expect(await withoutModel.ingest(["docs"])).toMatchObject({ files: 0, skipped: 4, reembedded: 8 });
    expect(await ranking(withoutModel, "tensor map descriptor")).toEqual(after);
    await withoutModel.close();
    // A rebuild removes the model with the other tables.
    const rebuilt = await openDocsIndex({ uri, rebuild: true });
    expect(existsSync(path.join(uri, "model.lance"))).toBe(false);
    await rebuilt.close();
  });

  it("finds the paraphrased chunk in vector and hybrid search", async () => {
    const uri = path.join(root, "index-lsa-paraphrase");
    const index = await openDocsIndex({ uri, embedder: { kind: "offline", rank: 3 } });
    await index.ingest(["corpus"]);
    const sections = async (mode: "vector" | "hybrid" | "fts") =>
      (await index.search("gemm", { mode, limit: 4 })).map((passage) => passage.chunk.section);
    // Full text finds only the chunks with the word; the vectors also bring the one that says "matrix multiply".
    expect((await sections("fts")).sort()).toEqual(["Note 0", "Note 1", "Note 2"]);
    expect(await sections("vector")).toContain("Note 3");
    expect(await sections("hybrid")).toContain("Note 3");
    await index.close();
  });
});

it("builds no model for the hashing embedder", async () => {
  const directory = mkdtempSync(path.join(os.tmpdir(), "kforge-docs-hashing-"));
  try {
    writeFileSync(path.join(directory, "a.md"), "# A\n\nldmatrix loads fragments\n");
    const index = await openDocsIndex({ uri: path.join(directory, "index"), embedder: { kind: "hashing" } });
    const report = await index.ingest([path.join(directory, "a.md")]);
    expect(report.reembedded).toBeUndefined();
    await index.close();
    expect(existsSync(path.join(directory, "index", "model.lance"))).toBe(false);
  } finally {
    rmSync(directory, { recursive: true, force: true });
  }
});
