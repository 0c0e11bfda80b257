import { readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { parseGlobalBytes, parsePtxasReport } from "./ptxas-report.js";

const fixture = path.resolve(
  path.dirname(fileURLToPath(import.meta.url)),
  "../../test/fixtures/ptxas-sm90a.log",
);

describe("parsePtxasReport", () => {
  it("reads every function of a real nvcc 13.0 report", () => {
    const reports = parsePtxasReport(readFileSync(fixture, "utf8"));
    expect(reports.map((report) => report.name).sort()).toEqual([
      "mma_f16",
      "mma_f32",
      "simt_f16",
      "simt_f32",
    ]);
    expect(reports.find((report) => report.name === "simt_f16")).toEqual({
      name: "simt_f16",
      arch: "sm_90a",
      registers: 26,
      barriers: 0,
      sharedBytes: 0,
      constantBytes: 0,
      stackFrameBytes: 0,
      spillStoreBytes: 0,
      spillLoadBytes: 0,
    });
  });

  it("reads shared memory, constant banks, barriers and spills", () => {
    const log = [
      "ptxas info    : Compiling entry function 'hgemm' for 'sm_90a'",
      "ptxas info    : Function properties for hgemm",
      "    48 bytes stack frame, 24 bytes spill stores, 16 bytes spill loads",
      "ptxas info    : Used 168 registers, used 1 barriers, 32768 bytes smem, 400 bytes cmem[0], 8 bytes cmem[2]",
    ].join("\n");
    expect(parsePtxasReport(log)).toEqual([
      {
        name: "hgemm",
        arch: "sm_90a",
        registers: 168,
        barriers: 1,
        sharedBytes: 32768,
        constantBytes: 408,
        stackFrameBytes: 48,
        spillStoreBytes: 24,
        spillLoadBytes: 16,
      },
    ]);
  });

  it("reads the module's global memory", () => {
    expect(parseGlobalBytes(readFileSync(fixture, "utf8"))).toBe(0);
    expect(
      parseGlobalBytes(
        "ptxas info    : 768 bytes gmem\nptxas info    : Compiling entry function 'k' for 'sm_90a'",
      ),
    ).toBe(768);
  });
});
