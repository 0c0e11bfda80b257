import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { type BLayout, createGemmTask, type GemmTask } from "@kernelforge/core";
import { CompilePool, locateNvcc, screenSource } from "@kernelforge/gpu-runner";
import { describe, expect, it } from "vitest";
import { ARCH_LIMITS } from "../design-space/arch-limits.js";
import type { DesignValues } from "../design-space/kernel-family.js";
import { skinnyFamily } from "./skinny.js";

const sm90 = ARCH_LIMITS.sm90!;
const task = (m: number, n: number, k: number, layout: BLayout = "nn"): GemmTask =>
  createGemmTask({ m, n, k, layout });

/** mulberry32: a small seeded generator, so the sample is the same on every run. */
function prng(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const base: DesignValues = {
  operand: "b",
  math: "mma",
  threads: 256,
  warpsK: 4,
  warpTile: 1,
  split: 1,
  reduction: "direct",
  loadBytes: 16,
  unroll: 4,
  narrow: "global",
  schedule: "tiles",
  minBlocksPerSm: 1,
};
const point = (overrides: Record<string, string | number>): DesignValues => ({ ...base, ...overrides });

/** Draws valid points for a task: random options per dimension, rejected while `violates` objects. */
function sampleValid(random: () => number, t: GemmTask, wanted: number): DesignValues[] {
  const points: DesignValues[] = [];
  for (let attempt = 0; attempt < 100_000 && points.length < wanted; attempt++) {
    const values: Record<string, string | number> = {};
    for (const dimension of skinnyFamily.dimensions) {
      values[dimension.name] = dimension.options[Math.floor(random() * dimension.options.length)]!;
    }
    if (skinnyFamily.violates(values, t, sm90) === undefined) points.push(values);
  }
  return points;
}

describe("skinny family: design space", () => {
  it("declares named dimensions with finite, non-empty option lists", () => {
    const names = skinnyFamily.dimensions.map((dimension) => dimension.name);
    expect(new Set(names).size).toBe(names.length);
    for (const dimension of skinnyFamily.dimensions) expect(dimension.options.length).toBeGreaterThan(0);
    expect(names).toEqual(
      expect.arrayContaining(["threads", "split", "reduction", "loadBytes", "unroll", "math", "warpTile"]),
    );
  });

  it("applies exactly when min(M, N) <= 64", () => {
    expect(skinnyFamily.appliesTo(task(1, 4096, 4096))).toBe(true);
    expect(skinnyFamily.appliesTo(task(64, 4096, 4096, "linear"))).toBe(true);
    expect(skinnyFamily.appliesTo(task(4096, 16, 4096))).toBe(true);
    expect(skinnyFamily.appliesTo(task(65, 65, 8))).toBe(false);
    expect(skinnyFamily.appliesTo(task(128, 11008, 4096, "linear"))).toBe(false);
    expect(skinnyFamily.appliesTo(task(4096, 4096, 4096))).toBe(false);
  });
});

describe("skinny family: violates", () => {
  const decode = task(1, 4096, 4096, "linear");

  it("accepts a plain decode point and rejects tasks outside the family", () => {
    expect(skinnyFamily.violates(base, decode, sm90)).toBeUndefined();
    expect(skinnyFamily.violates(base, task(128, 11008, 4096), sm90)).toMatch(/min\(M, N\)/);
  });

  it("needs the narrow side of the streamed operand to be at most 64", () => {
    expect(skinnyFamily.violates(point({ operand: "a" }), decode, sm90)).toMatch(/N <= 64/);
    expect(skinnyFamily.violates(point({ operand: "b" }), task(4096, 16, 4096), sm90)).toMatch(/M <= 64/);
    expect(
      skinnyFamily.violates(point({ operand: "a" }), task(4096, 16, 4096, "linear"), sm90),
    ).toBeUndefined();
  });

  it("enforces the alignment of vector loads along the contiguous extent", () => {
    const oddK = task(17, 11008, 4095, "linear");
    expect(skinnyFamily.violates(point({ loadBytes: 16 }), oddK, sm90)).toMatch(/K \(4095\)/);
    expect(skinnyFamily.violates(point({ loadBytes: 4 }), oddK, sm90)).toMatch(/multiple of 2/);
    expect(skinnyFamily.violates(point({ loadBytes: 2, unroll: 2 }), oddK, sm90)).toBeUndefined();
    // nn streams B along N: N decides, K does not.
    expect(skinnyFamily.violates(point({ loadBytes: 16 }), task(17, 11008, 4095), sm90)).toBeUndefined();
    expect(skinnyFamily.violates(point({ loadBytes: 16 }), task(3, 1000, 999), sm90)).toBeUndefined();
    expect(skinnyFamily.violates(point({ loadBytes: 16 }), task(3, 1004, 999), sm90)).toMatch(/N \(1004\)/);
    expect(skinnyFamily.violates(point({ loadBytes: 8 }), task(3, 1004, 999), sm90)).toBeUndefined();
  });

  it("keeps only the widest load the contiguous extent allows", () => {
    expect(skinnyFamily.violates(point({ loadBytes: 8 }), decode, sm90)).toMatch(/allows 16-byte loads/);
    expect(skinnyFamily.violates(point({ loadBytes: 4 }), task(3, 1004, 999), sm90)).toMatch(
      /allows 8-byte loads/,
    );
    expect(skinnyFamily.violates(point({ loadBytes: 2 }), task(17, 11008, 4094, "linear"), sm90)).toMatch(
      /allows 4-byte loads/,
    );
    for (const pruned of [
      { name: "split", option: 16 },
      { name: "unroll", option: 8 },
      { name: "warpTile", option: 4 },
    ]) {
      const dimension = skinnyFamily.dimensions.find((entry) => entry.name === pruned.name);
      expect(dimension?.options).not.toContain(pruned.option);
    }
  });

  it("puts streamed rows on the n side (mma-n8) only when they are K-contiguous", () => {
    const n8 = point({ math: "mma-n8", threads: 256, warpsK: 8, unroll: 2 });
    expect(skinnyFamily.violates(n8, task(32, 6144, 4096, "linear"), sm90)).toBeUndefined();
    expect(skinnyFamily.violates(n8, task(32, 6144, 4096, "nn"), sm90)).toMatch(/K-contiguous/);
    expect(
      skinnyFamily.violates({ ...n8, operand: "a", narrow: "shared" }, task(4096, 40, 512, "nn"), sm90),
    ).toBeUndefined();
    // Rows in groups of 8: a block of one warp group covers 8 rows, so 8 rows are enough.
    expect(skinnyFamily.violates(n8, task(16, 8, 4096, "linear"), sm90)).toBeUndefined();
  });

  it("splits K across CTAs only while the row tiles are fewer than the SMs", () => {
    // 4096 rows in tiles of 32 (mma, 2 row groups of 16): 128 tiles, fewer than the 132 SMs.
    const split = point({ split: 2, reduction: "atomic-workspace" });
    expect(skinnyFamily.violates(split, decode, sm90)).toBeUndefined();
    // 14336 rows: 448 tiles already fill every SM.
    expect(skinnyFamily.violates(split, task(1, 14336, 4096, "linear"), sm90)).toMatch(/448 row tiles/);
    const stream = point({ schedule: "stream", reduction: "atomic-workspace" });
    expect(skinnyFamily.violates(stream, task(1, 14336, 4096, "linear"), sm90)).toMatch(/row tiles/);
    expect(skinnyFamily.violates(point({}), task(1, 14336, 4096, "linear"), sm90)).toBeUndefined();
    // The boundary: 132 tiles of 32 rows cover the 132 SMs, 131 do not.
    expect(skinnyFamily.violates(split, task(1, 4224, 4096, "linear"), sm90)).toMatch(/132 row tiles/);
    expect(skinnyFamily.violates(split, task(1, 4192, 4096, "linear"), sm90)).toBeUndefined();
  });

  it("caps the rows of a K-contiguous stream per block at 32 and stages only B's columns", () => {
    expect(skinnyFamily.violates(point({ warpsK: 2 }), decode, sm90)).toMatch(
      /cover 64 streamed rows.*raise warpsK/,
    );
    expect(skinnyFamily.violates(point({ math: "mma-n8", warpsK: 2 }), decode, sm90)).toBeUndefined();
    // A staged narrow tile (operand "a", nn) is amortized over the block's rows: no cap.
    expect(
      skinnyFamily.violates(
        point({ operand: "a", narrow: "shared", warpsK: 1 }),
        task(4096, 64, 8192, "nn"),
        sm90,
      ),
    ).toBeUndefined();
    // The nn stream of B is tiled by columns (pc-mma, 32 per warp here), not capped by rows.
    expect(skinnyFamily.violates(point({ warpsK: 2 }), task(16, 4096, 4096, "nn"), sm90)).toBeUndefined();
    expect(skinnyFamily.violates(point({ narrow: "shared" }), decode, sm90)).toMatch(/read-only cache/);
    expect(skinnyFamily.violates(point({ narrow: "shared" }), task(16, 4096, 4096, "nn"), sm90)).toMatch(
      /read-only cache/,
    );
    const source = skinnyFamily.render(base, decode, sm90).source;
    expect(source).toContain("ld.global.nc.L1::no_allocate.v4.u32");
    expect(skinnyFamily.dimensions.map((dimension) => dimension.name)).not.toContain("streamLoad");
    // B's columns are staged with 16-byte loads along its rows when N is a multiple of 8, one half at a time if not.
    const staged = point({ operand: "a", narrow: "shared", math: "fma", loadBytes: 2, unroll: 1 });
    expect(skinnyFamily.render(staged, task(4095, 8, 333, "nn"), sm90).source).toContain(
      "(SK_QC / 8) * SK_KT",
    );
    expect(skinnyFamily.render(staged, task(4095, 7, 333, "nn"), sm90).source).not.toContain(
      "(SK_QC / 8) * SK_KT",
    );
    // A saved point that still names the removed load flavour renders with no-allocate loads.
    const saved = skinnyFamily.render({ ...base, streamLoad: "ldg" }, decode, sm90).source;
    expect(saved).toContain("ld.global.nc.L1::no_allocate.v4.u32");
    expect(saved).not.toMatch(/ld\.global\.nc\.v4/);
  });

  it("ties the reduction to the split and keeps every split non-empty", () => {
    expect(skinnyFamily.violates(point({ reduction: "serial" }), decode, sm90)).toMatch(/direct/);
    expect(skinnyFamily.violates(point({ split: 4 }), decode, sm90)).toMatch(/workspace/);
    expect(
      skinnyFamily.violates(point({ split: 4, reduction: "atomic-workspace" }), decode, sm90),
    ).toBeUndefined();
    expect(
      skinnyFamily.violates(point({ split: 8, reduction: "serial" }), task(1, 4096, 40, "linear"), sm90),
    ).toMatch(/without any K/);
  });

  it("runs the stream schedule with split 1 and the atomic workspace only", () => {
    const stream = { schedule: "stream", reduction: "atomic-workspace", minBlocksPerSm: 2 };
    expect(skinnyFamily.violates(point(stream), decode, sm90)).toBeUndefined();
    expect(skinnyFamily.violates(point({ ...stream, split: 2 }), decode, sm90)).toMatch(/split must be 1/);
    expect(skinnyFamily.violates(point({ ...stream, reduction: "serial" }), decode, sm90)).toMatch(/atomic/);
    const launch = skinnyFamily.render(point(stream), decode, sm90).launch;
    expect(launch.grid).toEqual([2 * sm90.smCount, 1, 1]);
    expect(launch.zeroWorkspace).toBe(true);
    // 4096 rows in tiles of 16 (warpsK 4 of 8 warps: 2 row groups of 16): 128 counters after 4096 floats.
    expect(launch.workspaceBytes).toBe(4096 * 4 + 512);
  });

  it("caps registers by the resident blocks asked for", () => {
    const heavy = point({ unroll: 4, warpTile: 2, threads: 256, warpsK: 8 });
    expect(skinnyFamily.violates({ ...heavy, minBlocksPerSm: 1 }, decode, sm90)).toBeUndefined();
    expect(skinnyFamily.violates({ ...heavy, minBlocksPerSm: 4 }, decode, sm90)).toMatch(/registers/);
    expect(skinnyFamily.violates(point({ threads: 256, minBlocksPerSm: 2 }), decode, sm90)).toBeUndefined();
  });

  it("limits fma to Q <= 8, staged B for operand a in nn, and warps that have rows", () => {
    expect(skinnyFamily.violates(point({ math: "fma" }), task(16, 4096, 4096, "linear"), sm90)).toMatch(
      /Q <= 8/,
    );
    expect(
      skinnyFamily.violates(
        point({ math: "fma", warpTile: 2, unroll: 1 }),
        task(8, 4096, 4096, "linear"),
        sm90,
      ),
    ).toBeUndefined();
    const tall = task(4096, 16, 4096, "nn");
    expect(skinnyFamily.violates(point({ operand: "a", narrow: "global" }), tall, sm90)).toMatch(
      /shared memory/,
    );
    expect(skinnyFamily.violates(point({ operand: "a", narrow: "shared" }), tall, sm90)).toBeUndefined();
    expect(
      skinnyFamily.violates(point({ math: "fma", warpsK: 1 }), task(1, 6, 4096, "linear"), sm90),
    ).toMatch(/no rows/);
  });

  it("rejects points whose registers would spill and options that do not exist", () => {
    expect(
      skinnyFamily.violates(
        point({ loadBytes: 2, unroll: 4, warpTile: 2, warpsK: 8, minBlocksPerSm: 4 }),
        task(64, 11008, 4095, "linear"),
        sm90,
      ),
    ).toMatch(/registers/);
    expect(skinnyFamily.violates(point({ threads: 96 }), decode, sm90)).toMatch(/threads/);
    expect(() =>
      skinnyFamily.render(point({ loadBytes: 16 }), task(17, 11008, 4095, "linear"), sm90),
    ).toThrow(/cannot render/);
  });

  it("has valid points for odd shapes in both layouts and both streamed operands", () => {
    const random = prng(7);
    for (const t of [
      task(17, 11008, 4095, "linear"),
      task(17, 11008, 4095, "nn"),
      task(3, 1000, 999, "linear"),
      task(3, 1000, 999, "nn"),
      task(4095, 7, 333, "nn"),
      task(1, 1, 1, "linear"),
    ]) {
      expect(sampleValid(random, t, 3).length, `${t.m}x${t.n}x${t.k} ${t.layout}`).toBe(3);
    }
  });
});

// The seeded sample rendered (and compiled when nvcc is present).
const shapes: GemmTask[] = [
  task(1, 4096, 4096, "linear"),
  task(1, 4096, 4096, "nn"),
  task(16, 14336, 4096, "linear"),
  task(16, 14336, 4096, "nn"),
  task(17, 11008, 4095, "linear"),
  task(17, 11008, 4095, "nn"),
  task(64, 4096, 4096, "linear"),
  task(64, 4096, 4096, "nn"),
  task(4096, 16, 4096, "linear"),
  task(4096, 16, 4096, "nn"),
  task(3, 1000, 999, "linear"),
  task(3, 1000, 999, "nn"),
];
const sample = (() => {
  const random = prng(20240613);
  return shapes.flatMap((t) => sampleValid(random, t, 1).map((values) => ({ task: t, values })));
})();
// Every code path at least once: the five main loops, each reduction, both narrow sources, both schedules.
const streamed = { schedule: "stream", reduction: "atomic-workspace", minBlocksPerSm: 2 };
const coverage: { task: GemmTask; values: DesignValues }[] = [
  {
    task: task(3, 200, 999, "linear"),
    values: point({ ...streamed, math: "fma", loadBytes: 2, unroll: 2, minBlocksPerSm: 1 }),
  },
  { task: task(3, 1000, 999, "nn"), values: point({ ...streamed, math: "fma" }) },
  { task: task(17, 4000, 4095, "nn"), values: point({ ...streamed, unroll: 2, minBlocksPerSm: 1 }) },
  {
    task: task(4095, 7, 333, "nn"),
    values: point({ ...streamed, operand: "a", narrow: "shared", loadBytes: 2, unroll: 1 }),
  },
  {
    task: task(4095, 7, 333, "nn"),
    values: point({ operand: "a", math: "fma", narrow: "shared", loadBytes: 2, unroll: 1 }),
  },
  {
    task: task(5, 300, 1000, "linear"),
    values: point({ math: "fma", warpTile: 2, split: 2, reduction: "serial" }),
  },
  {
    task: task(5, 300, 1000, "nn"),
    values: point({ math: "fma", loadBytes: 8, split: 4, reduction: "atomic-workspace" }),
  },
  {
    task: task(24, 1000, 998, "nn"),
    values: point({ math: "mma", loadBytes: 16, warpTile: 2, unroll: 2, narrow: "global" }),
  },
  {
    task: task(30, 1001, 1000, "linear"),
    values: point({ math: "mma-n8", warpsK: 8, unroll: 2, loadBytes: 16 }),
  },
  {
    task: task(5, 300, 1000, "linear"),
    values: point({ math: "mma-n8", warpTile: 2, split: 2, reduction: "serial" }),
  },
  {
    task: task(2000, 40, 776, "nn"),
    values: point({ operand: "a", math: "mma-n8", narrow: "shared", warpsK: 2 }),
  },
  {
    task: task(2000, 40, 777, "nn"),
    values: point({
      operand: "a",
      narrow: "shared",
      loadBytes: 2,
      unroll: 2,
      split: 2,
      reduction: "atomic-workspace",
    }),
  },
];
const cases = [...sample, ...coverage];

describe("skinny family: render", () => {
  it("samples at least 12 valid points across both layouts", () => {
    expect(sample.length).toBeGreaterThanOrEqual(12);
    expect(new Set(sample.map((entry) => entry.task.layout))).toEqual(new Set(["nn", "linear"]));
  });

  it.each(cases.map((entry, index) => [index, entry] as const))(
    "point %i renders a launchable kernel",
    (_, entry) => {
      expect(skinnyFamily.violates(entry.values, entry.task, sm90)).toBeUndefined();
      const rendered = skinnyFamily.render(entry.values, entry.task, sm90);
      expect(rendered.entry).toBe("hgemm_skinny");
      expect(screenSource(rendered.source, rendered.entry)).toBeUndefined();
      expect(rendered.source).toContain("hgemm_skinny(const __half* __restrict__ A");
      const { grid, block, dynamicSharedBytes } = rendered.launch;
      expect(grid.every((extent) => Number.isInteger(extent) && extent >= 1)).toBe(true);
      expect(block[0] * block[1] * block[2]).toBe(entry.values.threads);
      if (entry.values.schedule === "stream") {
        expect(grid[1]).toBe(1);
        expect(grid[0]).toBeLessThanOrEqual(sm90.smCount * Number(entry.values.minBlocksPerSm));
      } else {
        expect(grid[1]).toBe(entry.values.split);
      }
      expect(dynamicSharedBytes ?? 0).toBeLessThanOrEqual(sm90.maxSharedPerBlock);
      if (entry.values.split === 1 && entry.values.schedule === "tiles") {
        expect(rendered.launch.workspaceBytes ?? 0).toBe(0);
      } else {
        expect(rendered.launch.zeroWorkspace).toBe(true);
        // fp32 partials of C, then one arrival counter per output tile.
        expect(rendered.launch.workspaceBytes ?? 0).toBeGreaterThan(entry.task.m * entry.task.n * 4);
      }
    },
  );
});

const nvcc = await locateNvcc();

describe.runIf(nvcc)("skinny family: nvcc", () => {
  it("compiles every sampled point for sm90 without spills", async () => {
    const pool = new CompilePool({
      nvcc: nvcc!,
      cacheDirectory: mkdtempSync(path.join(tmpdir(), "kforge-skinny-")),
      concurrency: 2,
    });
    const outcomes = await Promise.all(
      cases.map(async (entry) => {
        const rendered = skinnyFamily.render(entry.values, entry.task, sm90);
        return { entry, outcome: await pool.compile({ source: rendered.source, arch: "sm90" }) };
      }),
    );
    for (const { entry, outcome } of outcomes) {
      const label = `${entry.task.m}x${entry.task.n}x${entry.task.k} ${entry.task.layout} ${JSON.stringify(entry.values)}`;
      expect(outcome.ok, `${label}\n${outcome.log}`).toBe(true);
      if (!outcome.ok) continue;
      const report = outcome.functions.find((fn) => fn.name === "hgemm_skinny");
      expect(report, label).toBeDefined();
      expect(report?.spillStoreBytes, label).toBe(0);
      expect(report?.spillLoadBytes, label).toBe(0);
      expect(report?.registers ?? 0, label).toBeLessThanOrEqual(255);
    }
  }, 180_000);
});
