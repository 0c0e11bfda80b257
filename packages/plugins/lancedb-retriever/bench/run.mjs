#!/usr/bin/env node
// Runs a TypeScript bench script of this package: bundles it with esbuild (the package's own sources inlined,
// dependencies left to node_modules) into node_modules/.cache/kforge-bench/, then runs it with the remaining
// arguments. Build @kernelforge/core first (npx turbo run build --filter=@kernelforge/plugin-lancedb-retriever).
//   node packages/plugins/lancedb-retriever/bench/run.mjs [script.ts] [--args of the script]
// The script defaults to retrieval-eval.ts.
import { spawnSync } from "node:child_process";
import path from "node:path";
import { build } from "esbuild";

const here = import.meta.dirname;
const packageDirectory = path.resolve(here, "..");
const argv = process.argv.slice(2);
const script = argv[0]?.endsWith(".ts") ? argv.shift() : "retrieval-eval.ts";
const outfile = path.join(
  packageDirectory,
  "node_modules/.cache/kforge-bench",
  script.replace(/\.ts$/, ".mjs"),
);
await build({
  entryPoints: [path.resolve(here, script)],
  outfile,
  bundle: true,
  platform: "node",
  format: "esm",
  target: "node20",
  packages: "external",
  logLevel: "warning",
  tsconfigRaw: { compilerOptions: { experimentalDecorators: true } },
});
const result = spawnSync(process.execPath, [outfile, ...argv], { stdio: "inherit" });
process.exit(result.status ?? 1);
