import { defineProject } from "vitest/config";

export default defineProject({
  test: { name: "example-keyword-retriever", include: ["src/**/*.test.ts"], environment: "node" },
});
