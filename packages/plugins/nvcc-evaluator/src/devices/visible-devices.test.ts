import type { GpuInfo } from "@kernelforge/gpu-runner";
import { describe, expect, it } from "vitest";
import { cudaVisibleDevicesFor, selectGpus, visibleGpus } from "./visible-devices.js";

const gpu = (index: number, computeCapability = "9.0"): GpuInfo => ({
  index,
  name: computeCapability === "9.0" ? "NVIDIA H200" : "NVIDIA A100-SXM4-80GB",
  computeCapability,
  memoryMebibytes: 143_771,
  driverVersion: "580.159.04",
  uuid: `GPU-${index}${index}${index}${index}aaaa-0000-1111-2222-33334444555${index}`,
});
const four = [gpu(0), gpu(1), gpu(2), gpu(3)];

describe("visibleGpus", () => {
  it("sees every GPU when CUDA_VISIBLE_DEVICES is unset, and none when it is empty", () => {
    expect(visibleGpus(four, undefined)).toEqual(four);
    expect(visibleGpus(four, "")).toEqual([]);
  });

  it("reads ordinals and UUID prefixes in the given order, stopping at the first that names no GPU", () => {
    expect(visibleGpus(four, "2,0").map((entry) => entry.index)).toEqual([2, 0]);
    expect(visibleGpus(four, "GPU-3333, 1").map((entry) => entry.index)).toEqual([3, 1]);
    expect(visibleGpus(four, "1,7,2").map((entry) => entry.index)).toEqual([1]);
    expect(visibleGpus(four, "-1,0")).toEqual([]);
    // A prefix shared by several GPUs names none of them.
    expect(visibleGpus(four, "GPU-")).toEqual([]);
  });
});

describe("selectGpus", () => {
  it("takes every visible GPU for all, or the listed indices", () => {
    expect(selectGpus(four, "all")).toEqual(four);
    expect(selectGpus(four, [3, 1, 3]).map((entry) => entry.index)).toEqual([3, 1]);
  });

  it("says what is visible when a listed GPU is not, or when none is", () => {
    expect(() => selectGpus([gpu(0), gpu(1)], [2])).toThrow(/no visible NVIDIA GPU has index 2/);
    try {
      selectGpus([gpu(0), gpu(1)], [2]);
    } catch (error) {
      expect((error as { hint?: string }).hint).toContain("Visible: 0 NVIDIA H200, 1 NVIDIA H200");
    }
    expect(() => selectGpus([], "all")).toThrow(/no NVIDIA GPU is visible/);
  });

  it("refuses GPUs of different architectures in one pool", () => {
    expect(() => selectGpus([gpu(0), gpu(1, "8.0")], "all")).toThrow(/different compute capabilities/);
    expect(selectGpus([gpu(0), gpu(1, "8.0")], [1]).map((entry) => entry.index)).toEqual([1]);
  });
});

describe("cudaVisibleDevicesFor", () => {
  it("names a GPU by its UUID, which does not depend on the enumeration order, else by its index", () => {
    expect(cudaVisibleDevicesFor(gpu(2))).toBe(gpu(2).uuid);
    const { uuid: _uuid, ...withoutUuid } = gpu(2);
    expect(cudaVisibleDevicesFor(withoutUuid)).toBe("2");
  });
});
