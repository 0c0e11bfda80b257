import { describe, expect, it } from "vitest";
import { locateNvcc } from "../toolkit/locate-nvcc.js";
import { preprocessCandidate } from "./preprocess-candidate.js";
import {
  preprocessedView,
  screenPreprocessed,
  screenSource,
  stripCommentsAndStrings,
} from "./screen-source.js";

const clean = `#include <cuda_fp16.h>
// cudaMalloc is mentioned in a comment only
extern "C" __global__ void __launch_bounds__(128) hgemm(const __half* A, const __half* B, __half* C, int M, int N, int K, void* workspace) {
  const char* note = "printf(";
  C[threadIdx.x] = A[threadIdx.x];
}
`;

describe("screenSource", () => {
  it("passes device-only code with the declared entry", () => {
    expect(screenSource(clean, "hgemm")).toBeUndefined();
  });

  it.each([
    ["cudaMalloc(&p, 4);", "screening:host_api"],
    ["cudaStreamCreate(&s);", "screening:host_api"],
    ["cuLaunchKernel(f, 1,1,1, 1,1,1, 0, 0, 0, 0);", "screening:host_api"],
    ["cublasGemmEx(h);", "screening:library_call"],
    ["float* p = (float*)malloc(16);", "screening:allocation"],
    ['printf("%d", 1);', "screening:printf"],
    ["__host__ void helper() {}", "screening:host_code"],
    ["int main() { return 0; }", "screening:host_code"],
  ])("rejects %s as %s, naming the line", (snippet, code) => {
    const source = clean.replace("C[threadIdx.x] = A[threadIdx.x];", snippet);
    const rejection = screenSource(source, "hgemm");
    expect(rejection?.code).toBe(code);
    expect(rejection?.line).toBe(5);
  });

  it("rejects host headers and a missing or malformed entry", () => {
    expect(screenSource(`#include <cstdio>\n${clean}`, "hgemm")?.code).toBe("screening:include");
    expect(screenSource(`#include "cublas_v2.h"\n${clean}`, "hgemm")?.code).toBe("screening:include");
    expect(screenSource(clean, "other")?.code).toBe("screening:missing_entry");
    expect(screenSource(clean, "bad name; rm -rf")?.code).toBe("screening:bad_entry");
  });

  it('accepts an entry declared inside an extern "C" block', () => {
    const source = `extern "C" {\n__global__ void k(const __half* A, const __half* B, __half* C, int M, int N, int K, void* w) {}\n}\n`;
    expect(screenSource(source, "k")).toBeUndefined();
  });
});

describe("stripCommentsAndStrings", () => {
  it("blanks comments and string contents but keeps lines", () => {
    const stripped = stripCommentsAndStrings('a /* x\ny */ b // c\n"d(e)" f');
    expect(stripped).toBe('a \n b \n"" f');
  });
});

describe("screening after the preprocessor", () => {
  const preprocessed = [
    '# 0 "kernel.cu"',
    '# 1 "/usr/local/cuda/include/cuda_fp16.h" 1',
    "inline int __hidden_in_header() { return printf == 0; }",
    '# 2 "kernel.cu" 2',
    '# 1 "/usr/include/stdio.h" 1 3 4',
    "int printf(const char*, ...);",
    '# 3 "kernel.cu" 2',
    'extern "C" __global__ void k(const __half* A, const __half* B, __half* C, int M, int N, int K, void* w) {',
    '  printf("%d", 1);',
    "}",
  ].join("\n");

  it("separates the candidate's own lines from the headers' and lists what it includes", () => {
    const view = preprocessedView(preprocessed, "kernel.cu");
    expect(view.directIncludes).toEqual(["/usr/local/cuda/include/cuda_fp16.h", "/usr/include/stdio.h"]);
    expect(view.ownCode).toContain('printf("%d", 1);');
    expect(view.ownCode).not.toContain("__hidden_in_header");
  });

  it("refuses a header included through a macro, and a name hidden behind one", () => {
    expect(screenPreprocessed(preprocessedView(preprocessed, "kernel.cu"))?.code).toBe("screening:include");
    const withoutStdio = preprocessed.replace(
      '# 1 "/usr/include/stdio.h" 1 3 4\nint printf(const char*, ...);\n',
      "",
    );
    const rejection = screenPreprocessed(preprocessedView(withoutStdio, "kernel.cu"));
    expect(rejection?.code).toBe("screening:printf");
    expect(rejection?.reason).toContain("after macro expansion");
  });
});

describe.runIf(await locateNvcc())("preprocessCandidate with the machine's nvcc", () => {
  it("sees through #define tricks that the source screen cannot", async () => {
    const nvcc = (await locateNvcc())!;
    const hidden = `#include <cuda_fp16.h>
#define P(x) pri##ntf(x)
extern "C" __global__ void k(const __half* A, const __half* B, __half* C, int M, int N, int K, void* w) {
  P("hi");
}
`;
    expect(screenSource(hidden, "k")).toBeUndefined();
    const view = await preprocessCandidate(nvcc, hidden, "sm90");
    expect(view?.directIncludes.some((file) => file.endsWith("/cuda_fp16.h"))).toBe(true);
    expect(screenPreprocessed(view!)?.code).toBe("screening:printf");
    const header = `#include <cuda_fp16.h>\n#define H <dlfcn.h>\n#include H\n${hidden.split("\n").slice(2).join("\n")}`;
    expect(screenPreprocessed((await preprocessCandidate(nvcc, header, "sm90"))!)?.code).toBe(
      "screening:include",
    );
    const clean = hidden.replace('  P("hi");\n', "  C[threadIdx.x] = A[threadIdx.x];\n");
    expect(screenPreprocessed((await preprocessCandidate(nvcc, clean, "sm90"))!)).toBeUndefined();
  }, 60_000);
});
