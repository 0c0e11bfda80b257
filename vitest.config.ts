import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    projects: [
      "packages/core",
      "packages/cli",
      "packages/gpu-runner",
      "packages/plugins/*/vitest.config.ts",
      "docs/examples/*/vitest.config.ts",
    ],
  },
});
