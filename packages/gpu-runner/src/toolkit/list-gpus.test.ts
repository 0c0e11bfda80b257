import { describe, expect, it } from "vitest";
import { parseGpuQuery } from "./list-gpus.js";

describe("parseGpuQuery", () => {
  it("parses nvidia-smi CSV rows and skips anything else", () => {
    const output =
      "0, NVIDIA H100 80GB HBM3, 9.0, 81559, 580.159.04, GPU-5b0c3b1e-9f6a-2d41-8c3e-0a1b2c3d4e5f\n1, NVIDIA H200, 9.0, 143771, 580.159.04\nNo devices were found\n";
    expect(parseGpuQuery(output)).toEqual([
      {
        index: 0,
        name: "NVIDIA H100 80GB HBM3",
        computeCapability: "9.0",
        memoryMebibytes: 81559,
        driverVersion: "580.159.04",
        uuid: "GPU-5b0c3b1e-9f6a-2d41-8c3e-0a1b2c3d4e5f",
      },
      {
        index: 1,
        name: "NVIDIA H200",
        computeCapability: "9.0",
        memoryMebibytes: 143771,
        driverVersion: "580.159.04",
      },
    ]);
    expect(parseGpuQuery("No devices were found")).toEqual([]);
  });
});
