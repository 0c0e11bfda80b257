import { describe, expect, it } from "vitest";
import { KernelForgeError } from "./kernelforge-error.js";

/** What a KernelForgeError from another copy of core looks like: an Error carrying the shared brand. */
function errorFromAnotherCopy(): Error {
  return Object.assign(new Error("from another copy"), {
    [Symbol.for("kernelforge.error")]: true,
    code: "x",
  });
}

class SpecificError extends KernelForgeError {}

describe("KernelForgeError", () => {
  it("is recognized across module copies by its brand, while subclasses keep prototype checks", () => {
    expect(errorFromAnotherCopy()).toBeInstanceOf(KernelForgeError);
    expect(new Error("plain")).not.toBeInstanceOf(KernelForgeError);
    const specific = new SpecificError("code", "message", { hint: "do this" });
    expect(specific).toBeInstanceOf(KernelForgeError);
    expect(specific).toBeInstanceOf(SpecificError);
    expect(new KernelForgeError("a", "b")).not.toBeInstanceOf(SpecificError);
    expect(specific.hint).toBe("do this");
  });
});
