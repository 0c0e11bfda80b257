import { spawn } from "node:child_process";

export interface ProcessOutcome {
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  output: string;
  timedOut: boolean;
  aborted: boolean;
  durationMilliseconds: number;
}

/**
 * Runs a program with an argument array in its own process group, capturing stdout and stderr together
 * (up to `maxOutputBytes`). On timeout or abort the whole group is killed, so compiler subprocesses
 * (cicc, ptxas) die with it.
 */
export function runProcess(
  file: string,
  args: readonly string[],
  options: {
    cwd?: string;
    timeoutMilliseconds: number;
    signal?: AbortSignal;
    maxOutputBytes?: number;
    env?: NodeJS.ProcessEnv;
  },
): Promise<ProcessOutcome> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const limit = options.maxOutputBytes ?? 1 << 20;
    let output = "";
    let timedOut = false;
    let aborted = false;
    const child = spawn(file, [...args], {
      cwd: options.cwd,
      env: options.env ?? process.env,
      detached: true,
      stdio: ["ignore", "pipe", "pipe"],
    });
    const collect = (chunk: Buffer) => {
      if (output.length < limit) output += chunk.toString("utf8").slice(0, limit - output.length);
    };
    child.stdout.on("data", collect);
    child.stderr.on("data", collect);
    const killGroup = () => {
      try {
        if (child.pid !== undefined) process.kill(-child.pid, "SIGKILL");
      } catch {
        child.kill("SIGKILL");
      }
    };
    const timer = setTimeout(() => {
      timedOut = true;
      killGroup();
    }, options.timeoutMilliseconds);
    const onAbort = () => {
      aborted = true;
      killGroup();
    };
    options.signal?.addEventListener("abort", onAbort, { once: true });
    child.on("error", (error) => {
      clearTimeout(timer);
      options.signal?.removeEventListener("abort", onAbort);
      reject(error);
    });
    child.on("close", (exitCode, signal) => {
      clearTimeout(timer);
      options.signal?.removeEventListener("abort", onAbort);
      resolve({
        exitCode,
        signal,
        output,
        timedOut,
        aborted,
        durationMilliseconds: performance.now() - started,
      });
    });
  });
}
