import type { KernelForgeConfig } from "@kernelforge/core";

const show = (value: unknown) => JSON.stringify(value);

/** The text of a commented `kforge.config.ts` whose values are the given (default) config. */
export function configTemplate(defaults: KernelForgeConfig): string {
  const { tasks, search, evaluation, archive } = defaults;
  return `// KernelForge configuration. Every key is optional: the values below are the embedded defaults.
// Check it with \`kforge plugins\`, which loads this file and every plugin it names.
import { defineConfig } from "@kernelforge/core";

export default defineConfig({
  // Plugins to load, in order: an npm package name, or a path relative to this file, optionally with the
  // options that plugin's own schema accepts (see its README). The list replaces the defaults, so keep a
  // generator, the reward/policy plugin and an evaluator when adding one, e.g. a retriever:
  //   plugins: [...the three below, { from: "./plugins/my-retriever", options: { limit: 4 } }],
  // The evaluator measures on the local GPU, or estimates when none is visible; force one with
  //   { from: "@kernelforge/plugin-nvcc-evaluator", options: { mode: "measured" } }
  plugins: ${show(defaults.plugins)},

  tasks: {
    // Shapes to search, each MxNxK (fp16 in and out, fp32 accumulation), in every layout below, or
    // MxNxK:nn / MxNxK:linear for one layout only.
    shapes: ${show(tasks.shapes)},
    // Layouts of B: "nn" (row-major KxN) and/or "linear" (row-major NxK, as in x @ W.T).
    layouts: ${show(tasks.layouts)},
    // Target architecture: sm90 is Hopper (H100, H200).
    arch: ${show(tasks.arch)},
  },

  search: {
    // Rounds over all tasks.
    rounds: ${show(search.rounds)},
    // Candidates generated per task and round: the GRPO group size.
    groupSize: ${show(search.groupSize)},
    // Seed of every random choice, so a run can be repeated.
    seed: ${show(search.seed)},
    // Most documentation passages retrieved for each generation.
    passages: ${show(search.passages)},
    // generator: "<name>",  // which KernelGenerator to use when several are loaded (see \`kforge plugins\`)
  },

  evaluation: {
    // Timing modes: "cold" flushes L2 before each timed launch; "hot" times back-to-back launches.
    modes: ${show(evaluation.modes)},
    // Vendor baselines timed beside every candidate, in the same process.
    baselines: ${show(evaluation.baselines)},
    // Speedups above this multiple of the best baseline are flagged suspect and not rewarded.
    suspectSpeedup: ${show(evaluation.suspectSpeedup)},
    compileTimeoutSeconds: ${show(evaluation.compileTimeoutSeconds)},
    runTimeoutSeconds: ${show(evaluation.runTimeoutSeconds)},
    // evaluator: "<name>",  // which GpuEvaluator to use when several are loaded (see \`kforge plugins\`)
  },

  archive: {
    // Where runs are archived: a directory (relative to this file) or a LanceDB URI.
    uri: ${show(archive.uri)},
  },
});
`;
}
