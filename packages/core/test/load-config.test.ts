import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { ConfigError } from "../src/config/config-issue.js";
import { loadConfig } from "../src/config/load-config.js";

const fixtures = path.join(path.dirname(fileURLToPath(import.meta.url)), "fixtures");

describe("loadConfig", () => {
  it("returns the embedded defaults when no config file exists", async () => {
    const directory = mkdtempSync(path.join(tmpdir(), "kforge-config-"));
    const loaded = await loadConfig({ cwd: directory });
    expect(loaded.source).toBe("embedded defaults");
    expect(loaded.config.search).toEqual({ rounds: 4, groupSize: 8, seed: 1, passages: 4 });
    expect(loaded.config.evaluation.baselines).toEqual([
      "cublas",
      "cublaslt-heuristic",
      "cublaslt-autotuned",
    ]);
  });

  it("evaluates a TypeScript config that imports defineConfig", async () => {
    const loaded = await loadConfig({ cwd: path.join(fixtures, "config-ts") });
    expect(loaded.source).toBe(path.join(fixtures, "config-ts", "kforge.config.ts"));
    expect(loaded.config.search.rounds).toBe(6);
    expect(loaded.config.search.groupSize).toBe(4);
    expect(loaded.config.plugins).toEqual([
      { from: "../static-retriever", options: { text: "from ts config" } },
    ]);
  });

  it("lists every bad key with its value and what is valid", async () => {
    const error = await loadConfig({ cwd: path.join(fixtures, "config-bad") }).catch(
      (caught: unknown) => caught,
    );
    expect(error).toBeInstanceOf(ConfigError);
    const issues = (error as ConfigError).issues;
    const byPath = Object.fromEntries(issues.map((issue) => [issue.path, issue]));
    expect(Object.keys(byPath).sort()).toEqual(
      ["(root)", "search.groupSize", "search.rounds", "tasks.layouts[1]"]
        .map((key) => (key === "(root)" ? "" : key))
        .sort(),
    );
    expect(byPath["search.rounds"]?.message).toMatch(/>=1/);
    expect(byPath["search.rounds"]?.received).toBe("0 (number)");
    expect(byPath["search.groupSize"]?.received).toBe('"eight" (string)');
    expect(byPath["tasks.layouts[1]"]?.message).toContain('"nn"|"linear"');
    expect(byPath[""]?.message).toContain('unknown key "evaluaton"; valid keys here:');
    expect(byPath[""]?.message).toContain("evaluation");
    expect((error as Error).message).toContain("kforge.config.json");
  });

  it("reports malformed JSON and a missing explicit file clearly", async () => {
    const directory = mkdtempSync(path.join(tmpdir(), "kforge-config-"));
    writeFileSync(path.join(directory, "kforge.config.json"), '{ "search": { "rounds": 2, } }');
    const malformed = await loadConfig({ cwd: directory }).catch((caught: unknown) => caught);
    expect((malformed as ConfigError).issues[0]?.message).toMatch(/^is not valid JSON/);
    const missing = await loadConfig({ cwd: directory, configPath: "nope.json" }).catch(
      (caught: unknown) => caught,
    );
    expect((missing as ConfigError).issues[0]?.message).toBe("the config file does not exist");
  });

  it("reports a TypeScript config that throws", async () => {
    const directory = mkdtempSync(path.join(tmpdir(), "kforge-config-"));
    writeFileSync(
      path.join(directory, "kforge.config.ts"),
      'throw new Error("half-written config");\nexport default {};\n',
    );
    const error = await loadConfig({ cwd: directory }).catch((caught: unknown) => caught);
    expect((error as ConfigError).issues[0]?.message).toContain("half-written config");
  });
});
