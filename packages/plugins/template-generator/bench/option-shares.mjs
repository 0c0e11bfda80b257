#!/usr/bin/env node
/**
 * How often each option of a family's dimensions comes close to a shape's best, over saved `subset` results
 * (the subset.json that `template-search.mjs subset` writes, plain or xz-compressed). Runs anywhere with Node and,
 * for .xz files, the `xz` tool; no GPU.
 *
 *   node option-shares.mjs --family tensor-core-tile [--within 0.9] [--mode hot] [--layout linear] FILE...
 *
 * Every distinct point (shape, family, point hash) counts once, at the upper median of its evaluations; a shape's
 * best is the best such median over every family in the files. For each option the output gives the points that
 * have it, how many are within the given fraction of their shape's best, and the best fraction reached.
 */
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { parseArgs } from "node:util";

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    family: { type: "string" },
    within: { type: "string", default: "0.9" },
    mode: { type: "string", default: "hot" },
    layout: { type: "string" },
  },
});
const within = Number(values.within);
if (
  !values.family ||
  !positionals.length ||
  !(within > 0 && within <= 1) ||
  !/^(hot|cold)$/.test(values.mode)
) {
  console.error(
    "usage: option-shares.mjs --family NAME [--within 0.9] [--mode hot|cold] [--layout nn|linear] FILE...",
  );
  process.exit(2);
}
const ratioKey = values.mode === "hot" ? "hotCublas" : "coldCublas";

function readResult(file) {
  const text = file.endsWith(".xz")
    ? execFileSync("xz", ["-dc", file], { encoding: "utf8", maxBuffer: 1 << 30 })
    : readFileSync(file, "utf8");
  return JSON.parse(text);
}

/** (shape key, family, point hash) -> { ratios, values } */
const points = new Map();
for (const file of positionals) {
  for (const row of readResult(file).rows ?? []) {
    if (values.layout && row.layout !== values.layout) continue;
    const shape = `${row.shape} ${row.layout}`;
    for (const point of row.points ?? []) {
      const ratio = point[ratioKey];
      if (point.status !== "ok" || !(ratio > 0)) continue;
      const { family, point: hash, values: design } = point.configuration;
      const key = `${shape}\0${family}\0${hash}`;
      const entry = points.get(key) ?? { shape, family, ratios: [], design };
      entry.ratios.push(ratio);
      points.set(key, entry);
    }
  }
}
const upperMedian = (list) => [...list].sort((a, b) => a - b)[Math.floor(list.length / 2)];
const best = new Map();
for (const entry of points.values()) {
  entry.ratio = upperMedian(entry.ratios);
  best.set(entry.shape, Math.max(best.get(entry.shape) ?? 0, entry.ratio));
}
const options = new Map();
let counted = 0;
for (const entry of points.values()) {
  if (entry.family !== values.family) continue;
  counted++;
  const fraction = entry.ratio / best.get(entry.shape);
  for (const [dimension, option] of Object.entries(entry.design)) {
    const key = `${dimension}=${option}`;
    const stats = options.get(key) ?? { points: 0, close: 0, bestFraction: 0 };
    stats.points++;
    if (fraction >= within) stats.close++;
    stats.bestFraction = Math.max(stats.bestFraction, fraction);
    options.set(key, stats);
  }
}
console.log(
  `${values.family}: ${counted} distinct points on ${best.size} shapes; within ${within} of the shape's best (${values.mode}, vs cuBLAS)`,
);
for (const [key, stats] of [...options].sort(([a], [b]) => a.localeCompare(b))) {
  const share = ((100 * stats.close) / stats.points).toFixed(1);
  console.log(
    `${key.padEnd(28)} ${String(stats.points).padStart(6)} points  ${String(stats.close).padStart(5)} close (${share.padStart(5)} %)  best ${stats.bestFraction.toFixed(3)}`,
  );
}
