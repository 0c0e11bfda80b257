#!/usr/bin/env node
// Checks the retrieval query set against the CUDA documentation corpus:
//   - every labelled section exists, spelled exactly `<# title> > <## heading>`, in the named file;
//   - query ids are unique, kinds are known, every query has at least one label;
//   - every note has one `#` title, 3 to 6 `##` sections of 80 to 300 words, and a `## Pitfalls` section.
// Usage: node datasets/retrieval-eval/check-labels.mjs   (from the repository root; no dependencies)
// Exits with status 1 and lists the problems when a check fails.
import { readdirSync, readFileSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, "..", "..");
const queriesPath = join(here, "queries.json");
const KINDS = new Set(["lexical", "paraphrase", "mixed"]);
const MIN_NOTES = 44;
const MIN_QUERIES = 48;

/** Splits a note into its title and `##` sections, ignoring lines inside fenced code blocks. */
function parseNote(text) {
  const titles = [];
  const sections = [];
  let inFence = false;
  let current = null;
  for (const line of text.split("\n")) {
    if (line.startsWith("```")) inFence = !inFence;
    if (!inFence && line.startsWith("# ")) {
      titles.push(line.slice(2).trim());
      continue;
    }
    if (!inFence && line.startsWith("## ")) {
      current = { heading: line.slice(3).trim(), words: 0 };
      sections.push(current);
      continue;
    }
    if (current) current.words += line.split(/\s+/).filter(Boolean).length;
  }
  return { titles, sections };
}

const problems = [];
const queries = JSON.parse(readFileSync(queriesPath, "utf8"));
const corpusDir = join(root, queries.corpus ?? "");
if (queries.corpus !== "datasets/cuda-docs") problems.push(`corpus is ${queries.corpus}, expected datasets/cuda-docs`);

// The corpus.
const notes = new Map(); // source path -> { title, headings }
for (const file of readdirSync(corpusDir).sort()) {
  if (!file.endsWith(".md") || file === "README.md") continue;
  const source = `datasets/cuda-docs/${file}`;
  const { titles, sections } = parseNote(readFileSync(join(corpusDir, file), "utf8"));
  if (titles.length !== 1) problems.push(`${source}: ${titles.length} '#' titles, expected 1`);
  if (sections.length < 3 || sections.length > 6)
    problems.push(`${source}: ${sections.length} '##' sections, expected 3 to 6`);
  if (!sections.some((s) => s.heading === "Pitfalls")) problems.push(`${source}: no '## Pitfalls' section`);
  for (const s of sections)
    if (s.words < 80 || s.words > 300) problems.push(`${source} > ${s.heading}: ${s.words} words, expected 80-300`);
  notes.set(source, { title: titles[0], headings: new Set(sections.map((s) => s.heading)) });
}
if (notes.size < MIN_NOTES) problems.push(`${notes.size} notes, expected at least ${MIN_NOTES}`);

// The queries.
const ids = new Set();
const kinds = { lexical: 0, paraphrase: 0, mixed: 0 };
const cited = new Set();
let labels = 0;
for (const q of queries.queries) {
  if (ids.has(q.id)) problems.push(`${q.id}: duplicate id`);
  ids.add(q.id);
  if (!KINDS.has(q.kind)) problems.push(`${q.id}: unknown kind ${q.kind}`);
  else kinds[q.kind]++;
  if (typeof q.query !== "string" || q.query.trim() === "") problems.push(`${q.id}: empty query`);
  if (!Array.isArray(q.relevant) || q.relevant.length === 0) problems.push(`${q.id}: no relevant sections`);
  for (const r of q.relevant ?? []) {
    labels++;
    const note = notes.get(r.source);
    if (!note) {
      problems.push(`${q.id}: no note ${r.source}`);
      continue;
    }
    cited.add(r.source);
    const prefix = `${note.title} > `;
    if (!r.section.startsWith(prefix)) {
      problems.push(`${q.id}: section "${r.section}" does not start with the title of ${r.source} ("${note.title}")`);
      continue;
    }
    const heading = r.section.slice(prefix.length);
    if (!note.headings.has(heading)) problems.push(`${q.id}: ${r.source} has no '## ${heading}'`);
  }
}
if (queries.queries.length < MIN_QUERIES)
  problems.push(`${queries.queries.length} queries, expected at least ${MIN_QUERIES}`);

const uncited = [...notes.keys()].filter((s) => !cited.has(s));
console.log(
  `notes: ${notes.size}; queries: ${queries.queries.length} (lexical ${kinds.lexical}, paraphrase ${kinds.paraphrase}, mixed ${kinds.mixed}); labels: ${labels}`,
);
console.log(`notes cited by at least one query: ${notes.size - uncited.length}/${notes.size}`);
for (const s of uncited) console.log(`  not cited: ${s}`);
if (problems.length > 0) {
  console.log(`${problems.length} problem(s):`);
  for (const p of problems) console.log(`  ${p}`);
  process.exitCode = 1;
} else {
  console.log(`all labels match an existing '# title > ## heading'; every note has a Pitfalls section (${relative(root, queriesPath)})`);
}
