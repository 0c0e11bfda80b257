import { createGemmTask } from "@kernelforge/core";
import { describe, expect, it } from "vitest";
import { ALL_FAMILIES } from "../families/all-families.js";
import { ARCH_LIMITS } from "./arch-limits.js";
import { DesignSpace } from "./design-space.js";
import { createRandom } from "./random.js";
import { parseRestrictionFlags, restrictFamilies } from "./restrict-family.js";

describe("restricted families", () => {
  it("narrow the options sampling sees, and keep the family's own constraints and renderer", () => {
    const families = restrictFamilies(ALL_FAMILIES, {
      "hopper-warp-specialized.epilogue": ["tma"],
      "hopper-warp-specialized.splitK": [1],
    });
    const hopper = families.find((family) => family.name === "hopper-warp-specialized")!;
    expect(hopper.dimensions.find((dimension) => dimension.name === "epilogue")?.options).toEqual(["tma"]);
    // The other families are the very same objects.
    expect(families.find((family) => family.name === "skinny")).toBe(
      ALL_FAMILIES.find((family) => family.name === "skinny"),
    );
    const task = createGemmTask({ m: 4096, n: 4096, k: 4096 });
    const space = new DesignSpace(families.filter((family) => family.name === "hopper-warp-specialized"));
    const samples = space.sample(task, ARCH_LIMITS.sm90!, 20, createRandom(3));
    expect(samples).toHaveLength(20);
    for (const sample of samples) {
      expect(sample.point.values.epilogue).toBe("tma");
      expect(sample.point.values.splitK).toBe(1);
      expect(hopper.render(sample.point.values, task, ARCH_LIMITS.sm90!).launch.tensorMaps).toHaveLength(3);
    }
    // A constraint of the family still holds: eight stages are never valid, restricted or not.
    expect(
      hopper.violates({ ...samples[0]!.point.values, stages: 8 }, task, ARCH_LIMITS.sm90!),
    ).toBeDefined();
  });

  it("parse command-line flags, numbers as numbers, and refuse malformed ones", () => {
    expect(
      parseRestrictionFlags(["tensor-core-tile.reduction=cluster", "tensor-core-tile.splitK=8|16"]),
    ).toEqual({ "tensor-core-tile.reduction": ["cluster"], "tensor-core-tile.splitK": [8, 16] });
    expect(() => parseRestrictionFlags(["tensor-core-tile.splitK"])).toThrow(/write <family>.<dimension>=/);
    expect(() => parseRestrictionFlags(["tensor-core-tile.splitK="])).toThrow(/write <family>.<dimension>=/);
  });
});
