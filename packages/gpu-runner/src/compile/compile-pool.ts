import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import type { NvccInstallation } from "../toolkit/locate-nvcc.js";
import { archFlags } from "./arch-flags.js";
import {
  compileKey,
  defaultCacheDirectory,
  entryDirectory,
  readJsonIfExists,
  writeFileAtomic,
} from "./compile-cache.js";
import { type PtxasFunctionReport, parseGlobalBytes, parsePtxasReport } from "./ptxas-report.js";
import { runProcess } from "./run-process.js";

export interface CompileRequest {
  source: string;
  /** Target arch, e.g. `sm90`. */
  arch: string;
  /** Extra nvcc flags (part of the cache key). */
  flags?: readonly string[];
}

export type CompileOutcome =
  | {
      ok: true;
      key: string;
      cubinPath: string;
      log: string;
      functions: PtxasFunctionReport[];
      /** Module-level global memory (`__device__` variables), bytes. */
      globalBytes: number;
      durationMilliseconds: number;
      cached: boolean;
    }
  | {
      ok: false;
      key: string;
      reason: "compile_error" | "timeout";
      log: string;
      durationMilliseconds: number;
      cached: boolean;
    };

export interface CompilePoolOptions {
  nvcc: NvccInstallation;
  cacheDirectory?: string;
  /** Parallel nvcc processes. Default: the number of cores. */
  concurrency?: number;
  timeoutMilliseconds?: number;
}

/** Flags every candidate is compiled with, besides the arch. */
export const BASE_NVCC_FLAGS = ["-cubin", "-std=c++17", "-O3", "-Xptxas", "-v", "-lineinfo"] as const;

/**
 * Compiles CUDA sources to cubins with nvcc, as many at once as there are cores, caching each result on disk
 * under the hash of (source, flags, arch, nvcc version). Identical requests in flight share one compile.
 * Compile errors are results, not exceptions; they are cached too (the same inputs fail the same way),
 * timeouts are not.
 */
export class CompilePool {
  readonly cacheDirectory: string;
  readonly concurrency: number;
  readonly #nvcc: NvccInstallation;
  readonly #timeoutMilliseconds: number;
  readonly #inFlight = new Map<string, Promise<CompileOutcome>>();
  readonly #waiting: (() => void)[] = [];
  #running = 0;

  constructor(options: CompilePoolOptions) {
    this.#nvcc = options.nvcc;
    this.cacheDirectory = options.cacheDirectory ?? defaultCacheDirectory();
    this.concurrency = Math.max(1, options.concurrency ?? os.availableParallelism());
    this.#timeoutMilliseconds = options.timeoutMilliseconds ?? 120_000;
  }

  get nvccVersion(): string {
    return this.#nvcc.version;
  }

  compile(request: CompileRequest, signal?: AbortSignal): Promise<CompileOutcome> {
    const flags = [...BASE_NVCC_FLAGS, ...archFlags(request.arch), ...(request.flags ?? [])];
    const key = compileKey({
      source: request.source,
      flags,
      arch: request.arch,
      nvccVersion: this.#nvcc.version,
    });
    const existing = this.#inFlight.get(key);
    if (existing) return existing;
    const work = this.#compile(key, request.source, flags, signal).finally(() => this.#inFlight.delete(key));
    this.#inFlight.set(key, work);
    return work;
  }

  async #compile(
    key: string,
    source: string,
    flags: string[],
    signal?: AbortSignal,
  ): Promise<CompileOutcome> {
    const directory = entryDirectory(this.cacheDirectory, key);
    const resultFile = path.join(directory, "result.json");
    const cached = readJsonIfExists<CompileOutcome>(resultFile);
    if (cached && (!cached.ok || existsSync(cached.cubinPath))) return { ...cached, cached: true };

    await this.#acquire(signal);
    try {
      signal?.throwIfAborted();
      mkdirSync(directory, { recursive: true });
      const sourceFile = path.join(directory, "kernel.cu");
      const cubinFile = path.join(directory, "kernel.cubin");
      writeFileSync(sourceFile, source);
      const outcome = await runProcess(this.#nvcc.path, [...flags, "-o", cubinFile, sourceFile], {
        cwd: directory,
        timeoutMilliseconds: this.#timeoutMilliseconds,
        ...(signal ? { signal } : {}),
      });
      signal?.throwIfAborted();
      const log = outcome.output.replaceAll(directory, "<build>");
      if (outcome.timedOut) {
        return {
          ok: false,
          key,
          reason: "timeout",
          log: `${log}\nnvcc did not finish within ${this.#timeoutMilliseconds} ms`,
          durationMilliseconds: outcome.durationMilliseconds,
          cached: false,
        };
      }
      const result: CompileOutcome =
        outcome.exitCode === 0 && existsSync(cubinFile)
          ? {
              ok: true,
              key,
              cubinPath: cubinFile,
              log,
              functions: parsePtxasReport(log),
              globalBytes: parseGlobalBytes(log),
              durationMilliseconds: outcome.durationMilliseconds,
              cached: false,
            }
          : {
              ok: false,
              key,
              reason: "compile_error",
              log,
              durationMilliseconds: outcome.durationMilliseconds,
              cached: false,
            };
      // A compiler killed by a signal (out of memory, say) says nothing about the source: keep it out of the cache.
      if (outcome.signal === null) writeFileAtomic(resultFile, JSON.stringify(result));
      return result;
    } finally {
      this.#release();
    }
  }

  #acquire(signal?: AbortSignal): Promise<void> {
    if (this.#running < this.concurrency) {
      this.#running++;
      return Promise.resolve();
    }
    return new Promise((resolve, reject) => {
      const grant = () => {
        signal?.removeEventListener("abort", onAbort);
        this.#running++;
        resolve();
      };
      const onAbort = () => {
        const index = this.#waiting.indexOf(grant);
        if (index >= 0) this.#waiting.splice(index, 1);
        reject(signal?.reason);
      };
      signal?.addEventListener("abort", onAbort, { once: true });
      this.#waiting.push(grant);
    });
  }

  #release(): void {
    this.#running--;
    this.#waiting.shift()?.();
  }
}
