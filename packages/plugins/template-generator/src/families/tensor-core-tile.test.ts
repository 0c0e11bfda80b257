import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { type BLayout, createGemmTask, type GemmTask, launchDescriptorSchema } from "@kernelforge/core";
import { CompilePool, locateNvcc, screenSource } from "@kernelforge/gpu-runner";
import { afterAll, describe, expect, it } from "vitest";
import { ARCH_LIMITS } from "../design-space/arch-limits.js";
import type { DesignValues } from "../design-space/kernel-family.js";
import {
  countValid as countValidPoints,
  expectSampleCompiles,
  randomValid as randomValidPoints,
  seeded,
} from "./family-test-support.js";
import {
  tensorCoreTileFamily as family,
  geometry,
  MAX_SPLIT_K_WORKSPACE_BYTES,
  readPoint,
  splitKWorkspace,
  type TensorCoreTilePoint,
  widestLoad,
} from "./tensor-core-tile.js";

const sm90 = ARCH_LIMITS.sm90!;
const sm80 = ARCH_LIMITS.sm80!;
const gemm = (m: number, n: number, k: number, layout: BLayout = "nn"): GemmTask =>
  createGemmTask({ m, n, k, layout });

const randomValid = (next: () => number, task: GemmTask, count: number) =>
  randomValidPoints(family, sm90, next, task, count);
const countValid = (task: GemmTask) => countValidPoints(family, sm90, task);

/** A fast, valid point for large shapes; tests override single dimensions. */
const large: TensorCoreTilePoint = {
  blockM: 128,
  blockN: 256,
  blockK: 64,
  warpsM: 2,
  warpsN: 4,
  stages: 3,
  splitK: 1,
  reduction: "none",
  rasterization: "grouped-8",
  smemLayout: "swizzle",
  storeWidth: 8,
  loadWidth: 16,
};
const variant = (overrides: Partial<TensorCoreTilePoint>): DesignValues => ({ ...large, ...overrides });

const BIG = gemm(4096, 4096, 4096);

const SHAPES: [number, number, number][] = [
  [1000, 1000, 1000],
  [17, 11008, 4096],
  [4097, 4095, 1023],
  [4096, 4096, 4096],
  [64, 14336, 4096],
];

describe("tensor-core-tile: design space", () => {
  it("has named dimensions with finite option lists and applies to every task", () => {
    const names = family.dimensions.map((dimension) => dimension.name);
    expect(new Set(names).size).toBe(names.length);
    for (const dimension of family.dimensions) expect(dimension.options.length).toBeGreaterThan(0);
    expect(family.appliesTo(gemm(1, 1, 1))).toBe(true);
    expect(family.appliesTo(gemm(17, 11008, 4096, "linear"))).toBe(true);
  });

  it("has thousands of valid points for large and skinny tasks, and some for awkward ones", () => {
    expect(countValid(gemm(4096, 4096, 4096))).toBeGreaterThan(2000);
    expect(countValid(gemm(17, 11008, 4096, "linear"))).toBeGreaterThan(2000);
    expect(countValid(gemm(4097, 4095, 1023, "nn"))).toBeGreaterThan(500);
    expect(countValid(gemm(4097, 4095, 1023, "linear"))).toBeGreaterThan(500);
    expect(countValid(gemm(1, 1, 1))).toBeGreaterThan(0);
  }, 60_000);

  it("rejects unknown options and missing dimensions", () => {
    expect(family.violates(variant({ blockM: 48 }), gemm(4096, 4096, 4096), sm90)).toMatch(/blockM/);
    const { stages: _dropped, ...partial } = large;
    expect(family.violates(partial, gemm(4096, 4096, 4096), sm90)).toMatch(/missing dimension stages/);
  });
});

describe("tensor-core-tile: violates", () => {
  const big = BIG;

  it("accepts the reference large point", () => {
    expect(family.violates(variant({}), big, sm90)).toBeUndefined();
    expect(family.violates(variant({}), gemm(4096, 4096, 4096, "linear"), sm90)).toBeUndefined();
  });

  it("enforces the shared-memory limit", () => {
    // 5 stages of 128x256x64 tiles: 5 * (128*64 + 64*256) * 2 bytes = 240 KiB.
    expect(family.violates(variant({ stages: 5 }), big, sm90)).toMatch(/shared memory/);
    expect(family.violates(variant({ stages: 4 }), big, sm90)).toBeUndefined();
    // The same tile with 2 stages of 32 fits; the epilogue staging buffer counts too.
    const fits = readPoint(
      variant({ blockM: 128, blockN: 128, blockK: 32, warpsM: 2, warpsN: 2, stages: 2 }),
    );
    expect(typeof fits).not.toBe("string");
    const g = geometry(fits as TensorCoreTilePoint, "nn");
    expect(g.dynamicSharedBytes).toBe(Math.max(2 * (128 * 32 + 32 * 128) * 2, 128 * (128 + 8) * 2));
    const smaller = { ...sm90, maxSharedPerBlock: g.dynamicSharedBytes - 1 };
    expect(
      family.violates(
        variant({ blockM: 128, blockN: 128, blockK: 32, warpsM: 2, warpsN: 2, stages: 2 }),
        big,
        smaller,
      ),
    ).toMatch(/shared memory/);
  });

  it("enforces warp counts and the divisibility of tiles by warp tiles and mma shapes", () => {
    expect(family.violates(variant({ warpsM: 1, warpsN: 1 }), big, sm90)).toMatch(/1 warps/);
    expect(family.violates(variant({ warpsM: 8, warpsN: 2 }), big, sm90)).toMatch(/16 warps/);
    // 16 rows over 2 warps leaves 8-row warp tiles: not a multiple of the mma M.
    expect(family.violates(variant({ blockM: 16, warpsM: 2, warpsN: 4 }), big, sm90)).toMatch(/mma M/);
    // 32 columns over 4 warps leaves 8-column warp tiles.
    expect(family.violates(variant({ blockN: 32, warpsM: 2, warpsN: 4 }), big, sm90)).toMatch(
      /multiple of 16/,
    );
  });

  it("rejects warp tiles whose accumulators or registers would spill", () => {
    expect(family.violates(variant({ blockM: 256, blockN: 256, warpsM: 2, warpsN: 2 }), big, sm90)).toMatch(
      /accumulators/,
    );
    // 64 threads streaming 4-byte chunks of big tiles: too many loads in flight per thread.
    expect(
      family.violates(
        variant({ blockM: 64, blockN: 128, warpsM: 1, warpsN: 2, loadWidth: 4, storeWidth: 2 }),
        gemm(1000, 1022, 1022),
        sm90,
      ),
    ).toMatch(/registers/);
  });

  it("enforces the alignment of vector loads and stores", () => {
    // A 128x128x32 tile over 8 warps stays within registers at every load width.
    const variant = (overrides: Partial<TensorCoreTilePoint>): DesignValues => ({
      ...large,
      blockM: 128,
      blockN: 128,
      blockK: 32,
      ...overrides,
    });
    const oddK = gemm(4096, 4096, 1023);
    expect(family.violates(variant({}), oddK, sm90)).toMatch(/16-byte loads of A need K % 8/);
    expect(family.violates(variant({ loadWidth: 4 }), oddK, sm90)).toMatch(/4-byte loads of A need K % 2/);
    expect(family.violates(variant({ loadWidth: 2 }), oddK, sm90)).toBeUndefined();
    // nn B is read along N, linear B along K.
    const oddN = gemm(4096, 4094, 4096, "nn");
    expect(family.violates(variant({ storeWidth: 2 }), oddN, sm90)).toMatch(/B need N % 8/);
    expect(family.violates(variant({ storeWidth: 2, loadWidth: 4 }), oddN, sm90)).toBeUndefined();
    expect(
      family.violates(variant({ storeWidth: 2 }), gemm(4096, 4094, 4096, "linear"), sm90),
    ).toBeUndefined();
    expect(family.violates(variant({ storeWidth: 8 }), oddN, sm90)).toMatch(/N % 8/);
    // Narrower loads than the task allows are dominated.
    expect(family.violates(variant({ loadWidth: 4 }), big, sm90)).toMatch(/dominated/);
    expect(widestLoad(gemm(4097, 4095, 1023, "nn"))).toBe(2);
    expect(widestLoad(gemm(4097, 4094, 1022, "nn"))).toBe(4);
    expect(widestLoad(gemm(4097, 4095, 1024, "linear"))).toBe(16);
  });

  it("pairs split-K with its reduction and bounds the workspace", () => {
    const skinny = gemm(17, 11008, 4096, "linear");
    const splitPoint = { blockM: 16, blockN: 128, warpsM: 1, warpsN: 4, stages: 4 } as const;
    expect(family.violates(variant({ ...splitPoint, splitK: 4, reduction: "none" }), skinny, sm90)).toMatch(
      /needs a reduction \(cluster\)/,
    );
    expect(family.violates(variant({ ...splitPoint, splitK: 4, reduction: "none" }), skinny, sm80)).toMatch(
      /needs a reduction \(serial\)/,
    );
    expect(family.violates(variant({ ...splitPoint, splitK: 1, reduction: "serial" }), skinny, sm80)).toMatch(
      /splitK > 1/,
    );
    expect(
      family.violates(variant({ ...splitPoint, splitK: 4, reduction: "serial" }), skinny, sm80),
    ).toBeUndefined();
    // On sm_90 the same split goes through the cluster reduction instead.
    expect(family.violates(variant({ ...splitPoint, splitK: 4, reduction: "serial" }), skinny, sm90)).toMatch(
      /serial reduction is for sm_80/,
    );
    expect(family.violates(variant({ splitK: 2, reduction: "serial" }), big, sm80)).toMatch(
      /split-K workspace of \d+ bytes/,
    );
    expect(
      family.violates(
        variant({ ...splitPoint, splitK: 16, reduction: "serial" }),
        gemm(17, 11008, 320),
        sm80,
      ),
    ).toMatch(/K tiles/);
    const point = readPoint(
      variant({ ...splitPoint, splitK: 4, reduction: "serial" }),
    ) as TensorCoreTilePoint;
    const bytes = splitKWorkspace(point, skinny);
    expect(bytes).toBeLessThanOrEqual(MAX_SPLIT_K_WORKSPACE_BYTES);
    expect(bytes).toBeGreaterThanOrEqual(4 * 17 * 11008 * 4 + Math.ceil(11008 / 128) * 4);
  });

  it("keeps the cluster reduction to sm_90, clusters of at most 16 and direct C stores", () => {
    const narrow = gemm(512, 64, 8192);
    const clusterPoint = {
      blockM: 32,
      blockN: 64,
      warpsM: 2,
      warpsN: 1,
      stages: 5,
      reduction: "cluster",
      storeWidth: 2,
    } as const;
    expect(family.violates(variant({ ...clusterPoint, splitK: 8 }), narrow, sm90)).toBeUndefined();
    expect(family.violates(variant({ ...clusterPoint, splitK: 16 }), narrow, sm90)).toBeUndefined();
    expect(family.violates(variant({ ...clusterPoint, splitK: 1 }), narrow, sm90)).toMatch(/splitK > 1/);
    expect(family.violates(variant({ ...clusterPoint, splitK: 8 }), narrow, ARCH_LIMITS.sm80!)).toMatch(
      /sm_90/,
    );
    expect(family.violates(variant({ ...clusterPoint, splitK: 8, storeWidth: 8 }), narrow, sm90)).toMatch(
      /storeWidth 2/,
    );
    // No workspace, so not the serial reduction's workspace bound: a large task may split (its 128x256 fp32
    // partial tile, 128 KiB, fits in shared memory).
    expect(family.violates(variant({ splitK: 2, reduction: "serial" }), BIG, sm80)).toMatch(
      /split-K workspace of \d+ bytes/,
    );
    expect(
      family.violates(variant({ splitK: 2, reduction: "cluster", storeWidth: 2 }), BIG, sm90),
    ).toBeUndefined();
    const point = readPoint(variant({ ...clusterPoint, splitK: 8 })) as TensorCoreTilePoint;
    expect(splitKWorkspace(point, narrow)).toBe(0);
    expect(geometry(point, "nn").reductionSharedBytes).toBe(32 * 64 * 4);
  });

  it("rejects tiles more than twice the matrix", () => {
    expect(family.violates(variant({ blockM: 128, warpsM: 2 }), gemm(17, 11008, 4096), sm90)).toMatch(
      /twice M/,
    );
  });
});

describe("tensor-core-tile: render", () => {
  it("renders a concrete launch for the task", () => {
    const rendered = family.render(variant({}), BIG, sm90);
    expect(rendered.entry).toBe("hgemm_tc");
    expect(rendered.launch).toMatchObject({ grid: [16, 32, 1], block: [256, 1, 1], zeroWorkspace: false });
    expect(rendered.source).toContain("mma.sync.aligned.m16n8k16.row.col.f32.f16.f16.f32");
    expect(rendered.source).toContain("ldmatrix.sync.aligned.m8n8.x4.trans");
    expect(rendered.source).toContain("cp.async.cg.shared.global");

    const skinny = family.render(
      variant({ blockM: 16, blockN: 128, warpsM: 1, warpsN: 4, stages: 4, splitK: 4, reduction: "serial" }),
      gemm(17, 11008, 4096, "linear"),
      sm80,
    );
    expect(skinny.launch).toMatchObject({ grid: [86, 2, 4], block: [128, 1, 1], zeroWorkspace: true });
    expect(skinny.launch.workspaceBytes).toBeGreaterThan(4 * 17 * 11008 * 4);
    expect(skinny.source).toContain("constexpr bool LINEAR_B = true;");
    expect(skinny.source).toContain("constexpr int SPLITS = 4;");
  });

  it("renders the cluster reduction as one cluster of splits per tile, without a workspace", () => {
    const rendered = family.render(
      variant({
        blockM: 32,
        blockN: 64,
        warpsM: 2,
        warpsN: 1,
        stages: 5,
        splitK: 8,
        reduction: "cluster",
        storeWidth: 2,
      }),
      gemm(512, 64, 8192),
      sm90,
    );
    expect(rendered.launch).toMatchObject({
      grid: [1, 16, 8],
      block: [64, 1, 1],
      cluster: [1, 1, 8],
      workspaceBytes: 0,
      zeroWorkspace: false,
    });
    expect(rendered.source).toContain("constexpr bool CLUSTER_REDUCE = true;");
    expect(rendered.source).toContain("ld.shared::cluster.v2.f32");
    expect(rendered.source).toContain("barrier.cluster.arrive.release.aligned");
    const serial = family.render(variant({}), BIG, sm90);
    expect(serial.launch.cluster).toBeUndefined();
    expect(serial.source).toContain("constexpr bool CLUSTER_REDUCE = false;");
  });

  it("refuses to render an invalid point", () => {
    expect(() => family.render(variant({ splitK: 2, reduction: "serial" }), BIG, sm80)).toThrow(
      /split-K workspace of \d+ bytes/,
    );
    expect(() =>
      family.render(
        variant({ blockM: 16, blockN: 128, warpsM: 1, warpsN: 4, stages: 4, splitK: 4, reduction: "serial" }),
        gemm(17, 11008, 4096),
        sm90,
      ),
    ).toThrow(/cluster reduction/);
  });
});

// A seeded sample over both layouts and awkward shapes, rendered and (where nvcc exists) compiled.
const random = seeded(0x7c0ffee);
const SAMPLE = [
  ...SHAPES.flatMap(([m, n, k]) =>
    (["nn", "linear"] as const).flatMap((layout) => {
      const task = gemm(m, n, k, layout);
      return randomValid(random, task, 2).map((values) => ({ task, values }));
    }),
  ),
  // The cluster reduction on an odd N (one-half stores) and with a 16-CTA cluster.
  {
    task: gemm(777, 61, 2050, "linear"),
    values: variant({
      blockM: 64,
      blockN: 64,
      blockK: 32,
      warpsM: 2,
      warpsN: 2,
      stages: 3,
      splitK: 4,
      reduction: "cluster",
      storeWidth: 2,
      loadWidth: 4,
    }),
  },
  {
    task: gemm(512, 64, 8192),
    values: variant({
      blockM: 128,
      blockN: 64,
      warpsM: 4,
      warpsN: 2,
      stages: 4,
      splitK: 16,
      reduction: "cluster",
      storeWidth: 2,
    }),
  },
];

describe("tensor-core-tile: sampled points render", () => {
  it("samples at least 12 points across both layouts", () => {
    expect(SAMPLE.length).toBeGreaterThanOrEqual(12);
    expect(new Set(SAMPLE.map(({ task }) => task.layout)).size).toBe(2);
  });

  it.each(SAMPLE.map((entry, index) => [index, entry] as const))(
    "point %i renders a valid candidate",
    (_, entry) => {
      const rendered = family.render(entry.values, entry.task, sm90);
      expect(screenSource(rendered.source, rendered.entry)).toBeUndefined();
      const launch = launchDescriptorSchema.parse(rendered.launch);
      expect(launch.dynamicSharedBytes).toBeLessThanOrEqual(sm90.maxSharedPerBlock);
      expect(launch.block[0] * launch.block[1] * launch.block[2]).toBeLessThanOrEqual(1024);
      expect(launch.grid[1]).toBeLessThanOrEqual(65535);
      expect(launch.zeroWorkspace).toBe(entry.values.reduction === "serial");
      expect(launch.cluster?.[2] ?? 1).toBe(entry.values.reduction === "cluster" ? entry.values.splitK : 1);
    },
  );
});

const nvcc = await locateNvcc();

describe.runIf(nvcc)("tensor-core-tile: sampled points compile for sm90 without spills", () => {
  const cacheDirectory = mkdtempSync(path.join(tmpdir(), "kforge-tc-tile-"));
  const pool = nvcc ? new CompilePool({ nvcc, cacheDirectory, timeoutMilliseconds: 120_000 }) : undefined;
  afterAll(() => rmSync(cacheDirectory, { recursive: true, force: true }));

  it("compiles every sampled point with the entry present and 0 spill bytes", async () => {
    await expectSampleCompiles(family, sm90, pool!, SAMPLE);
  }, 170_000);
});

describe.runIf(nvcc)("tensor-core-tile: serial split-K points compile for sm80 without spills", () => {
  const cacheDirectory = mkdtempSync(path.join(tmpdir(), "kforge-tc-tile-sm80-"));
  const pool = nvcc ? new CompilePool({ nvcc, cacheDirectory, timeoutMilliseconds: 120_000 }) : undefined;
  afterAll(() => rmSync(cacheDirectory, { recursive: true, force: true }));

  // sm_80 has no clusters: its split-K points reduce serially through the workspace.
  const serialSample = [
    gemm(17, 11008, 4096, "linear"),
    gemm(1000, 1000, 1000),
    gemm(777, 61, 2050, "linear"),
  ].flatMap((task) =>
    randomValidPoints(family, sm80, random, task, 400)
      .filter((values) => values.reduction === "serial")
      .slice(0, 2)
      .map((values) => ({ task, values })),
  );

  it("compiles serial split-K points for sm_80 with 0 spill bytes", async () => {
    expect(serialSample.length).toBe(6);
    for (const { task, values } of serialSample) {
      expect(family.render(values, task, sm80).launch.zeroWorkspace).toBe(true);
    }
    await expectSampleCompiles(family, sm80, pool!, serialSample);
  }, 170_000);
});
