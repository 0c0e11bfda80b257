import { defineProject } from "vitest/config";

export default defineProject({
  test: {
    name: "lancedb-retriever",
    include: ["src/**/*.test.ts", "test/**/*.test.ts"],
    environment: "node",
  },
});
