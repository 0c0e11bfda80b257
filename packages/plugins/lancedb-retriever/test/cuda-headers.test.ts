import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { openDocsIndex } from "../src/index.js";

/**
 * The include directory of the local CUDA toolkit: $CUDA_HOME or $CUDA_PATH, /usr/local/cuda, or the one
 * `nvcc` compiles with (from its dry run, which works through wrapper scripts too).
 */
function cudaInclude(): string | undefined {
  const candidates = [process.env.CUDA_HOME, process.env.CUDA_PATH, "/usr/local/cuda"]
    .filter((value): value is string => Boolean(value))
    .map((home) => path.join(home, "include"));
  // nvcc prints its dry run on stderr; without nvcc only the usual places are looked at.
  const dryRun = spawnSync("nvcc", ["--dryrun", "-E", "-x", "cu", "/dev/null"], {
    encoding: "utf8",
    timeout: 10_000,
  });
  const output = `${dryRun.stdout ?? ""}${dryRun.stderr ?? ""}`;
  candidates.push(...[...output.matchAll(/INCLUDES="-I([^"]+)"/g)].map((match) => match[1]!));
  return candidates.find((directory) => existsSync(path.join(directory, "cuda_fp16.h")));
}

const include = cudaInclude();
const subset = include
  ? [
      "cuda_fp16.h",
      "cuda_fp16.hpp",
      "mma.h",
      "crt/mma.h",
      "cuda_pipeline.h",
      "cuda_pipeline_primitives.h",
      "cuda_pipeline_helpers.h",
    ]
      .map((name) => path.join(include, name))
      .filter((file) => existsSync(file))
  : [];

describe.skipIf(include === undefined)("ingesting the local CUDA toolkit's headers", () => {
  const directory = mkdtempSync(path.join(os.tmpdir(), "kforge-cuda-headers-"));

  afterAll(() => {
    rmSync(directory, { recursive: true, force: true });
  });

  it("chunks the half-precision, WMMA and pipeline headers by declaration, quickly", async () => {
    const index = await openDocsIndex({ uri: directory });
    try {
      const started = performance.now();
      const report = await index.ingest(subset);
      const seconds = (performance.now() - started) / 1000;
      expect(report.failed).toEqual([]);
      expect(report.files).toBe(subset.length);
      expect(report.chunks).toBeGreaterThan(300);
      expect(seconds).toBeLessThan(20);
      const [hfma2] = await index.search("__hfma2 fused multiply-add half2", { mode: "fts", limit: 3 });
      expect(hfma2?.chunk.source).toMatch(/cuda_fp16\.h$/);
      expect(hfma2?.chunk.section).toMatch(/^__hfma2/);
      expect(hfma2?.chunk.text).toContain("__hfma2(");
      expect(hfma2?.chunk.tags).toEqual(["header"]);
      const sections = (await index.search("load_matrix_sync fragment", { mode: "hybrid", limit: 10 })).map(
        (passage) => passage.chunk.section ?? "",
      );
      expect(sections.some((section) => section.includes("load_matrix_sync"))).toBe(true);
      // Re-ingesting the unchanged headers reads nothing.
      expect(await index.ingest(subset)).toMatchObject({ files: 0, skipped: subset.length, chunks: 0 });
    } finally {
      await index.close();
    }
  }, 60_000);
});
