import { describe, expect, it } from "vitest";
import { screenSource, stripCommentsAndStrings } from "./screen-source.js";

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
