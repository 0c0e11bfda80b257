import { readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { functionSass, summarizeSassMath } from "./sass-accumulator.js";

// cuobjdump --dump-sass of test/fixtures/sass-sm90a.cu, compiled by nvcc 13.0 for sm_90a.
const sass = readFileSync(
  path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../test/fixtures/sass-sm90a.txt"),
  "utf8",
);

describe("summarizeSassMath on real sm_90a machine code", () => {
  it("finds fp32 accumulation in an HMMA.16816.F32 kernel", () => {
    expect(summarizeSassMath(sass, "mma_f32")).toMatchObject({
      matrixF32: 1,
      matrixF16: 0,
      accumulator: "f32",
    });
  });

  it("finds fp16 accumulation in an HMMA.16816.F16 kernel", () => {
    expect(summarizeSassMath(sass, "mma_f16")).toMatchObject({
      matrixF32: 0,
      matrixF16: 1,
      accumulator: "f16",
    });
  });

  it("tells a scalar fp32 loop from a packed-fp16 one, ignoring HFMA2.MMA register zeroing", () => {
    const f32 = summarizeSassMath(sass, "simt_f32");
    expect(f32.accumulator).toBe("f32");
    expect(f32.scalarF32).toBeGreaterThan(0);
    expect(f32.scalarF16).toBe(0);
    expect(functionSass(sass, "simt_f32")).toContain("HFMA2.MMA R0, -RZ, RZ, 0, 0");
    const f16 = summarizeSassMath(sass, "simt_f16");
    expect(f16).toMatchObject({ scalarF32: 0, accumulator: "f16" });
    expect(f16.scalarF16).toBeGreaterThan(0);
  });

  it("is f16 for the whole file (one fp16 kernel is enough), and empty for an unknown function", () => {
    expect(summarizeSassMath(sass).accumulator).toBe("f16");
    expect(functionSass(sass, "missing")).toBe("");
    expect(summarizeSassMath(sass, "missing").accumulator).toBe("none");
  });

  it("reads warpgroup HGMMA accumulators", () => {
    const hopper =
      "Function : k\n  /*0100*/ HGMMA.64x128x16.F32 R24, gdesc[UR4], RZ ;\n  /*0110*/ HGMMA.64x128x16.F32 R24, gdesc[UR8], R24 ;\n";
    expect(summarizeSassMath(hopper, "k")).toMatchObject({
      matrixF32: 2,
      warpgroupMatrix: 2,
      accumulator: "f32",
    });
    expect(summarizeSassMath(hopper.replaceAll("F32", "F16"), "k").accumulator).toBe("f16");
  });
});
