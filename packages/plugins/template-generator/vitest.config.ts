import { defineProject } from "vitest/config";

export default defineProject({
  test: {
    name: "template-generator",
    include: ["src/**/*.test.ts", "test/**/*.test.ts"],
    environment: "node",
  },
});
