#!/usr/bin/env node
// Writes the shape datasets of this folder. Deterministic: the same script always writes the same files.
//   node datasets/shapes/make-shapes.mjs
import { writeFileSync } from "node:fs";
import path from "node:path";

const here = import.meta.dirname;
const SIZES = [64, 128, 256, 512, 1024, 2048, 4096, 8192, 12288, 16384];
const flops = (s) => 2 * s.m * s.n * s.k;

// The 1000-shape grid: M, N, K each in SIZES (row-major A and C, B in the `nn` layout).
const grid = [];
for (const m of SIZES) for (const n of SIZES) for (const k of SIZES) grid.push({ m, n, k, layout: "nn" });

// Decode shapes: few tokens (M) against the weight matrices of common LLM layers, `linear` layout (x @ W.T).
const DECODE_M = [1, 2, 4, 8, 16, 32];
const LAYERS = [
  { n: 4096, k: 4096, layer: "attention output, 4096 hidden" },
  { n: 6144, k: 4096, layer: "fused QKV with grouped KV heads, 4096 hidden" },
  { n: 12288, k: 4096, layer: "fused QKV, 4096 hidden" },
  { n: 11008, k: 4096, layer: "MLP up/gate, 11008 intermediate" },
  { n: 4096, k: 11008, layer: "MLP down, 11008 intermediate" },
  { n: 14336, k: 4096, layer: "MLP up/gate, 14336 intermediate" },
  { n: 4096, k: 14336, layer: "MLP down, 14336 intermediate" },
];
const decode = [];
for (const m of DECODE_M) for (const layer of LAYERS) decode.push({ m, n: layer.n, k: layer.k, layout: "linear", layer: layer.layer });

// The benchmark subset: 48 shapes, stratified and seeded. Strata by FLOP count as CUDA-L2 reports them —
// small (< 2^30 FLOP), medium, large (>= 2^36 FLOP) — drawn from the grid with every dimension <= 8192 (so a
// whole search over the subset fits a short GPU run), plus skinny decode shapes; 12 from each stratum.
function random(seed) {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x9e3779b9) >>> 0;
    let z = state;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
    return ((z ^ (z >>> 16)) >>> 0) / 4294967296;
  };
}
function pick(list, count, next) {
  const pool = [...list];
  const chosen = [];
  while (chosen.length < count && pool.length) chosen.push(pool.splice(Math.floor(next() * pool.length), 1)[0]);
  return chosen.sort((a, b) => flops(a) - flops(b) || a.m - b.m || a.n - b.n || a.k - b.k);
}
const next = random(20261121);
const bounded = grid.filter((s) => Math.max(s.m, s.n, s.k) <= 8192);
const small = bounded.filter((s) => flops(s) < 2 ** 30);
const large = bounded.filter((s) => flops(s) >= 2 ** 36);
const medium = bounded.filter((s) => flops(s) >= 2 ** 30 && flops(s) < 2 ** 36);
const subset = [
  ...pick(small, 12, next).map((s) => ({ ...s, stratum: "small" })),
  ...pick(medium, 12, next).map((s) => ({ ...s, stratum: "medium" })),
  ...pick(large, 12, next).map((s) => ({ ...s, stratum: "large" })),
  ...pick(decode, 12, next).map(({ layer, ...s }) => ({ ...s, stratum: "skinny" })),
];

const write = (name, description, shapes) =>
  writeFileSync(path.join(here, name), `${JSON.stringify({ description, count: shapes.length, shapes }, null, 1)}\n`);
write("grid.json", "M, N, K each in {64, 128, 256, 512, 1024, 2048, 4096, 8192, 12288, 16384}; layout nn", grid);
write("decode.json", "M in {1, 2, 4, 8, 16, 32} against common LLM layer weights; layout linear (x @ W.T)", decode);
write(
  "benchmark-subset.json",
  "48 shapes, seed 20261121: 12 each of small (< 2^30 FLOP), medium, large (>= 2^36 FLOP) from the grid with dimensions <= 8192, and 12 decode shapes",
  subset,
);
console.log(`grid ${grid.length}, decode ${decode.length}, subset ${subset.length}`);
