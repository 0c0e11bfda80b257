import { type ChildProcessWithoutNullStreams, spawn } from "node:child_process";
import { createInterface } from "node:readline";
import { HarnessExitedError, HarnessRequestError, HarnessTimeoutError } from "./harness-errors.js";
import type {
  EvaluateReply,
  EvaluateRequest,
  HarnessErrorBody,
  HelloReply,
  LoadReply,
} from "./harness-protocol.js";

export interface HarnessProcessOptions {
  /** The built harness executable. */
  binary: string;
  /** Environment of the harness (CUDA_VISIBLE_DEVICES selects its GPU; KFORGE_CUBLAS_DIR its cuBLAS). */
  env?: NodeJS.ProcessEnv;
  /** Default time limit of one request. */
  timeoutMilliseconds?: number;
  /** Called with each line the harness writes to stderr. */
  onLog?: (line: string) => void;
}

interface Pending {
  op: string;
  resolve: (value: Record<string, unknown>) => void;
  reject: (error: Error) => void;
  timer: NodeJS.Timeout;
}

const STDERR_TAIL_BYTES = 4096;

/**
 * One native harness process, spoken to over stdin/stdout. Requests are answered in order; several may be
 * queued. When the process dies (a sticky CUDA error makes it exit with status 3; a crash or a kill), every
 * pending request is rejected with HarnessExitedError and the next request starts a fresh process.
 * A request that exceeds its time limit kills the process (a hung kernel cannot be stopped any other way).
 */
export class HarnessProcess {
  readonly #options: HarnessProcessOptions;
  #child: ChildProcessWithoutNullStreams | undefined;
  #pending = new Map<number, Pending>();
  #nextId = 1;
  #stderrTail = "";
  #starts = 0;

  constructor(options: HarnessProcessOptions) {
    this.#options = options;
  }

  /** How many times a process was started (1 + restarts). */
  get starts(): number {
    return this.#starts;
  }

  get running(): boolean {
    return this.#child !== undefined;
  }

  hello(timeoutMilliseconds = 60_000): Promise<HelloReply> {
    return this.request<HelloReply>("hello", {}, { timeoutMilliseconds });
  }

  load(cubinPath: string, entry: string, dynamicSharedBytes: number): Promise<LoadReply> {
    return this.request<LoadReply>("load", { cubinPath, entry, dynamicSharedBytes });
  }

  async unload(handle: string): Promise<void> {
    await this.request("unload", { handle });
  }

  evaluate(
    request: EvaluateRequest,
    options: { timeoutMilliseconds?: number; signal?: AbortSignal } = {},
  ): Promise<EvaluateReply> {
    return this.request<EvaluateReply>("evaluate", { ...request }, options);
  }

  /** Sends one request and resolves with the reply's fields; rejects with a typed error otherwise. */
  request<Reply>(
    op: string,
    payload: Record<string, unknown>,
    options: { timeoutMilliseconds?: number; signal?: AbortSignal } = {},
  ): Promise<Reply> {
    options.signal?.throwIfAborted();
    const child = this.#ensureStarted();
    const id = this.#nextId++;
    const timeout = options.timeoutMilliseconds ?? this.#options.timeoutMilliseconds ?? 120_000;
    return new Promise<Reply>((resolve, reject) => {
      const onAbort = () => {
        // The harness cannot abandon a request midway: stop the process, as for a timeout. This request ends
        // with the abort's reason, not as a crash.
        const pending = this.#pending.get(id);
        this.#pending.delete(id);
        if (pending) clearTimeout(pending.timer);
        this.#kill();
        reject(options.signal?.reason ?? new Error("aborted"));
      };
      const timer = setTimeout(() => {
        this.#pending.delete(id);
        this.#kill();
        reject(new HarnessTimeoutError(op, timeout));
      }, timeout);
      options.signal?.addEventListener("abort", onAbort, { once: true });
      this.#pending.set(id, {
        op,
        timer,
        resolve: (value) => {
          options.signal?.removeEventListener("abort", onAbort);
          resolve(value as Reply);
        },
        reject: (error) => {
          options.signal?.removeEventListener("abort", onAbort);
          reject(error);
        },
      });
      child.stdin.write(`${JSON.stringify({ id, op, ...payload })}\n`);
    });
  }

  /** Asks the harness to exit, and kills it if it has not within a second. */
  async close(): Promise<void> {
    const child = this.#child;
    if (!child) return;
    const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
    try {
      child.stdin.write(`${JSON.stringify({ id: this.#nextId++, op: "shutdown" })}\n`);
    } catch {
      // Already gone.
    }
    const timer = setTimeout(() => this.#kill(), 1_000);
    await exited;
    clearTimeout(timer);
  }

  #ensureStarted(): ChildProcessWithoutNullStreams {
    if (this.#child) return this.#child;
    const child = spawn(this.#options.binary, [], {
      env: this.#options.env ?? process.env,
      stdio: ["pipe", "pipe", "pipe"],
    });
    this.#starts++;
    this.#stderrTail = "";
    this.#child = child;
    child.stdin.on("error", () => {
      // A write after the process died; the exit handler rejects what was pending.
    });
    createInterface({ input: child.stdout }).on("line", (line) => this.#onLine(line));
    createInterface({ input: child.stderr }).on("line", (line) => {
      this.#stderrTail = `${this.#stderrTail}${line}\n`.slice(-STDERR_TAIL_BYTES);
      this.#options.onLog?.(line);
    });
    child.on("error", (error) => this.#onExit(child, null, null, error.message));
    child.on("exit", (code, signal) => this.#onExit(child, code, signal));
    return child;
  }

  #onLine(line: string): void {
    if (!line.trim()) return;
    let reply: { id?: unknown; ok?: unknown; error?: HarnessErrorBody } & Record<string, unknown>;
    try {
      reply = JSON.parse(line);
    } catch {
      this.#options.onLog?.(`unparseable harness output: ${line.slice(0, 200)}`);
      return;
    }
    if (typeof reply.id !== "number") return;
    const pending = this.#pending.get(reply.id);
    if (!pending) return;
    this.#pending.delete(reply.id);
    clearTimeout(pending.timer);
    if (reply.ok === true) pending.resolve(reply);
    else
      pending.reject(
        new HarnessRequestError(
          pending.op,
          reply.error ?? { code: "unknown", message: "no error body", sticky: false },
        ),
      );
  }

  #onExit(
    child: ChildProcessWithoutNullStreams,
    code: number | null,
    signal: NodeJS.Signals | null,
    message?: string,
  ): void {
    if (this.#child !== child) return;
    this.#child = undefined;
    this.#rejectPending(code, signal, (message ?? this.#stderrTail).trim().split("\n").slice(-3).join(" | "));
  }

  /** Kills the process and fails whatever was queued on it; the next request starts a fresh process. */
  #kill(): void {
    const child = this.#child;
    if (!child) return;
    this.#child = undefined;
    child.kill("SIGKILL");
    this.#rejectPending(null, "SIGKILL", "killed by the client");
  }

  #rejectPending(code: number | null, signal: NodeJS.Signals | null, tail: string): void {
    for (const [id, pending] of this.#pending) {
      clearTimeout(pending.timer);
      pending.reject(new HarnessExitedError(pending.op, code, signal, tail));
      this.#pending.delete(id);
    }
  }
}
