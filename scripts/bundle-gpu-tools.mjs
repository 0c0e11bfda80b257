#!/usr/bin/env node
// Bundles what a GPU host needs into single files that run with a bare Node (no node_modules there):
// the kforge CLI (with its built-in plugins), the evaluator GPU check and the candidate-file evaluator. The native harness sources travel
// as they are (packages/gpu-runner/native) and are built by nvcc on the host.
//   node scripts/bundle-gpu-tools.mjs [outDir]   (default: dist-gpu)
import { readFileSync } from "node:fs";
import path from "node:path";
import { build } from "esbuild";

const root = path.resolve(import.meta.dirname, "..");
const outDirectory = path.resolve(process.argv[2] ?? path.join(root, "dist-gpu"));
const common = {
  bundle: true,
  platform: "node",
  format: "esm",
  target: "node20",
  minify: false,
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
};
const cliVersion = JSON.parse(readFileSync(path.join(root, "packages/cli/package.json"), "utf8")).version;
await build({
  ...common,
  entryPoints: [path.join(root, "packages/cli/src/bin.ts")],
  outfile: path.join(outDirectory, "kforge.mjs"),
  define: { __KFORGE_CLI_VERSION__: JSON.stringify(`${cliVersion} (bundle)`) },
});
for (const tool of ["gpu-check", "evaluate-file"]) {
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
  entryPoints: [path.join(root, "packages/plugins/grpo/bench/grpo-vs-random.ts")],
  outfile: path.join(outDirectory, "grpo-vs-random.mjs"),
});
console.log(`bundled into ${outDirectory}`);
