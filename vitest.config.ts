import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    projects: [
      "packages/core",
      "packages/cli",
      "packages/gpu-runner",
      "packages/archive",
      "packages/report",
      "packages/plugins/*/vitest.config.ts",
      "docs/examples/*/vitest.config.ts",
    ],
  },
});
