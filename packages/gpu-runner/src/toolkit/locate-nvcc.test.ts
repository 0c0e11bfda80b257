import { describe, expect, it } from "vitest";
import { nvccCandidates, parseDryRunTop, parseNvccVersion } from "./locate-nvcc.js";

describe("parseNvccVersion", () => {
  it("reads release and build from nvcc --version", () => {
    const output =
      "nvcc: NVIDIA (R) Cuda compiler driver\nCuda compilation tools, release 13.0, V13.0.88\nBuild cuda_13.0.r13.0/compiler.36424714_0\n";
    expect(parseNvccVersion(output)).toEqual({ release: "13.0", version: "13.0.88" });
    expect(parseNvccVersion("command not found")).toBeUndefined();
  });

  it("looks in CUDA_HOME first, then PATH, then /usr/local/cuda", () => {
    const candidates = nvccCandidates({ CUDA_HOME: "/opt/cuda-x", PATH: "/usr/bin:/opt/bin" });
    expect(candidates).toEqual([
      "/opt/cuda-x/bin/nvcc",
      "/usr/bin/nvcc",
      "/opt/bin/nvcc",
      "/usr/local/cuda/bin/nvcc",
    ]);
  });

  it("reads the toolkit root from nvcc --dryrun", () => {
    expect(parseDryRunTop("#$ _HERE_=/usr/local/cuda-13.0/bin\n#$ TOP=/usr/local/cuda-13.0/bin/..\n")).toBe(
      "/usr/local/cuda-13.0",
    );
    expect(parseDryRunTop("nothing")).toBeUndefined();
  });
});
