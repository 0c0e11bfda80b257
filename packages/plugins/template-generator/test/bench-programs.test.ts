import { mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { locateNvcc, runProcess } from "@kernelforge/gpu-runner";
import { afterAll, describe, expect, it } from "vitest";

const bench = path.join(path.dirname(fileURLToPath(import.meta.url)), "..", "bench");
const nvcc = await locateNvcc();

// The bench programs run on a GPU host; here they only have to build, so that a user's run does not stop at nvcc.
describe.runIf(nvcc)("bench programs build with nvcc", () => {
  const out = mkdtempSync(path.join(tmpdir(), "kforge-bench-"));
  afterAll(() => rmSync(out, { recursive: true, force: true }));

  it("compiles the GPC dealing probe for sm_90a", async () => {
    const object = path.join(out, "gpc-probe.o");
    const source = path.join(bench, "gpc-dealing", "gpc-probe.cu");
    const built = await runProcess(nvcc!.path, ["-arch=sm_90a", "-c", "-o", object, source], {
      timeoutMilliseconds: 120_000,
    });
    expect(built.exitCode, built.output).toBe(0);
    expect(statSync(object).size).toBeGreaterThan(0);
  }, 130_000);
});
