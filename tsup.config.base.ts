import { defineConfig } from "tsup";

/** The build every library package of the monorepo shares: one ESM entry with type declarations. */
export default defineConfig({
  entry: ["src/index.ts"],
  format: ["esm"],
  dts: true,
  sourcemap: true,
  clean: true,
  target: "node20",
});
