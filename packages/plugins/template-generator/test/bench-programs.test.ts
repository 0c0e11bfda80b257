import { execFile } from "node:child_process";
import { mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { locateNvcc } from "@kernelforge/gpu-runner";
import { afterAll, describe, expect, it } from "vitest";

const run = promisify(execFile);
const bench = path.join(path.dirname(fileURLToPath(import.meta.url)), "..", "bench");
const nvcc = await locateNvcc();

// The bench programs run on a GPU host; here they only have to build, so that a user's run does not stop at nvcc.
describe.runIf(nvcc)("bench programs build with nvcc", () => {
  const out = mkdtempSync(path.join(tmpdir(), "kforge-bench-"));
  afterAll(() => rmSync(out, { recursive: true, force: true }));

  it("compiles the GPC dealing probe for sm_90a", async () => {
    const object = path.join(out, "gpc-probe.o");
    await run(
      nvcc!.path,
      ["-arch=sm_90a", "-c", "-o", object, path.join(bench, "gpc-dealing", "gpc-probe.cu")],
      {
        timeout: 120_000,
      },
    );
    expect(statSync(object).size).toBeGreaterThan(0);
  }, 130_000);
});
