import { PassThrough } from "node:stream";
import type { CliContext } from "../src/cli-context.js";

/** A CliContext writing into strings: stdout is not a TTY, so commands print plain text or JSON. */
export function captureContext(cwd: string, env: NodeJS.ProcessEnv = process.env) {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = "";
  let err = "";
  stdout.on("data", (chunk) => {
    out += String(chunk);
  });
  stderr.on("data", (chunk) => {
    err += String(chunk);
  });
  const context: CliContext = { stdout, stderr, env, cwd };
  return { context, stdout: () => out, stderr: () => err };
}
