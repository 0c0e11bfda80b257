import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { type BLayout, createGemmTask, type GemmTask, launchDescriptorSchema } from "@kernelforge/core";
import { CompilePool, locateNvcc, screenSource } from "@kernelforge/gpu-runner";
import { afterAll, describe, expect, it } from "vitest";
import { ARCH_LIMITS } from "../design-space/arch-limits.js";
import type { DesignValues } from "../design-space/kernel-family.js";
import { countValid, expectSampleCompiles, randomValid, seeded } from "./family-test-support.js";
import {
  hopperWarpSpecializedFamily as family,
  type HopperPoint,
  hopperGeometry,
  hopperGrid,
  hopperTensorMaps,
  readHopperPoint,
} from "./hopper-warp-specialized.js";

const sm90 = ARCH_LIMITS.sm90!;
const sm80 = ARCH_LIMITS.sm80!;
const gemm = (m: number, n: number, k: number, layout: BLayout = "nn"): GemmTask =>
  createGemmTask({ m, n, k, layout });

/** The classic large-shape point: 128x256 tile, two cooperative consumers, a 2x1 cluster. */
const large: HopperPoint = {
  consumers: 2,
  schedule: "cooperative",
  consumerRows: 64,
  blockN: 256,
  stages: 4,
  cluster: "2x1",
  raster: "m-inner",
  rasterGroup: 8,
  epilogue: "direct",
  splitK: 1,
};
const variant = (overrides: Partial<HopperPoint>): DesignValues => ({ ...large, ...overrides });
const BIG = gemm(4096, 4096, 4096);

describe("hopper-warp-specialized: design space", () => {
  it("names every dimension the family is searched over", () => {
    expect(family.dimensions.map((dimension) => dimension.name)).toEqual([
      "consumers",
      "schedule",
      "consumerRows",
      "blockN",
      "stages",
      "cluster",
      "raster",
      "rasterGroup",
      "epilogue",
      "splitK",
    ]);
    for (const dimension of family.dimensions) expect(dimension.options.length).toBeGreaterThan(1);
  });

  it("applies only where TMA rows are 16-byte aligned, and has hundreds of points for large tasks", () => {
    expect(family.appliesTo(BIG)).toBe(true);
    expect(family.appliesTo(gemm(4097, 4095, 1023))).toBe(false);
    expect(family.appliesTo(gemm(33, 2000, 999, "linear"))).toBe(false);
    expect(countValid(family, sm90, BIG)).toBeGreaterThan(500);
    expect(countValid(family, sm90, gemm(4096, 4096, 4096, "linear"))).toBeGreaterThan(500);
    expect(countValid(family, sm90, gemm(1000, 1000, 1000))).toBeGreaterThan(50);
    expect(countValid(family, sm90, gemm(1, 4096, 4096, "linear"))).toBeGreaterThan(10);
  });

  it("rejects unknown options and missing dimensions", () => {
    expect(readHopperPoint({ ...large, blockN: 96 })).toMatch(/blockN = 96 is not one of/);
    const { stages: _stages, ...missing } = large;
    expect(readHopperPoint(missing)).toBe("missing dimension stages");
  });
});

describe("hopper-warp-specialized: violates", () => {
  it("accepts the reference point and refuses architectures without wgmma", () => {
    expect(family.violates(large as unknown as DesignValues, BIG, sm90)).toBeUndefined();
    expect(family.violates(large as unknown as DesignValues, BIG, sm80)).toMatch(/needs sm_90a/);
  });

  it("bounds accumulators per thread and shared memory", () => {
    expect(family.violates(variant({ consumerRows: 128, blockN: 256 }), BIG, sm90)).toMatch(
      /256 fp32 accumulators per thread/,
    );
    expect(family.violates(variant({ stages: 5 }), BIG, sm90)).toMatch(/bytes of shared memory/);
    expect(family.violates(variant({ stages: 3, epilogue: "shared" }), BIG, sm90)).toBeUndefined();
    expect(family.violates(variant({ stages: 4, epilogue: "shared" }), BIG, sm90)).toMatch(
      /for the epilogue/,
    );
  });

  it("needs 16-byte rows for TMA and the vector epilogue", () => {
    expect(family.violates(variant({}), gemm(4096, 4096, 4092), sm90)).toMatch(/K % 8 == 0/);
    expect(family.violates(variant({}), gemm(4096, 4092, 4096), sm90)).toMatch(/N % 8 == 0/);
  });

  it("splits an nn B tile between a 2x1 pair only in whole 64-column boxes", () => {
    expect(family.violates(variant({ blockN: 192, stages: 3 }), BIG, sm90)).toMatch(/odd number/);
    expect(
      family.violates(variant({ blockN: 192, stages: 3 }), gemm(4096, 4096, 4096, "linear"), sm90),
    ).toBeUndefined();
  });

  it("needs two consumers for ping-pong, tiles no larger than twice the matrix, and room for the cluster", () => {
    expect(family.violates(variant({ consumers: 1, schedule: "ping-pong" }), BIG, sm90)).toMatch(
      /two consumer/,
    );
    expect(family.violates(variant({ cluster: "1x1" }), gemm(32, 4096, 4096), sm90)).toMatch(
      /blockM 128 is more than twice M = 32/,
    );
    expect(family.violates(variant({ consumers: 1, cluster: "2x1" }), gemm(64, 4096, 4096), sm90)).toMatch(
      /at least two tile rows/,
    );
    expect(
      family.violates(variant({ rasterGroup: 16, raster: "n-inner" }), gemm(512, 4096, 4096), sm90),
    ).toMatch(/rasterGroup 16 is more than twice/);
  });
});

describe("hopper-warp-specialized: split-K", () => {
  it("bounds the split by the K stages and the workspace, and asks for a zeroed workspace", () => {
    const medium = gemm(512, 128, 8192);
    const point = {
      ...large,
      consumers: 1,
      consumerRows: 64,
      blockN: 64,
      cluster: "1x1" as const,
      rasterGroup: 1,
      splitK: 8,
    };
    expect(family.violates(point as unknown as DesignValues, medium, sm90)).toBeUndefined();
    // Not where M or N is at most 64: there split 1 measured faster.
    expect(family.violates(point as unknown as DesignValues, gemm(512, 64, 8192), sm90)).toMatch(
      /split-K is not rendered when M or N is at most 64/,
    );
    expect(
      family.violates({ ...point, splitK: 1 } as unknown as DesignValues, gemm(512, 64, 8192), sm90),
    ).toBeUndefined();
    // The bound holds on either side: M = 64 is narrow, M = 65 is not.
    expect(family.violates(point as unknown as DesignValues, gemm(64, 512, 8192), sm90)).toMatch(
      /M or N is at most 64/,
    );
    expect(family.violates(point as unknown as DesignValues, gemm(65, 512, 8192), sm90)).toBeUndefined();
    expect(
      family.violates({ ...point, splitK: 16 } as unknown as DesignValues, gemm(512, 128, 960), sm90),
    ).toMatch(/splitK 16 exceeds the 15 K stages/);
    expect(family.violates({ ...point, splitK: 4 } as unknown as DesignValues, BIG, sm90)).toMatch(
      /workspace of \d+ bytes exceeds/,
    );
    expect(
      family.violates(
        { ...point, blockN: 256, splitK: 2 } as unknown as DesignValues,
        gemm(512, 512, 8192),
        sm90,
      ),
    ).toMatch(/at most 64 accumulators/);
    const rendered = family.render(point as unknown as DesignValues, medium, sm90);
    // 8 splits of 512x128 fp32 partials, then 16 tiles of 64 rows x 1 consumer: one counter each.
    expect(rendered.launch.workspaceBytes).toBe(8 * 512 * 128 * 4 + 256);
    expect(rendered.launch.zeroWorkspace).toBe(true);
    expect(rendered.launch.grid).toEqual([128, 1, 1]);
    expect(rendered.source).toContain("constexpr int SPLITS = 8;");
  });
});

describe("hopper-warp-specialized: render", () => {
  it("launches a persistent grid of clusters with the two tensor maps it declares", () => {
    const rendered = family.render(large as unknown as DesignValues, BIG, sm90);
    const launch = launchDescriptorSchema.parse(rendered.launch);
    expect(rendered.entry).toBe("hgemm_hopper");
    expect(launch.block).toEqual([384, 1, 1]);
    expect(launch.cluster).toEqual([2, 1, 1]);
    expect(launch.grid[0]).toBe(132);
    expect(launch.grid[0] % 2).toBe(0);
    expect(launch.dynamicSharedBytes).toBe(hopperGeometry(large).dynamicSharedBytes);
    expect(launch.tensorMaps).toEqual([
      { operand: "a", box: [64, 128], swizzle: "128B", interleave: "none" },
      { operand: "b", box: [64, 64], swizzle: "128B", interleave: "none" },
    ]);
    expect(rendered.source).toContain("wgmma.mma_async.sync.aligned.m64n256k16.f32.f16.f16");
    expect(rendered.source).toContain("setmaxnreg.dec.sync.aligned.u32 40");
    expect(rendered.source).toContain(".multicast::cluster");
    expect(rendered.source).toContain("__grid_constant__");
    expect(screenSource(rendered.source, rendered.entry)).toBeUndefined();
  });

  it("multicasts half a tile per CTA of a pair, and takes B K-major for the linear layout", () => {
    expect(hopperTensorMaps({ ...large, cluster: "1x2" }, { layout: "nn" })[0]?.box).toEqual([64, 64]);
    expect(hopperTensorMaps(large, { layout: "linear" })[1]?.box).toEqual([64, 128]);
    expect(hopperTensorMaps({ ...large, cluster: "1x1" }, { layout: "linear" })[1]?.box).toEqual([64, 256]);
    const linear = family.render(large as unknown as DesignValues, gemm(4096, 4096, 4096, "linear"), sm90);
    expect(linear.source).toMatch(/m64n256k16\.f32\.f16\.f16 .*, p, 1, 1, 0, 0;/);
    const nn = family.render(large as unknown as DesignValues, BIG, sm90);
    expect(nn.source).toMatch(/m64n256k16\.f32\.f16\.f16 .*, p, 1, 1, 0, 1;/);
  });

  it("stages C in 64 x 64 boxes, so a 256x128 tile of two 128-row consumers keeps four stages", () => {
    const square = { ...large, consumerRows: 128, blockN: 128, cluster: "1x2", epilogue: "tma" } as const;
    // Four stages of (256 + 128) x 64 halves and two 8 KB staging boxes per consumer.
    expect(hopperGeometry(square).dynamicSharedBytes).toBe(4 * 384 * 64 * 2 + 2 * 2 * 64 * 128 + 1280);
    expect(family.violates(square as unknown as DesignValues, BIG, sm90)).toBeUndefined();
    expect(hopperTensorMaps(square, { layout: "nn" })[2]?.box).toEqual([64, 64]);
    const rendered = family.render(square as unknown as DesignValues, BIG, sm90);
    // Both m64 row blocks of a consumer go out: MI x BN / 64 boxes, the row block in the store's coordinate.
    expect(rendered.source).toContain("for (int part = 0; part < MI * (BN / 64); ++part, ++stores)");
    expect(rendered.source).toContain("tma_store(c_map, buffer, n0 + 64 * box, tile_row + 64 * block)");
  });

  it("prefetches the tensor maps it uses before the first copy", () => {
    const source = family.render(large as unknown as DesignValues, BIG, sm90).source;
    expect(source.match(/prefetch\.tensormap/g)?.length).toBe(3);
    expect(source).toContain("if constexpr (TMA_EPILOGUE)");
  });

  it("stores C with TMA from swizzled staging boxes, declaring C's tensor map, with the TMA epilogue", () => {
    const point = { ...large, stages: 4, epilogue: "tma" } as const;
    const rendered = family.render(point as unknown as DesignValues, gemm(4104, 4088, 1016, "linear"), sm90);
    const launch = launchDescriptorSchema.parse(rendered.launch);
    expect(launch.tensorMaps?.[2]).toEqual({
      operand: "c",
      box: [64, 64],
      swizzle: "128B",
      interleave: "none",
    });
    // Four stages of (128 + 256) x 64 halves, and two 64-row x 128-byte staging boxes per consumer: the
    // 128x256 tile keeps four stages with this epilogue.
    expect(hopperGeometry(point).epilogueBytes).toBe(2 * 2 * 64 * 128);
    expect(launch.dynamicSharedBytes).toBe(4 * 384 * 64 * 2 + 2 * 2 * 64 * 128 + 1280);
    expect(rendered.source).toContain("const __grid_constant__ TensorMap map_c");
    expect(rendered.source).toContain("cp.async.bulk.tensor.2d.global.shared::cta.bulk_group");
    expect(rendered.source).toContain("fence.proxy.async.shared::cta;");
    expect(rendered.source).toContain("cp.async.bulk.wait_group.read 1;");
    expect(screenSource(rendered.source, rendered.entry)).toBeUndefined();
    expect(family.violates(variant({ stages: 5, epilogue: "tma" }), BIG, sm90)).toMatch(/for the epilogue/);
    const direct = family.render(large as unknown as DesignValues, BIG, sm90);
    expect(direct.launch.tensorMaps).toHaveLength(2);
    expect(direct.source).not.toContain("map_c");
  });

  it("never launches more CTAs than tiles, nor more clusters than pairs of SMs", () => {
    expect(hopperGrid({ ...large, cluster: "1x1" }, { m: 128, n: 512 }, 132)).toBe(2);
    expect(hopperGrid(large, { m: 8192, n: 8192 }, 132)).toBe(132);
    expect(hopperGrid(large, { m: 8192, n: 8192 }, 131)).toBe(130);
  });

  it("refuses to render an invalid point", () => {
    expect(() => family.render(variant({ stages: 7 }), BIG, sm90)).toThrow(/shared memory/);
  });
});

const random = seeded(0x90a);
const SAMPLE = (
  [
    [4096, 4096, 4096],
    [1000, 1000, 1000],
    [17, 11008, 4096],
    [4104, 4088, 1016],
  ] as const
).flatMap(([m, n, k]) =>
  (["nn", "linear"] as const).flatMap((layout) => {
    const task = gemm(m, n, k, layout);
    return randomValid(family, sm90, random, task, 2).map((values) => ({ task, values }));
  }),
);
// The TMA epilogue, cooperative and ping-pong, with split-K.
SAMPLE.push(
  { task: gemm(4104, 4088, 1016, "linear"), values: variant({ stages: 4, epilogue: "tma" }) },
  { task: gemm(1000, 1000, 1000, "linear"), values: variant({ blockN: 192, stages: 4, epilogue: "tma" }) },
  {
    task: gemm(1000, 1000, 1000),
    values: variant({
      schedule: "ping-pong",
      consumerRows: 128,
      blockN: 128,
      epilogue: "tma",
      cluster: "1x1",
    }),
  },
  {
    task: gemm(520, 136, 4096),
    values: variant({
      consumers: 1,
      blockN: 128,
      stages: 4,
      epilogue: "tma",
      cluster: "1x1",
      rasterGroup: 1,
      splitK: 4,
    }),
  },
);

const nvcc = await locateNvcc();

describe.runIf(nvcc)("hopper-warp-specialized: sampled points compile for sm_90a without spills", () => {
  const cacheDirectory = mkdtempSync(path.join(tmpdir(), "kforge-hopper-"));
  const pool = nvcc ? new CompilePool({ nvcc, cacheDirectory, timeoutMilliseconds: 120_000 }) : undefined;
  afterAll(() => rmSync(cacheDirectory, { recursive: true, force: true }));

  it("samples points across both layouts, with and without clusters", () => {
    expect(SAMPLE.length).toBeGreaterThanOrEqual(12);
    expect(new Set(SAMPLE.map(({ task }) => task.layout)).size).toBe(2);
  });

  it("compiles every sampled point with the entry present and 0 spill bytes", async () => {
    await expectSampleCompiles(family, sm90, pool!, SAMPLE);
  }, 170_000);
});
