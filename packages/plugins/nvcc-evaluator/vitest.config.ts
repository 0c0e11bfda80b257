import { defineProject } from "vitest/config";

export default defineProject({
  test: { name: "nvcc-evaluator", include: ["src/**/*.test.ts", "test/**/*.test.ts"], environment: "node" },
});
