import { describe, expect, it } from "vitest";
import { parseArguments } from "./parse-arguments.js";
import { UsageError } from "./usage-error.js";

function usageError(argv: string[]): UsageError {
  try {
    parseArguments(argv);
  } catch (error) {
    if (error instanceof UsageError) return error;
    throw error;
  }
  throw new Error(`expected ${argv.join(" ")} to be refused`);
}

describe("parseArguments", () => {
  it("reads commands, flags, help and version", () => {
    expect(parseArguments([])).toEqual({ kind: "help" });
    expect(parseArguments(["--version"])).toEqual({ kind: "version" });
    expect(parseArguments(["doctor", "--help"])).toEqual({ kind: "help", topic: "doctor" });
    expect(parseArguments(["help", "init"])).toEqual({ kind: "help", topic: "init" });
    expect(parseArguments(["--json", "doctor"])).toMatchObject({
      kind: "command",
      command: "doctor",
      flags: { json: true },
    });
    expect(parseArguments(["plugins", "--config", "x.json"])).toMatchObject({ flags: { config: "x.json" } });
    expect(parseArguments(["init", "--force", "--output", "x.ts", "--json"])).toMatchObject({
      kind: "command",
      command: "init",
      flags: { force: true, output: "x.ts", json: true },
    });
  });

  it("refuses unknown commands with a suggestion", () => {
    const error = usageError(["doctr"]);
    expect(error.message).toBe('Unknown command "doctr" (did you mean "doctor"?)');
    expect(error.hint).toContain(
      "doctor, plugins, bench, run, worker, runs, report, export, docs, init, help",
    );
  });

  it("refuses unknown flags, missing values and stray arguments, with the command's usage", () => {
    expect(usageError(["doctor", "--verbose"]).message).toContain("--verbose");
    expect(usageError(["doctor", "--verbose"]).hint).toBe(
      "Usage: kforge doctor [--redis url] [--config file] [--json]",
    );
    expect(usageError(["init", "--output"]).message).toContain("--output");
    expect(usageError(["plugins", "extra"]).message).toBe('Unexpected argument "extra" for "plugins"');
    expect(usageError(["--frobnicate"]).message).toContain("--frobnicate");
    expect(usageError(["init", "--config", "x.json"]).message).toContain("--config");
    expect(usageError(["help", "nothing"]).message).toContain("nothing");
    expect(usageError(["bench"]).message).toBe('"bench" needs a kernel.cu argument');
    expect(usageError(["bench", "a.cu", "b.cu"]).message).toBe('Unexpected argument "b.cu" for "bench"');
  });
});
