import { defineProject } from "vitest/config";

export default defineProject({
  test: { name: "gpu-runner", include: ["src/**/*.test.ts", "test/**/*.test.ts"], environment: "node" },
});
