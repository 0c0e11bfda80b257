import { launchDescriptorSchema } from "@kernelforge/core";
import { describe, expect, it } from "vitest";
import {
  candidateWorkload,
  instructionFromSass,
  instructionFromSource,
  tileFromDesignPoint,
  tileFromGrid,
} from "./candidate-workload.js";

describe("the workload of a candidate", () => {
  it("reads the instruction class from the machine code", () => {
    expect(instructionFromSass({ matrixF32: 64, matrixF16: 0, warpgroupMatrix: 64 })).toBe("wgmma");
    expect(instructionFromSass({ matrixF32: 64, matrixF16: 0, warpgroupMatrix: 0 })).toBe("mma");
    expect(instructionFromSass({ matrixF32: 0, matrixF16: 0, warpgroupMatrix: 0 })).toBe("fma");
  });

  it("reads it from the source when there is no machine code, ignoring comments", () => {
    expect(
      instructionFromSource('asm volatile("wgmma.mma_async.sync.aligned.m64n128k16.f32.f16.f16 ...");'),
    ).toBe("wgmma");
    expect(
      instructionFromSource('asm volatile("mma.sync.aligned.m16n8k16.row.col.f32.f16.f16.f32 ...");'),
    ).toBe("mma");
    expect(instructionFromSource("nvcuda::wmma::mma_sync(c, a, b, c);")).toBe("mma");
    expect(instructionFromSource("// no mma.sync here\nsum += a * b;")).toBe("fma");
  });

  it("takes the tile of a tensor-core-tile design point, with its warps as operand readers", () => {
    const tile = tileFromDesignPoint(
      {
        family: "tensor-core-tile",
        values: { blockM: 128, blockN: 64, blockK: 32, warpsM: 4, warpsN: 2, splitK: 2, loadWidth: 4 },
        point: "x",
      },
      { m: 1000, n: 1000, layout: "nn" },
      8 * 16 * 2,
    );
    expect(tile).toEqual({ tileM: 128, tileN: 64, splitK: 2, operandReaders: { m: 4, n: 2 }, loadBytes: 4 });
  });

  it("counts the tiles a persistent hopper-warp-specialized point walks, cooperative or ping-pong", () => {
    const values = { consumers: 2, schedule: "cooperative", consumerRows: 64, blockN: 256, splitK: 1 };
    expect(
      tileFromDesignPoint(
        { family: "hopper-warp-specialized", values },
        { m: 4096, n: 4096, layout: "nn" },
        132,
      ),
    ).toEqual({
      tileM: 128,
      tileN: 256,
      splitK: 1,
      operandReaders: { m: 2, n: 1 },
      loadBytes: 16,
      tiles: 512,
    });
    expect(
      tileFromDesignPoint(
        { family: "hopper-warp-specialized", values: { ...values, schedule: "ping-pong" } },
        { m: 1000, n: 1000, layout: "linear" },
        132,
      ),
    ).toEqual({ tileM: 64, tileN: 256, splitK: 1, operandReaders: { m: 1, n: 1 }, loadBytes: 16, tiles: 64 });
    expect(
      tileFromDesignPoint(
        { family: "hopper-warp-specialized", values: { ...values, splitK: 4 } },
        { m: 512, n: 512, layout: "nn" },
        132,
      ),
    ).toEqual({
      tileM: 128,
      tileN: 256,
      splitK: 4,
      operandReaders: { m: 2, n: 1 },
      loadBytes: 16,
      tiles: 32,
    });
  });

  it("takes the streamed rows and the narrow side of a skinny design point", () => {
    const values = {
      operand: "b",
      math: "mma",
      threads: 256,
      warpsK: 2,
      warpTile: 2,
      split: 4,
      schedule: "tiles",
    };
    // kc-mma (linear B): 16 · warpTile = 32 rows per warp, 8 / 2 = 4 warps along the rows: 128 per block.
    expect(
      tileFromDesignPoint({ family: "skinny", values }, { m: 5, n: 4096, layout: "linear" }, 128),
    ).toEqual({ tileM: 8, tileN: 128, splitK: 4 });
    // pc-fma (nn B): 64 · warpTile = 128 columns per warp.
    expect(
      tileFromDesignPoint(
        { family: "skinny", values: { ...values, math: "fma", warpsK: 8, warpTile: 1 } },
        { m: 5, n: 4096, layout: "nn" },
        128,
      ),
    ).toEqual({ tileM: 5, tileN: 64, splitK: 4 });
    expect(tileFromDesignPoint({ family: "other", values }, { m: 5, n: 4096, layout: "nn" }, 1)).toBe(
      undefined,
    );
  });

  it("falls back to the grid (x covers N, y covers M, z splits K) and to the launch alone", () => {
    expect(tileFromGrid({ m: 1000, n: 1000 }, [63, 32, 2])).toEqual({ tileM: 32, tileN: 16, splitK: 2 });
    const launch = launchDescriptorSchema.parse({
      grid: [64, 64, 1],
      block: [16, 16, 1],
      dynamicSharedBytes: 4096,
    });
    const { workload, sources } = candidateWorkload({
      candidate: { source: "sum += a * b;", provenance: { generator: "x", parentIds: [], createdAt: "" } },
      launch,
      task: { m: 1024, n: 1024, k: 1024, layout: "nn" },
    });
    expect(workload).toMatchObject({
      tileM: 16,
      tileN: 16,
      blocks: 4096,
      threadsPerBlock: 256,
      sharedBytesPerBlock: 4096,
      instruction: "fma",
    });
    expect(workload.registersPerThread).toBeUndefined();
    expect(workload.splitKPartials).toBeUndefined();
    expect(sources).toEqual({ tile: "grid", instruction: "source", registers: "unknown" });
  });

  it("knows split-K partials meet in a cluster when the splits form one and there is no workspace", () => {
    const candidate = { source: "", provenance: { generator: "x", parentIds: [], createdAt: "" } };
    const task = { m: 512, n: 64, k: 8192, layout: "nn" as const };
    const clustered = candidateWorkload({
      candidate,
      launch: launchDescriptorSchema.parse({ grid: [1, 16, 8], block: [64, 1, 1], cluster: [1, 1, 8] }),
      task,
    });
    expect(clustered.workload).toMatchObject({ splitK: 8, splitKPartials: "cluster" });
    const serial = candidateWorkload({
      candidate,
      launch: launchDescriptorSchema.parse({
        grid: [1, 16, 8],
        block: [64, 1, 1],
        workspaceBytes: 8 * 512 * 64 * 4 + 256,
        zeroWorkspace: true,
      }),
      task,
    });
    expect(serial.workload.splitK).toBe(8);
    expect(serial.workload.splitKPartials).toBeUndefined();
  });
});
