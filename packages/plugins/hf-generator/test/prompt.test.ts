import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import {
  createCandidate,
  createGemmTask,
  type GenerationRequest,
  type RetrievedPassage,
} from "@kernelforge/core";
import { describe, expect, it } from "vitest";
import {
  buildPrompt,
  CONTEXT_SOURCE_BUDGET,
  defaultTemplatesDirectory,
  KERNEL_ABI_SIGNATURE,
  loadTemplates,
  renderTemplate,
  TEMPLATE_FILES,
} from "../src/prompt.js";
import { KERNEL, task } from "./fixtures.js";

const passage: RetrievedPassage = {
  chunk: {
    id: "p1",
    source: "docs/cuda/wgmma.md",
    section: "wgmma > Async",
    lineStart: 10,
    lineEnd: 20,
    text: "wgmma.mma_async operates on a warpgroup of 128 threads.",
    tags: [],
  },
  score: 0.9,
  retriever: "test",
};

function candidate(source: string) {
  return createCandidate({
    task,
    source,
    entry: "hgemm_tile",
    launch: { grid: [1, 1, 1], block: [256, 1, 1] },
    provenance: { generator: "test", parentIds: [], createdAt: new Date(0).toISOString() },
  });
}

describe("buildPrompt", () => {
  const templates = loadTemplates();

  it("states the task, ABI, ceilings and output format, and omits empty sections", () => {
    const prompt = buildPrompt(templates, { task, count: 4, round: 0, seed: 1 });
    expect(prompt.user).toContain("M = 1000, N = 4096, K = 512");
    expect(prompt.user).toContain("B is row-major N x K (element (n, k) at B[n*K + k])");
    expect(prompt.user).toContain(KERNEL_ABI_SIGNATURE);
    expect(prompt.user).toContain("sm_90a");
    expect(prompt.user).toContain("989 TFLOP/s");
    expect(prompt.user).toMatch(/fp32/);
    expect(prompt.user).toContain("```json");
    expect(prompt.user).not.toContain("# Reference material");
    expect(prompt.user).not.toContain("# Earlier kernels");
    expect(prompt.user).not.toMatch(/\{\{/);
    expect(prompt.text).toContain(prompt.system);
    const nn = buildPrompt(templates, {
      task: createGemmTask({ m: 8, n: 8, k: 8 }),
      count: 1,
      round: 0,
      seed: 1,
    });
    expect(nn.user).toContain("B is row-major K x N (element (k, n) at B[k*N + n])");
  });

  it("shows passages with sources and the contrastive context, fastest first, within the budget", () => {
    const long = `${KERNEL}\n${"// padding\n".repeat(1500)}`;
    const request: GenerationRequest = {
      task,
      count: 2,
      round: 3,
      seed: 1,
      passages: [passage],
      context: [
        { candidate: candidate(long), medianMicroseconds: 41.25, speedup: 1.234 },
        { candidate: candidate(`${KERNEL}\n// slower`), medianMicroseconds: 55, speedup: 0.9 },
        {
          candidate: candidate(`${KERNEL}\n// broken`),
          failure: { status: "wrong_result", reason: "relError 0.3" },
        },
      ],
    };
    const prompt = buildPrompt(templates, request);
    expect(prompt.user).toContain("docs/cuda/wgmma.md > wgmma > Async, lines 10-20");
    expect(prompt.user).toContain("wgmma.mma_async operates");
    expect(prompt.user).toContain("median 41.3 us, speedup 1.234x");
    expect(prompt.user.indexOf("speedup 1.234x")).toBeLessThan(prompt.user.indexOf("speedup 0.900x"));
    expect(prompt.user).toContain("Failed kernel 1: wrong_result: relError 0.3");
    expect(prompt.user).toContain("what made the fastest kernels fast");
    expect(prompt.user).toContain("truncated");
    expect(prompt.user.length).toBeLessThan(templates["task.md"].length + CONTEXT_SOURCE_BUDGET + 6000);
  });
});

describe("templates", () => {
  const copyDefaults = () => {
    const directory = mkdtempSync(path.join(tmpdir(), "kforge-templates-"));
    for (const file of TEMPLATE_FILES) {
      writeFileSync(path.join(directory, file), readFileSync(path.join(defaultTemplatesDirectory(), file)));
    }
    return directory;
  };

  it("loads an override directory", () => {
    const directory = copyDefaults();
    writeFileSync(path.join(directory, "system.md"), "You write kernels for {{targetArch}} only.");
    const prompt = buildPrompt(loadTemplates(directory), { task, count: 1, round: 0, seed: 1 });
    expect(prompt.system).toBe("You write kernels for sm_90a only.");
  });

  it("rejects an unknown placeholder, naming the file", () => {
    const directory = copyDefaults();
    writeFileSync(path.join(directory, "task.md"), "Shape {{m}} x {{width}}");
    expect(() => loadTemplates(directory)).toThrow(/task\.md uses the unknown placeholder \{\{width\}\}/);
  });

  it("rejects a missing file", () => {
    const directory = mkdtempSync(path.join(tmpdir(), "kforge-templates-"));
    expect(() => loadTemplates(directory)).toThrow(/cannot read the prompt template .*system\.md: ENOENT/);
  });

  it("renders values and refuses a placeholder without one", () => {
    expect(renderTemplate("{{ m }}x{{n}}", { m: "1", n: "2" })).toBe("1x2");
    expect(() => renderTemplate("{{k}}", {})).toThrow(/\{\{k\}\} has no value/);
  });
});
