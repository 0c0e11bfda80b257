import { mkdtempSync, readdirSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { CompilePool } from "../src/compile/compile-pool.js";
import { nativeSourceDirectory } from "../src/harness/build-harness.js";
import { preprocessCandidate } from "../src/screening/preprocess-candidate.js";
import { screenPreprocessed, screenSource } from "../src/screening/screen-source.js";
import { locateNvcc } from "../src/toolkit/locate-nvcc.js";

const nvcc = await locateNvcc();
const kernels = path.join(nativeSourceDirectory(), "selftest", "kernels");
const common = readFileSync(path.join(kernels, "common.cuh"), "utf8").replace("#pragma once", "");

describe.runIf(nvcc)("the self-test kernels, as candidates", () => {
  it("pass screening and compile for sm_90a, except the one meant not to compile", async () => {
    const pool = new CompilePool({
      nvcc: nvcc!,
      cacheDirectory: mkdtempSync(path.join(tmpdir(), "kforge-selftest-")),
    });
    const files = readdirSync(kernels).filter((name) => name.endsWith(".cu"));
    expect(files.length).toBeGreaterThanOrEqual(10);
    const outcomes = await Promise.all(
      files.map(async (name) => {
        const source = readFileSync(path.join(kernels, name), "utf8").replace(
          '#include "common.cuh"',
          common,
        );
        const entry = /extern "C" __global__ void (\w+)/.exec(source)?.[1] ?? "missing";
        const screening = screenSource(source, entry);
        const compiled = await pool.compile({ source, arch: "sm90" });
        const preprocessed = await preprocessCandidate(nvcc!, source, "sm90");
        return { name, screening, compiled, expanded: preprocessed && screenPreprocessed(preprocessed) };
      }),
    );
    for (const { name, screening, compiled, expanded } of outcomes) {
      expect(screening, name).toBeUndefined();
      expect(expanded, name).toBeUndefined();
      expect(compiled.ok, name).toBe(name !== "no_compile.cu");
      if (compiled.ok) expect(compiled.functions.length, name).toBeGreaterThan(0);
    }
  }, 300_000);
});
