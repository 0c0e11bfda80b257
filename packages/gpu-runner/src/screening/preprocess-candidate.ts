import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { archFlags } from "../compile/arch-flags.js";
import { runProcess } from "../compile/run-process.js";
import type { NvccInstallation } from "../toolkit/locate-nvcc.js";
import { type PreprocessedView, preprocessedView } from "./screen-source.js";

/**
 * Runs the preprocessor on a candidate (`nvcc -E`, in a private temporary folder, with a timeout) and returns
 * its own code with macros expanded and the headers it includes. Undefined when preprocessing fails: the
 * compile that follows then reports the error.
 */
export async function preprocessCandidate(
  nvcc: NvccInstallation,
  source: string,
  arch: string,
  timeoutMilliseconds = 60_000,
): Promise<PreprocessedView | undefined> {
  const directory = mkdtempSync(path.join(tmpdir(), "kforge-preprocess-"));
  try {
    const input = path.join(directory, "kernel.cu");
    const output = path.join(directory, "kernel.i");
    writeFileSync(input, source);
    const outcome = await runProcess(
      nvcc.path,
      ["-E", "-std=c++17", ...archFlags(arch), "-o", output, input],
      {
        cwd: directory,
        timeoutMilliseconds,
      },
    );
    if (outcome.exitCode !== 0) return undefined;
    return preprocessedView(readFileSync(output, "utf8"), "kernel.cu");
  } finally {
    rmSync(directory, { recursive: true, force: true });
  }
}
