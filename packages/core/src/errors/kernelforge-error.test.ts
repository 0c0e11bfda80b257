import { describe, expect, it } from "vitest";
import { KernelForgeError } from "./kernelforge-error.js";

class OtherCopyError extends Error {
  readonly [Symbol.for("kernelforge.error")] = true;
  readonly code = "x";
}

class SpecificError extends KernelForgeError {}

describe("KernelForgeError", () => {
  it("is recognized across module copies by its brand, while subclasses keep prototype checks", () => {
    expect(new OtherCopyError("from another copy")).toBeInstanceOf(KernelForgeError);
    expect(new Error("plain")).not.toBeInstanceOf(KernelForgeError);
    const specific = new SpecificError("code", "message", { hint: "do this" });
    expect(specific).toBeInstanceOf(KernelForgeError);
    expect(specific).toBeInstanceOf(SpecificError);
    expect(new KernelForgeError("a", "b")).not.toBeInstanceOf(SpecificError);
    expect(specific.hint).toBe("do this");
  });
});
