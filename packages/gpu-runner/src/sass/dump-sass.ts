import { existsSync } from "node:fs";
import path from "node:path";
import { runProcess } from "../compile/run-process.js";

/** Disassembles a cubin with the toolkit's cuobjdump (next to nvcc). */
export async function dumpSass(
  cudaHome: string,
  cubinPath: string,
  timeoutMilliseconds = 60_000,
): Promise<string> {
  const cuobjdump = path.join(cudaHome, "bin", "cuobjdump");
  const program = existsSync(cuobjdump) ? cuobjdump : "cuobjdump";
  const outcome = await runProcess(program, ["--dump-sass", cubinPath], {
    timeoutMilliseconds,
    maxOutputBytes: 64 << 20,
  });
  if (outcome.exitCode !== 0) {
    throw new Error(
      `cuobjdump failed (${outcome.timedOut ? "timeout" : `exit ${outcome.exitCode}`}): ${outcome.output.slice(0, 400)}`,
    );
  }
  return outcome.output;
}
