import { existsSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { locateNvcc } from "../toolkit/locate-nvcc.js";
import { archFlags } from "./arch-flags.js";
import { CompilePool } from "./compile-pool.js";

const nvcc = await locateNvcc();

const kernel = (scale: number) => `#include <cuda_fp16.h>
extern "C" __global__ void scale(const __half* A, const __half* B, __half* C, int M, int N, int K, void* workspace) {
  int i = blockIdx.x * blockDim.x + threadIdx.x;
  if (i < M * N) C[i] = __float2half(__half2float(A[i]) * ${scale}.0f);
}
`;

describe("archFlags", () => {
  it("builds Hopper as sm_90a and others for their own arch", () => {
    expect(archFlags("sm90")).toEqual(["-gencode=arch=compute_90a,code=sm_90a"]);
    expect(archFlags("sm80")).toEqual(["-gencode=arch=compute_80,code=sm_80"]);
    expect(() => archFlags("volta")).toThrow(/unknown architecture/);
  });
});

describe.runIf(nvcc)("CompilePool with the machine's nvcc", () => {
  const pool = () =>
    new CompilePool({
      nvcc: nvcc!,
      cacheDirectory: mkdtempSync(path.join(tmpdir(), "kforge-cache-")),
      concurrency: 2,
    });

  it("compiles to a cubin with a parsed ptxas report, then serves the same source from the cache", async () => {
    const compiler = pool();
    const first = await compiler.compile({ source: kernel(2), arch: "sm90" });
    expect(first.ok).toBe(true);
    if (!first.ok) return;
    expect(first.cached).toBe(false);
    expect(existsSync(first.cubinPath)).toBe(true);
    expect(readFileSync(first.cubinPath).subarray(0, 4)).toEqual(Buffer.from([0x7f, 0x45, 0x4c, 0x46]));
    expect(first.functions).toHaveLength(1);
    expect(first.functions[0]).toMatchObject({ name: "scale", arch: "sm_90a" });
    expect(first.functions[0]?.registers).toBeGreaterThan(0);
    const second = await compiler.compile({ source: kernel(2), arch: "sm90" });
    expect(second).toMatchObject({ ok: true, cached: true, key: first.key });
    expect(first.globalBytes).toBe(0);
    const other = await compiler.compile({ source: kernel(3), arch: "sm90" });
    expect(other.key).not.toBe(first.key);
    const stateful = await compiler.compile({
      source: `__device__ unsigned long long remembered[64];\n${kernel(4)}`,
      arch: "sm90",
    });
    expect(stateful.ok && stateful.globalBytes).toBe(512);
  }, 120_000);

  it("returns a compile error with the compiler's message, and shares one compile between identical requests", async () => {
    const compiler = pool();
    const broken = `${kernel(2)}\nextern "C" __global__ void oops() { undeclared_thing = 1; }\n`;
    const [a, b] = await Promise.all([
      compiler.compile({ source: broken, arch: "sm90" }),
      compiler.compile({ source: broken, arch: "sm90" }),
    ]);
    expect(a).toBe(b);
    expect(a.ok).toBe(false);
    if (a.ok) return;
    expect(a.reason).toBe("compile_error");
    expect(a.log).toContain("undeclared_thing");
    expect(a.log).not.toContain(compiler.cacheDirectory);
  }, 120_000);

  it("kills nvcc at the timeout", async () => {
    const compiler = new CompilePool({
      nvcc: nvcc!,
      cacheDirectory: mkdtempSync(path.join(tmpdir(), "kforge-cache-")),
      timeoutMilliseconds: 1,
    });
    const outcome = await compiler.compile({ source: kernel(5), arch: "sm90" });
    expect(outcome).toMatchObject({ ok: false, reason: "timeout" });
  }, 60_000);
});
