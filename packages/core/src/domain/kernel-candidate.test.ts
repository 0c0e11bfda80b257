import { describe, expect, it } from "vitest";
import { createGemmTask } from "./gemm-task.js";
import { candidateId, createCandidate, stableStringify } from "./kernel-candidate.js";
import { launchDescriptorSchema } from "./launch-descriptor.js";

const launch = launchDescriptorSchema.parse({ grid: [4, 4, 1], block: [128, 1, 1] });

describe("candidateId", () => {
  it("is a content address: equal content, equal id; any change, another id", () => {
    const base = {
      taskKey: "hgemm.f16f32.nn.64x64x64.sm90",
      source: "__global__ void k(){}",
      entry: "k",
      launch,
    };
    expect(candidateId(base)).toBe(candidateId({ ...base, launch: { ...launch } }));
    expect(candidateId(base)).toMatch(/^[0-9a-f]{24}$/);
    expect(candidateId({ ...base, source: `${base.source} ` })).not.toBe(candidateId(base));
    expect(candidateId({ ...base, launch: { ...launch, dynamicSharedBytes: 1024 } })).not.toBe(
      candidateId(base),
    );
  });

  it("serializes objects independently of key order", () => {
    expect(stableStringify({ b: 1, a: [2, { d: 3, c: 4 }] })).toBe(
      stableStringify({ a: [2, { c: 4, d: 3 }], b: 1 }),
    );
  });
});

describe("launchDescriptorSchema", () => {
  it("fills defaults and refuses blocks over 1024 threads", () => {
    expect(launch).toMatchObject({ dynamicSharedBytes: 0, workspaceBytes: 0, zeroWorkspace: false });
    const result = launchDescriptorSchema.safeParse({ grid: [1, 1, 1], block: [64, 32, 1] });
    expect(result.success).toBe(false);
    const huge = launchDescriptorSchema.safeParse({
      grid: [1, 1, 1],
      block: [32, 1, 1],
      workspaceBytes: 2 ** 41,
    });
    expect(huge.success).toBe(false);
  });
});

describe("createCandidate", () => {
  it("fills in the task key, the defaulted launch and the content id", () => {
    const task = createGemmTask({ m: 64, n: 64, k: 64 });
    const provenance = { generator: "test", parentIds: [], createdAt: "2026-11-21T00:00:00Z" };
    const candidate = createCandidate({
      task,
      source: "s",
      entry: "k",
      launch: { grid: [1, 1, 1], block: [32, 1, 1] },
      provenance,
    });
    expect(candidate.taskKey).toBe("hgemm.f16f32.nn.64x64x64.sm90");
    expect(candidate.launch).toEqual({
      grid: [1, 1, 1],
      block: [32, 1, 1],
      dynamicSharedBytes: 0,
      workspaceBytes: 0,
      zeroWorkspace: false,
    });
    expect(candidate.id).toBe(
      candidateId({ taskKey: candidate.taskKey, source: "s", entry: "k", launch: candidate.launch }),
    );
    expect(() =>
      createCandidate({
        task,
        source: "s",
        entry: "k",
        launch: { grid: [1, 1, 1], block: [2048, 1, 1] },
        provenance,
      }),
    ).toThrow();
  });
});
