import { execFile } from "node:child_process";

export interface CommandOutput {
  stdout: string;
  stderr: string;
  exitCode: number | null;
}

/**
 * Runs a program with an argument array (never a shell string) and a timeout. Resolves with its output
 * whatever the exit code; rejects only when the program cannot be started (ENOENT) or times out.
 */
export function runCommand(
  file: string,
  args: readonly string[],
  options: { timeoutMilliseconds?: number; env?: NodeJS.ProcessEnv } = {},
): Promise<CommandOutput> {
  return new Promise((resolve, reject) => {
    execFile(
      file,
      [...args],
      {
        timeout: options.timeoutMilliseconds ?? 10_000,
        maxBuffer: 16 * 1024 * 1024,
        env: options.env ?? process.env,
      },
      (error, stdout, stderr) => {
        if (error && (error as NodeJS.ErrnoException).code === "ENOENT") return reject(error);
        if (error?.killed) return reject(new Error(`${file} timed out`));
        const exitCode = error ? (typeof error.code === "number" ? error.code : 1) : 0;
        resolve({ stdout: String(stdout), stderr: String(stderr), exitCode });
      },
    );
  });
}
