import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { buildHarness } from "../src/harness/build-harness.js";
import {
  HarnessExitedError,
  HarnessRequestError,
  HarnessTimeoutError,
} from "../src/harness/harness-errors.js";
import { HarnessProcess } from "../src/harness/harness-process.js";
import { listGpus } from "../src/toolkit/list-gpus.js";
import { locateNvcc } from "../src/toolkit/locate-nvcc.js";

const nvcc = await locateNvcc();
const gpus = (await listGpus()).gpus.length;

/** A stand-in harness for the client's own mechanics: it answers `echo`, hangs on `hang`, exits on `die`. */
function scriptedHarness(): string {
  const file = path.join(mkdtempSync(path.join(tmpdir(), "kforge-fake-")), "fake-harness.mjs");
  writeFileSync(
    file,
    `#!/usr/bin/env node
import { createInterface } from "node:readline";
createInterface({ input: process.stdin }).on("line", (line) => {
  const request = JSON.parse(line);
  if (request.op === "echo") process.stdout.write(JSON.stringify({ id: request.id, ok: true, value: request.value }) + "\\n");
  if (request.op === "fail") process.stdout.write(JSON.stringify({ id: request.id, ok: false, error: { code: "cuda_sticky_error", message: "illegal address", sticky: true, cuResult: "CUDA_ERROR_ILLEGAL_ADDRESS" } }) + "\\n");
  if (request.op === "die") { process.stderr.write("fatal: simulated crash\\n"); process.exit(3); }
});
`,
    { mode: 0o755 },
  );
  return file;
}

describe("HarnessProcess mechanics", () => {
  it("matches replies to requests, types errors, kills on timeout and restarts after an exit", async () => {
    const harness = new HarnessProcess({ binary: scriptedHarness(), timeoutMilliseconds: 5_000 });
    const [a, b] = await Promise.all([
      harness.request<{ value: number }>("echo", { value: 1 }),
      harness.request<{ value: number }>("echo", { value: 2 }),
    ]);
    expect([a.value, b.value]).toEqual([1, 2]);
    const failure = await harness.request("fail", {}).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(HarnessRequestError);
    expect((failure as HarnessRequestError).body.sticky).toBe(true);
    const exited = await harness.request("die", {}).catch((error: unknown) => error);
    expect(exited).toBeInstanceOf(HarnessExitedError);
    expect((exited as HarnessExitedError).exitCode).toBe(3);
    expect((exited as Error).message).toContain("simulated crash");
    expect((await harness.request<{ value: number }>("echo", { value: 3 })).value).toBe(3);
    expect(harness.starts).toBe(2);
    const hung = await harness
      .request("hang", {}, { timeoutMilliseconds: 200 })
      .catch((error: unknown) => error);
    expect(hung).toBeInstanceOf(HarnessTimeoutError);
    expect((await harness.request<{ value: number }>("echo", { value: 4 })).value).toBe(4);
    expect(harness.starts).toBe(3);
    const controller = new AbortController();
    const cancelled = harness
      .request("hang", {}, { signal: controller.signal })
      .catch((error: unknown) => error);
    controller.abort(new Error("stopped by the user"));
    expect(await cancelled).toMatchObject({ message: "stopped by the user" });
    expect(await cancelled).not.toBeInstanceOf(HarnessExitedError);
    expect((await harness.request<{ value: number }>("echo", { value: 5 })).value).toBe(5);
    await harness.close();
    expect(harness.running).toBe(false);
  }, 30_000);
});

describe.runIf(nvcc)("the native harness built by nvcc", () => {
  it("builds once (then from cache) and speaks the protocol", async () => {
    const cacheDirectory = mkdtempSync(path.join(tmpdir(), "kforge-harness-"));
    const build = await buildHarness({ nvcc: nvcc!, cacheDirectory });
    const again = await buildHarness({ nvcc: nvcc!, cacheDirectory });
    expect(again).toMatchObject({ cached: true, binary: build.binary });
    const env = {
      ...process.env,
      ...(build.stubLibraryDirectory
        ? {
            LD_LIBRARY_PATH: [build.stubLibraryDirectory, process.env.LD_LIBRARY_PATH]
              .filter(Boolean)
              .join(":"),
          }
        : {}),
    };
    const harness = new HarnessProcess({ binary: build.binary, env, timeoutMilliseconds: 60_000 });
    try {
      const unknown = await harness.request("no-such-op", {}).catch((error: unknown) => error);
      expect((unknown as HarnessRequestError).body.code).toBe("bad_request");
      const missing = await harness
        .request("load", { cubinPath: "/nonexistent.cubin", entry: "k" })
        .catch((error: unknown) => error);
      expect(missing).toBeInstanceOf(HarnessRequestError);
      if (gpus === 0) {
        // No device: hello reports why, and still says where it looked for cuBLAS.
        const hello = await harness.hello().catch((error: unknown) => error);
        expect((hello as HarnessRequestError).body.code).toBe("no_device");
      } else {
        const hello = await harness.hello();
        expect(hello.protocolVersion).toBe(1);
        expect(hello.device.smCount).toBeGreaterThan(0);
      }
    } finally {
      await harness.close();
    }
  }, 600_000);
});
