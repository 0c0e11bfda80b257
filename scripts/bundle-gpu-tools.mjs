#!/usr/bin/env node
// Bundles what a GPU host needs into single files that run with a bare Node (no node_modules there):
// the kforge CLI (with its built-in plugins, `kforge worker` and BullMQ/ioredis included), the evaluator GPU
// check, the candidate-file evaluator and the multi-GPU throughput measurement. The native harness sources
// travel as they are (packages/gpu-runner/native) and are built by nvcc on the host.
//   node scripts/bundle-gpu-tools.mjs [outDir] [--no-native] [--minify]   (default: dist-gpu)
import { cpSync, existsSync, readdirSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { build } from "esbuild";

const root = path.resolve(import.meta.dirname, "..");
const positional = process.argv.slice(2).filter((argument) => !argument.startsWith("--"));
const copyNative = !process.argv.includes("--no-native");
const minify = process.argv.includes("--minify");
const outDirectory = path.resolve(positional[0] ?? path.join(root, "dist-gpu"));
const common = {
  bundle: true,
  platform: "node",
  format: "esm",
  target: "node20",
  minify,
  sourcemap: false,
  logLevel: "warning",
  // Some dependencies are CommonJS and call require(): give the ES module bundle one.
  banner: {
    js: "import { createRequire as __kforgeCreateRequire } from 'node:module'; const require = __kforgeCreateRequire(import.meta.url);",
  },
  plugins: [
    {
      // Ink imports its React devtools bridge only when DEV is set; the bundle has no devtools to offer.
      name: "no-react-devtools",
      setup(builder) {
        builder.onResolve({ filter: /^react-devtools-core$/ }, () => ({
          path: "react-devtools-core",
          namespace: "absent",
        }));
        builder.onLoad({ filter: /.*/, namespace: "absent" }, () => ({
          contents: "export default { initialize() {}, connectToDevTools() {} };",
        }));
      },
    },
  ],
  tsconfigRaw: { compilerOptions: { experimentalDecorators: true, jsx: "react-jsx" } },
  // LanceDB's native binding cannot be bundled: it is loaded at run time from node_modules beside the bundle.
  external: ["@lancedb/lancedb-*", "*.node"],
};
const cliVersion = JSON.parse(readFileSync(path.join(root, "packages/cli/package.json"), "utf8")).version;
await build({
  ...common,
  entryPoints: [path.join(root, "packages/cli/src/bin.ts")],
  outfile: path.join(outDirectory, "kforge.mjs"),
  define: { __KFORGE_CLI_VERSION__: JSON.stringify(`${cliVersion} (bundle)`) },
});
for (const tool of ["gpu-check", "evaluate-file", "estimate-vs-measured", "multi-gpu"]) {
  await build({
    ...common,
    entryPoints: [path.join(root, `packages/plugins/nvcc-evaluator/bench/${tool}.ts`)],
    outfile: path.join(outDirectory, `${tool}.mjs`),
  });
}
await build({
  ...common,
  entryPoints: [path.join(root, "packages/plugins/template-generator/bench/gpu-search.ts")],
  outfile: path.join(outDirectory, "template-search.mjs"),
});
await build({
  ...common,
  entryPoints: [path.join(root, "packages/report/bench/export-check.ts")],
  outfile: path.join(outDirectory, "export-check.mjs"),
});
await build({
  ...common,
  entryPoints: [path.join(root, "bench/headline/headline.ts")],
  outfile: path.join(outDirectory, "headline.mjs"),
});
await build({
  ...common,
  entryPoints: [path.join(root, "packages/plugins/grpo/bench/grpo-vs-random.ts")],
  outfile: path.join(outDirectory, "grpo-vs-random.mjs"),
});
// The archive's native binding for this platform, beside the bundles (`--no-native` leaves it out, for hosts
// that get it another way: `npm install @lancedb/lancedb` there, or a copy of this folder).
if (copyNative) {
  // The package's folder, found from its entry point: its exports map does not expose package.json.
  let lancedb = path.dirname(
    createRequire(path.join(root, "packages/archive/package.json")).resolve("@lancedb/lancedb"),
  );
  while (!existsSync(path.join(lancedb, "package.json")) || path.basename(lancedb) !== "lancedb") {
    const parent = path.dirname(lancedb);
    if (parent === lancedb) throw new Error("cannot find the @lancedb/lancedb package folder");
    lancedb = parent;
  }
  const scope = path.dirname(lancedb);
  for (const name of readdirSync(scope).filter((entry) => entry.startsWith("lancedb-"))) {
    const target = path.join(outDirectory, "node_modules", "@lancedb", name);
    if (!existsSync(target)) cpSync(path.join(scope, name), target, { recursive: true });
  }
}
console.log(
  `bundled into ${outDirectory}${copyNative ? " (with LanceDB's native binding in node_modules/)" : ""}`,
);
