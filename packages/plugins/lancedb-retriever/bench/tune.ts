/**
 * Chooses the offline embedder's parameters and the RRF k on the DEV half of the query set only, run with
 *
 *   node packages/plugins/lancedb-retriever/bench/run.mjs tune.ts [--corpus datasets/cuda-docs]
 *       [--queries datasets/retrieval-eval/queries.json] [--out kforge-reports/retrieval-tune]
 *       [--ranks 32,64,128,192] [--blends 0,0.25,0.5,0.75,1] [--min-dfs 1,2] [--rrf-ks 10,30,60]
 *
 * The held-out queries (even ids, see `SPLIT_RULE`) are dropped right after loading: nothing here reads their
 * text or labels. For every combination of latent rank, blend (weight of the latent part against the hashing
 * part; 0 = the hashing embedding alone) and document-frequency floor, the notes are ingested into a fresh
 * index and the dev queries run in `vector` mode and in `hybrid` mode for each RRF k. The objective, fixed
 * before running: hybrid (recall@5 + MRR@10) / 2 on dev; ties go to the better vector score, then to the
 * smaller rank, then to the larger k. The grid and every score go to `<out>/retrieval-tune.{md,json}`.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import { LsaEmbedder, openDocsIndex } from "../src/index.js";
import { corpusFiles, evaluate, loadQueries, SPLIT_RULE, splitOf, summarize } from "./lib.js";

const { values } = parseArgs({
  options: {
    corpus: { type: "string", default: "datasets/cuda-docs" },
    queries: { type: "string", default: "datasets/retrieval-eval/queries.json" },
    out: { type: "string", default: "kforge-reports/retrieval-tune" },
    ranks: { type: "string", default: "32,64,128,192" },
    blends: { type: "string", default: "0,0.25,0.5,0.75,1" },
    "min-dfs": { type: "string", default: "1,2" },
    "rrf-ks": { type: "string", default: "10,30,60" },
  },
});
const numbers = (list: string) => list.split(",").map(Number);
const dev = loadQueries(values.queries).filter((query) => splitOf(query.id) === "dev");
const files = corpusFiles(values.corpus);
const objective = (summary: { recallAt5: number; mrrAt10: number }) =>
  (summary.recallAt5 + summary.mrrAt10) / 2;

interface Trial {
  rank: number;
  blend: number;
  minDocumentFrequency: number;
  rrfK: number;
  vector: { recallAt5: number; mrrAt10: number };
  hybrid: { recallAt5: number; mrrAt10: number };
  score: number;
}

const trials: Trial[] = [];
let fts: { recallAt5: number; mrrAt10: number } | undefined;
for (const minDocumentFrequency of numbers(values["min-dfs"])) {
  for (const rank of numbers(values.ranks)) {
    for (const blend of numbers(values.blends)) {
      const directory = mkdtempSync(path.join(os.tmpdir(), "kforge-retrieval-tune-"));
      try {
        const embedder = new LsaEmbedder({ rank, blend, minDocumentFrequency });
        const index = await openDocsIndex({ uri: directory, embedder });
        await index.ingest(files);
        fts ??= summarize(await evaluate(index, dev, "fts", { rrfK: 60 }));
        const vector = summarize(await evaluate(index, dev, "vector", { rrfK: 60 }));
        for (const rrfK of numbers(values["rrf-ks"])) {
          const hybrid = summarize(await evaluate(index, dev, "hybrid", { rrfK }));
          trials.push({ rank, blend, minDocumentFrequency, rrfK, vector, hybrid, score: objective(hybrid) });
        }
        await index.close();
      } finally {
        rmSync(directory, { recursive: true, force: true });
      }
    }
  }
}
const ranked = [...trials].sort(
  (a, b) =>
    b.score - a.score || objective(b.vector) - objective(a.vector) || a.rank - b.rank || b.rrfK - a.rrfK,
);
const best = ranked[0]!;
const fixed = (value: number) => value.toFixed(3);
const lines = [
  "# Parameter choice on the dev split",
  "",
  `Split: ${SPLIT_RULE}. ${dev.length} dev queries used; held-out queries not loaded. Corpus: ${files.length} notes of \`${values.corpus}\` (README.md excluded).`,
  "Objective: hybrid (recall@5 + MRR@10) / 2 on dev; ties: better vector score, smaller rank, larger k.",
  "",
  `fts on dev (no parameter): ${fixed(fts!.recallAt5)} / ${fixed(fts!.mrrAt10)}`,
  "",
  `**Chosen:** rank ${best.rank}, blend ${best.blend}, minDf ${best.minDocumentFrequency}, RRF k ${best.rrfK} (hybrid ${fixed(best.hybrid.recallAt5)} / ${fixed(best.hybrid.mrrAt10)}, vector ${fixed(best.vector.recallAt5)} / ${fixed(best.vector.mrrAt10)} on dev).`,
  "",
  "| minDf | rank | blend | RRF k | vector R@5 / MRR | hybrid R@5 / MRR | objective |",
  "| --- | --- | --- | --- | --- | --- | --- |",
  ...ranked.map(
    (trial) =>
      `| ${trial.minDocumentFrequency} | ${trial.rank} | ${trial.blend} | ${trial.rrfK} | ${fixed(trial.vector.recallAt5)} / ${fixed(trial.vector.mrrAt10)} | ${fixed(trial.hybrid.recallAt5)} / ${fixed(trial.hybrid.mrrAt10)} | ${fixed(trial.score)} |`,
  ),
  "",
];
mkdirSync(values.out, { recursive: true });
writeFileSync(path.join(values.out, "retrieval-tune.md"), lines.join("\n"));
writeFileSync(
  path.join(values.out, "retrieval-tune.json"),
  `${JSON.stringify({ split: SPLIT_RULE, devQueries: dev.map((query) => query.id), fts, best, trials: ranked }, null, 2)}\n`,
);
console.log(lines.slice(0, 40).join("\n"));
console.log(`written to ${path.resolve(values.out)}`);
