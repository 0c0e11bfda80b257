/**
 * Shared by the bench scripts: the query set, its dev / held-out split, the benchmark corpus (the notes, not
 * the corpus README) and the evaluation of an index over a set of queries.
 */
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import type { RetrievedPassage } from "@kernelforge/core";
import type { DocsIndex, SearchMode } from "../src/index.js";

export interface Label {
  source: string;
  section: string;
}

export interface EvalQuery {
  id: string;
  text: string;
  kind: string;
  relevant: Label[];
}

export const RECALL_DEPTH = 5;
export const MRR_DEPTH = 10;

/**
 * The split, fixed before any parameter was chosen: a query whose id has an odd number (`q01`, `q03`…) is a
 * dev query (parameters are chosen on these), an even one is held out (reported only).
 */
export type Split = "dev" | "heldout";
export const SPLIT_RULE = "dev = queries with an odd numeric id (q01, q03, …); held-out = even ids";
export function splitOf(id: string): Split {
  const digits = id.match(/\d+/g);
  if (digits === null)
    throw new Error(`query id ${id} has no number: cannot place it in the dev / held-out split`);
  return Number(digits[digits.length - 1]) % 2 === 1 ? "dev" : "heldout";
}

/** Reads the query set; accepts the field names a labelled query set commonly uses. */
export function loadQueries(file: string): EvalQuery[] {
  const raw = JSON.parse(readFileSync(file, "utf8")) as unknown;
  const list = (Array.isArray(raw) ? raw : (raw as { queries?: unknown }).queries) as Record<
    string,
    unknown
  >[];
  if (!Array.isArray(list)) throw new Error(`${file}: expected an array of queries (or { queries: [...] })`);
  return list.map((entry, index) => {
    const text = entry.query ?? entry.text ?? entry.question;
    const labels = (entry.relevant ?? entry.expected ?? entry.labels ?? entry.answers) as unknown;
    if (typeof text !== "string" || !Array.isArray(labels) || labels.length === 0) {
      throw new Error(`${file}: query ${index} lacks a text or its labelled passages`);
    }
    return {
      id: String(entry.id ?? index + 1),
      text,
      kind: String(entry.kind ?? entry.type ?? entry.category ?? "all"),
      relevant: labels.map((label) => toLabel(label, file, index)),
    };
  });
}

function toLabel(label: unknown, file: string, index: number): Label {
  if (typeof label === "object" && label !== null) {
    const { source, section } = label as { source?: unknown; section?: unknown };
    if (typeof source === "string") return { source, section: typeof section === "string" ? section : "" };
  }
  if (typeof label === "string") {
    const hash = label.indexOf("#");
    return hash < 0
      ? { source: label, section: "" }
      : { source: label.slice(0, hash), section: label.slice(hash + 1) };
  }
  throw new Error(
    `${file}: query ${index} has a label that is neither {source, section} nor "source#section"`,
  );
}

/**
 * What the benchmark ingests from a corpus: a directory gives its Markdown notes (`*.md`, recursively), less
 * any `README.md` (the corpus index, a list of every title, which would otherwise match every query); a file
 * is taken as is.
 */
export function corpusFiles(corpus: string): string[] {
  const out: string[] = [];
  const walk = (directory: string) => {
    for (const entry of readdirSync(directory, { withFileTypes: true }).sort((a, b) =>
      a.name < b.name ? -1 : 1,
    )) {
      if (entry.name.startsWith(".")) continue;
      const full = path.join(directory, entry.name);
      if (entry.isDirectory()) walk(full);
      else if (entry.name.endsWith(".md") && entry.name.toLowerCase() !== "readme.md") out.push(full);
    }
  };
  try {
    walk(corpus);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOTDIR") return [corpus];
    throw error;
  }
  return out;
}

function matches(passage: RetrievedPassage, label: Label): boolean {
  return (
    passage.chunk.source.endsWith(label.source) && (passage.chunk.section ?? "").startsWith(label.section)
  );
}

export interface QueryResult {
  id: string;
  kind: string;
  split: Split;
  mode: SearchMode;
  recall: number;
  reciprocalRank: number;
  firstRelevantRank: number | undefined;
  latencyMilliseconds: number[];
  top: string[];
}

export interface Summary {
  queries: number;
  recallAt5: number;
  mrrAt10: number;
}

export function summarize(results: readonly QueryResult[]): Summary {
  const mean = (numbers: number[]) =>
    numbers.length === 0 ? 0 : numbers.reduce((a, b) => a + b, 0) / numbers.length;
  return {
    queries: results.length,
    recallAt5: mean(results.map((result) => result.recall)),
    mrrAt10: mean(results.map((result) => result.reciprocalRank)),
  };
}

/** Runs each query in one mode (`repeat` times, for latency) and scores its last answer. */
export async function evaluate(
  index: DocsIndex,
  queries: readonly EvalQuery[],
  mode: SearchMode,
  options: { rrfK: number; repeat?: number },
): Promise<QueryResult[]> {
  const repeat = Math.max(1, options.repeat ?? 1);
  const results: QueryResult[] = [];
  if (queries.length > 0)
    await index.search(queries[0]!.text, { mode, limit: MRR_DEPTH, rrfK: options.rrfK }); // warm-up
  for (const query of queries) {
    const latencyMilliseconds: number[] = [];
    let passages: RetrievedPassage[] = [];
    for (let run = 0; run < repeat; run++) {
      const started = performance.now();
      passages = await index.search(query.text, { mode, limit: MRR_DEPTH, rrfK: options.rrfK });
      latencyMilliseconds.push(performance.now() - started);
    }
    const top5 = passages.slice(0, RECALL_DEPTH);
    const found = query.relevant.filter((label) => top5.some((passage) => matches(passage, label))).length;
    const first = passages.findIndex((passage) => query.relevant.some((label) => matches(passage, label)));
    results.push({
      id: query.id,
      kind: query.kind,
      split: splitOf(query.id),
      mode,
      recall: found / query.relevant.length,
      reciprocalRank: first < 0 ? 0 : 1 / (first + 1),
      firstRelevantRank: first < 0 ? undefined : first + 1,
      latencyMilliseconds,
      top: top5.map((passage) => `${passage.chunk.source}#${passage.chunk.section ?? ""}`),
    });
  }
  return results;
}
