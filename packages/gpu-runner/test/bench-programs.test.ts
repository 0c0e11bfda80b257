import { mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { locateNvcc, runProcess } from "../src/index.js";

const bench = path.join(path.dirname(fileURLToPath(import.meta.url)), "..", "bench");
const nvcc = await locateNvcc();

// The bench programs run on a GPU host; here they only have to build, so that a user's run does not stop at nvcc.
describe.runIf(nvcc)("gpu-runner bench programs build with nvcc", () => {
  const out = mkdtempSync(path.join(tmpdir(), "kforge-runner-bench-"));
  afterAll(() => rmSync(out, { recursive: true, force: true }));

  it("compiles the cold-flush probe", async () => {
    const object = path.join(out, "cold-flush-probe.o");
    const source = path.join(bench, "cold-flush", "cold-flush-probe.cu");
    const built = await runProcess(nvcc!.path, ["-O3", "-arch=sm_90a", "-c", "-o", object, source], {
      timeoutMilliseconds: 120_000,
    });
    expect(built.exitCode, built.output).toBe(0);
    expect(statSync(object).size).toBeGreaterThan(0);
  }, 130_000);
});
