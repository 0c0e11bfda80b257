import { defineProject } from "vitest/config";

export default defineProject({
  test: { name: "queue-evaluator", include: ["src/**/*.test.ts", "test/**/*.test.ts"], environment: "node" },
});
