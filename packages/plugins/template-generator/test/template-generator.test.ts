import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import {
  createContainer,
  createGemmTask,
  defaultConfig,
  type KernelGenerator,
  loadPlugins,
  resolveNamed,
  type SamplingPolicy,
  TOKENS,
} from "@kernelforge/core";
import {
  CompilePool,
  locateNvcc,
  preprocessCandidate,
  screenSource as screen,
  screenPreprocessed,
} from "@kernelforge/gpu-runner";
import { describe, expect, it } from "vitest";

const packageDirectory = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const nvcc = await locateNvcc();

async function generator(options?: Record<string, unknown>): Promise<KernelGenerator> {
  const container = createContainer(defaultConfig());
  await loadPlugins(container, [{ from: packageDirectory, ...(options ? { options } : {}) }], {
    searchDirectories: [packageDirectory],
  });
  return resolveNamed(container, TOKENS.kernelGenerator, "template", "kernel generator");
}

const shapes = [
  createGemmTask({ m: 4096, n: 4096, k: 4096 }),
  createGemmTask({ m: 1000, n: 1000, k: 1000, layout: "linear" }),
  createGemmTask({ m: 1, n: 4096, k: 4096, layout: "linear" }),
  createGemmTask({ m: 17, n: 11008, k: 4096, layout: "linear" }),
  createGemmTask({ m: 4097, n: 4095, k: 1023 }),
];

describe("the template generator", () => {
  it("returns distinct candidates with their design points, reproducibly under a seed", async () => {
    const template = await generator();
    for (const task of shapes) {
      const request = { task, count: 8, round: 0, seed: 42 };
      const first = await template.generate(request);
      const again = await template.generate(request);
      expect(first.failures, JSON.stringify(first.failures)).toEqual([]);
      expect(first.candidates).toHaveLength(8);
      expect(new Set(first.candidates.map((candidate) => candidate.id)).size).toBe(8);
      expect(again.candidates.map((candidate) => candidate.id)).toEqual(
        first.candidates.map((candidate) => candidate.id),
      );
      for (const candidate of first.candidates) {
        expect(candidate.taskKey).toMatch(/^hgemm\.f16f32\./);
        expect(candidate.provenance.generator).toBe("template");
        expect(candidate.provenance.configuration).toHaveProperty("family");
        expect(candidate.provenance.configuration).toHaveProperty("point");
        expect(screen(candidate.source, candidate.entry)).toBeUndefined();
      }
      const nextRound = await template.generate({ ...request, round: 1 });
      expect(nextRound.candidates.map((candidate) => candidate.id)).not.toEqual(
        first.candidates.map((candidate) => candidate.id),
      );
    }
  });

  it("samples from a design-space policy when given one, and records the choices", async () => {
    const template = await generator();
    const task = createGemmTask({ m: 16, n: 14336, k: 4096, layout: "linear" });
    const policy: SamplingPolicy = {
      kind: "design-space",
      version: "policy-1",
      probabilities: (_task, choice, options) =>
        choice === "family" ? options.map((name) => (name === "skinny" ? 1 : 0)) : undefined,
    };
    const result = await template.generate({ task, count: 6, round: 0, seed: 1, policy });
    expect(result.candidates.length).toBeGreaterThan(0);
    for (const candidate of result.candidates) {
      expect(candidate.provenance.configuration?.family).toBe("skinny");
      expect(candidate.provenance.policySample?.policy).toBe("policy-1");
      expect(candidate.provenance.policySample?.choices.family).toBe("skinny");
      expect(Number.isFinite(candidate.provenance.policySample?.logProbability)).toBe(true);
    }
  });

  it("samples a restricted sub-space, and refuses restrictions that name nothing", async () => {
    const template = await generator({
      families: ["tensor-core-tile"],
      restrict: { "tensor-core-tile.reduction": ["cluster"], "tensor-core-tile.splitK": [8, 16] },
    });
    const result = await template.generate({
      task: createGemmTask({ m: 512, n: 64, k: 8192 }),
      count: 12,
      round: 0,
      seed: 5,
    });
    expect(result.candidates).toHaveLength(12);
    for (const candidate of result.candidates) {
      const values = (candidate.provenance.configuration as { values: Record<string, unknown> }).values;
      expect(values.reduction).toBe("cluster");
      expect([8, 16]).toContain(values.splitK);
      expect(candidate.launch.cluster?.[2]).toBe(values.splitK);
    }
    await expect(generator({ restrict: { "no-such.reduction": ["cluster"] } })).rejects.toThrow(
      /names no family/,
    );
    await expect(generator({ restrict: { "tensor-core-tile.nothing": [1] } })).rejects.toThrow(
      /has no dimension nothing/,
    );
    await expect(generator({ restrict: { "tensor-core-tile.reduction": ["atomic"] } })).rejects.toThrow(
      /"atomic" not among the options/,
    );
  });

  it("refuses unknown families in its options", async () => {
    await expect(generator({ families: ["no-such-family"] })).rejects.toThrow(
      /unknown kernel families no-such-family/,
    );
  });
});

describe.runIf(nvcc)("a seeded sample of rendered kernels with the machine's nvcc", () => {
  it("compiles for sm_90a with the entry present and no spills", async () => {
    const template = await generator();
    const pool = new CompilePool({
      nvcc: nvcc!,
      cacheDirectory: mkdtempSync(path.join(tmpdir(), "kforge-template-")),
    });
    const candidates = (
      await Promise.all(
        shapes.map((task, index) => template.generate({ task, count: 4, round: 0, seed: 1000 + index })),
      )
    ).flatMap((result) => result.candidates);
    expect(candidates.length).toBe(20);
    const outcomes = await Promise.all(
      candidates.map((candidate) => pool.compile({ source: candidate.source, arch: "sm90" })),
    );
    const expanded = await Promise.all(
      candidates.map((candidate) => preprocessCandidate(nvcc!, candidate.source, "sm90")),
    );
    expanded.forEach((view, index) => {
      expect(view, `preprocessing ${index}`).toBeDefined();
      expect(
        screenPreprocessed(view!),
        JSON.stringify(candidates[index]?.provenance.configuration),
      ).toBeUndefined();
    });
    outcomes.forEach((outcome, index) => {
      const label = JSON.stringify(candidates[index]?.provenance.configuration);
      expect(outcome.ok, `${label}\n${outcome.ok ? "" : outcome.log}`).toBe(true);
      if (!outcome.ok) return;
      const entry = outcome.functions.find((fn) => fn.name === candidates[index]?.entry);
      expect(entry, label).toBeDefined();
      expect(entry?.spillStoreBytes, label).toBe(0);
      expect(entry?.spillLoadBytes, label).toBe(0);
    });
  }, 600_000);
});
