import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { cublasSearchDirectories, locateCublas } from "./locate-cublas.js";

describe("locateCublas", () => {
  it("finds both libraries in KFORGE_CUBLAS_DIR, preferring versioned names", async () => {
    const directory = mkdtempSync(path.join(tmpdir(), "kforge-cublas-"));
    for (const name of ["libcublas.so", "libcublas.so.13", "libcublasLt.so.13"])
      writeFileSync(path.join(directory, name), "");
    const location = await locateCublas({ KFORGE_CUBLAS_DIR: directory, PATH: "" });
    expect(location).toMatchObject({
      found: true,
      directory,
      cublas: path.join(directory, "libcublas.so.13"),
      cublasLt: path.join(directory, "libcublasLt.so.13"),
    });
  });

  it("does not accept a directory holding only one of the two libraries", async () => {
    const root = mkdtempSync(path.join(tmpdir(), "kforge-cublas-"));
    const lib = path.join(root, "lib64");
    mkdirSync(lib);
    writeFileSync(path.join(lib, "libcublas.so.13"), "");
    const location = await locateCublas({ CUDA_HOME: root, PATH: "" });
    expect(location.directory).not.toBe(lib);
    expect(location.searched).toContain(lib);
  });

  it("searches the toolkit folders of CUDA_HOME before /usr/local/cuda", () => {
    const directories = cublasSearchDirectories({ CUDA_HOME: "/x/cuda" });
    expect(directories.indexOf("/x/cuda/lib64")).toBeLessThan(directories.indexOf("/usr/local/cuda/lib64"));
    expect(directories).toContain("/x/cuda/targets/x86_64-linux/lib");
  });
});
