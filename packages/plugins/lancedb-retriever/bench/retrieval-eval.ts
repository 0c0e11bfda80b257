/**
 * Retrieval evaluation of the docs index over the project's CUDA documentation corpus, run with
 *
 *   node packages/plugins/lancedb-retriever/bench/run.mjs [--corpus datasets/cuda-docs]
 *       [--queries datasets/retrieval-eval/queries.json] [--out kforge-reports/retrieval-eval]
 *       [--embedder offline|hashing] [--rank 64] [--blend 0.25] [--min-df 1] [--dimensions 384]
 *       [--rrf-k 10] [--repeat 3]
 *
 * (run.mjs bundles this file with esbuild and runs it; build @kernelforge/core first). It ingests the corpus's
 * notes (`*.md` less README.md, see `corpusFiles`) into a temporary index (reporting chunks per second), then
 * runs every labelled query in `fts`, `vector` and `hybrid` mode and reports, per mode, per split (dev: odd
 * query ids, on which `bench/tune.ts` chose the parameters; held-out: even ids; all) and per query kind:
 *
 * - recall@5: per query, the fraction of its labelled passages found in the top 5, averaged over queries;
 * - MRR@10: per query, 1 / rank of the first relevant chunk in the top 10 (0 when none), averaged;
 * - query latency p50 / p95 (each query run `--repeat` times after a warm-up; embedding included).
 *
 * A chunk is relevant to a label when its source ends with the label's source and its section starts with
 * the label's section. Results go to `<out>/retrieval-eval.md` and `<out>/retrieval-eval.json`.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import { quantile } from "@kernelforge/core";
import {
  DEFAULT_HASHING_DIMENSIONS,
  DEFAULT_HYBRID_RRF_K,
  DEFAULT_LSA_BLEND,
  DEFAULT_LSA_MIN_DOCUMENT_FREQUENCY,
  DEFAULT_LSA_RANK,
  type Embedder,
  HashingEmbedder,
  LsaEmbedder,
  openDocsIndex,
  type SearchMode,
} from "../src/index.js";
import {
  corpusFiles,
  evaluate,
  loadQueries,
  type QueryResult,
  SPLIT_RULE,
  type Split,
  type Summary,
  splitOf,
  summarize,
} from "./lib.js";

const MODES: SearchMode[] = ["fts", "vector", "hybrid"];

const { values } = parseArgs({
  options: {
    corpus: { type: "string", default: "datasets/cuda-docs" },
    queries: { type: "string", default: "datasets/retrieval-eval/queries.json" },
    out: { type: "string", default: "kforge-reports/retrieval-eval" },
    embedder: { type: "string", default: "offline" },
    rank: { type: "string", default: String(DEFAULT_LSA_RANK) },
    blend: { type: "string", default: String(DEFAULT_LSA_BLEND) },
    "min-df": { type: "string", default: String(DEFAULT_LSA_MIN_DOCUMENT_FREQUENCY) },
    dimensions: { type: "string", default: String(DEFAULT_HASHING_DIMENSIONS) },
    "rrf-k": { type: "string", default: String(DEFAULT_HYBRID_RRF_K) },
    repeat: { type: "string", default: "3" },
  },
});

const queries = loadQueries(values.queries);
const files = corpusFiles(values.corpus);
const rrfK = Number(values["rrf-k"]);
const repeat = Math.max(1, Number(values.repeat));
const parameters =
  values.embedder === "hashing"
    ? { embedder: "hashing", dimensions: Number(values.dimensions), rrfK }
    : {
        embedder: "offline",
        rank: Number(values.rank),
        blend: Number(values.blend),
        minDocumentFrequency: Number(values["min-df"]),
        hashingDimensions: Number(values.dimensions),
        rrfK,
      };
const embedder: Embedder =
  values.embedder === "hashing"
    ? new HashingEmbedder({ dimensions: Number(values.dimensions) })
    : new LsaEmbedder({
        rank: Number(values.rank),
        blend: Number(values.blend),
        minDocumentFrequency: Number(values["min-df"]),
        hashingDimensions: Number(values.dimensions),
      });
const directory = mkdtempSync(path.join(os.tmpdir(), "kforge-retrieval-eval-"));
try {
  const index = await openDocsIndex({ uri: directory, embedder });
  const ingest = await index.ingest(files);
  if (ingest.failed.length > 0) console.warn("not ingested:", ingest.failed);
  const stats = await index.stats();
  const results: QueryResult[] = [];
  for (const mode of MODES) results.push(...(await evaluate(index, queries, mode, { rrfK, repeat })));
  await index.close();

  const kinds = [...new Set(queries.map((query) => query.kind))].sort();
  const splits: (Split | "all")[] = ["dev", "heldout", "all"];
  const inSplit = (split: Split | "all") => (result: QueryResult) =>
    split === "all" || result.split === split;
  type ModeSummary = Summary & {
    latencyP50Milliseconds: number;
    latencyP95Milliseconds: number;
    byKind: Record<string, Summary>;
  };
  const bySplit = Object.fromEntries(
    splits.map((split) => [
      split,
      Object.fromEntries(
        MODES.map((mode) => {
          const own = results.filter((result) => result.mode === mode && inSplit(split)(result));
          const latencies = own.flatMap((result) => result.latencyMilliseconds).sort((a, b) => a - b);
          return [
            mode,
            {
              ...summarize(own),
              latencyP50Milliseconds: quantile(latencies, 0.5),
              latencyP95Milliseconds: quantile(latencies, 0.95),
              byKind: Object.fromEntries(
                kinds.map((kind) => [kind, summarize(own.filter((result) => result.kind === kind))]),
              ),
            },
          ];
        }),
      ) as Record<SearchMode, ModeSummary>,
    ]),
  ) as Record<Split | "all", Record<SearchMode, ModeSummary>>;

  /** Per query, whether hybrid ranks its first relevant chunk higher (win), lower (loss) or the same as `other`. */
  const paired = (other: SearchMode, split: Split | "all") => {
    const tally = { wins: 0, losses: 0, ties: 0 };
    for (const query of queries.filter((query) => split === "all" || splitOf(query.id) === split)) {
      const find = (mode: SearchMode) =>
        results.find((result) => result.id === query.id && result.mode === mode)!;
      const difference = find("hybrid").reciprocalRank - find(other).reciprocalRank;
      if (difference > 1e-12) tally.wins++;
      else if (difference < -1e-12) tally.losses++;
      else tally.ties++;
    }
    return tally;
  };
  const versus = Object.fromEntries(
    splits.map((split) => [split, { fts: paired("fts", split), vector: paired("vector", split) }]),
  );
  const fixed = (value: number, digits = 3) => value.toFixed(digits);
  const splitName = { dev: "dev", heldout: "held-out", all: "all" };
  const lines = [
    "# Retrieval evaluation",
    "",
    `Corpus \`${values.corpus}\`: ${files.length} notes (README.md excluded), ${ingest.chunks} chunks, ingested in ${fixed(ingest.durationMilliseconds / 1000, 2)} s (${fixed(ingest.chunksPerSecond, 0)} chunks/s). Embedder ${stats.embedder} (${stats.dimensions} dimensions); parameters ${JSON.stringify(parameters)}. ${queries.length} queries from \`${values.queries}\`; latency over ${repeat} runs of each query, ${os.cpus().length} CPUs, Node ${process.version}.`,
    "",
    `Split: ${SPLIT_RULE} (${queries.filter((query) => splitOf(query.id) === "dev").length} / ${queries.filter((query) => splitOf(query.id) === "heldout").length}). The offline embedder's parameters and the default RRF k were chosen on dev only (bench/tune.ts).`,
    "",
    "| split | mode | recall@5 | MRR@10 | p50 latency (ms) | p95 latency (ms) |",
    "| --- | --- | --- | --- | --- | --- |",
    ...splits.flatMap((split) =>
      MODES.map((mode) => {
        const summary = bySplit[split][mode];
        return `| ${splitName[split]} (${summary.queries}) | ${mode} | ${fixed(summary.recallAt5)} | ${fixed(summary.mrrAt10)} | ${fixed(summary.latencyP50Milliseconds, 1)} | ${fixed(summary.latencyP95Milliseconds, 1)} |`;
      }),
    ),
    "",
    "Per query (reciprocal rank of the first relevant chunk), hybrid against each single list:",
    "",
    "| split | hybrid vs fts (better / worse / equal) | hybrid vs vector (better / worse / equal) |",
    "| --- | --- | --- |",
    ...splits.map(
      (split) =>
        `| ${splitName[split]} | ${versus[split]!.fts.wins} / ${versus[split]!.fts.losses} / ${versus[split]!.fts.ties} | ${versus[split]!.vector.wins} / ${versus[split]!.vector.losses} / ${versus[split]!.vector.ties} |`,
    ),
    "",
    "By query kind (recall@5 / MRR@10):",
    "",
    `| split | kind | queries | ${MODES.join(" | ")} |`,
    `| --- | --- | --- | ${MODES.map(() => "---").join(" | ")} |`,
    ...splits.flatMap((split) =>
      kinds.map(
        (kind) =>
          `| ${splitName[split]} | ${kind} | ${bySplit[split].fts.byKind[kind]!.queries} | ${MODES.map((mode) => `${fixed(bySplit[split][mode].byKind[kind]!.recallAt5)} / ${fixed(bySplit[split][mode].byKind[kind]!.mrrAt10)}`).join(" | ")} |`,
      ),
    ),
    "",
  ];
  const markdown = lines.join("\n");
  mkdirSync(values.out, { recursive: true });
  writeFileSync(path.join(values.out, "retrieval-eval.md"), markdown);
  writeFileSync(
    path.join(values.out, "retrieval-eval.json"),
    `${JSON.stringify(
      {
        corpus: values.corpus,
        corpusFiles: files,
        queriesFile: values.queries,
        split: SPLIT_RULE,
        embedder: stats.embedder,
        dimensions: stats.dimensions,
        parameters,
        repeat,
        ingest,
        splits: bySplit,
        hybridVersus: versus,
        queries: results,
      },
      null,
      2,
    )}\n`,
  );
  console.log(markdown);
  console.log(`written to ${path.resolve(values.out)}`);
} finally {
  rmSync(directory, { recursive: true, force: true });
}
