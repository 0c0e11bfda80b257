import { defineProject } from "vitest/config";

export default defineProject({
  test: { name: "hf-generator", include: ["src/**/*.test.ts", "test/**/*.test.ts"], environment: "node" },
});
