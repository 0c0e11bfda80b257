import { KernelForgeError } from "@kernelforge/core";
import type { HarnessErrorBody } from "./harness-protocol.js";

/** The harness answered a request with `ok: false`. */
export class HarnessRequestError extends KernelForgeError {
  readonly body: HarnessErrorBody;
  constructor(op: string, body: HarnessErrorBody) {
    super(
      `harness:${body.code}`,
      `harness ${op}: ${body.message}${body.cuResult ? ` (${body.cuResult})` : ""}`,
    );
    this.body = body;
  }
}

/** The harness process exited (crashed, was killed, or exited after a sticky CUDA error) during a request. */
export class HarnessExitedError extends KernelForgeError {
  readonly exitCode: number | null;
  readonly signal: NodeJS.Signals | null;
  constructor(op: string, exitCode: number | null, signal: NodeJS.Signals | null, stderrTail: string) {
    super(
      "harness:exited",
      `harness exited during ${op} (${signal ? `signal ${signal}` : `status ${exitCode}`})${stderrTail ? `: ${stderrTail}` : ""}`,
      {
        hint: "The harness restarts on the next request; the candidate that was running is marked runtime_error.",
      },
    );
    this.exitCode = exitCode;
    this.signal = signal;
  }
}

/** A request got no reply within its time limit; the harness was killed. */
export class HarnessTimeoutError extends KernelForgeError {
  constructor(op: string, timeoutMilliseconds: number) {
    super(
      "harness:timeout",
      `harness ${op} did not answer within ${timeoutMilliseconds} ms; the harness was killed`,
    );
  }
}
