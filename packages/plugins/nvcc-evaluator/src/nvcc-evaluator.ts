import {
  API_VERSION,
  type CallOptions,
  type EvaluationResult,
  type EvaluationStatus,
  type EvaluatorDescription,
  type GemmTask,
  type GpuEvaluator,
  type KernelCandidate,
  type KernelForgeConfig,
  launchDescriptorSchema,
  pluginOptionsToken,
  type RunEventBus,
  TOKENS,
} from "@kernelforge/core";
import {
  dumpSass,
  HarnessExitedError,
  HarnessRequestError,
  HarnessTimeoutError,
  preprocessCandidate,
  screenPreprocessed,
  screenSource,
  summarizeSassMath,
} from "@kernelforge/gpu-runner";
import { inject, injectable } from "inversify";
import { type GpuSession, openGpuSession } from "./gpu-session.js";
import { type NvccEvaluatorOptions, PLUGIN_NAME } from "./options.js";
import {
  describeVerdict,
  environmentFrom,
  toCorrectnessReport,
  toTimingAndSpeedups,
} from "./to-evaluation-result.js";

type Partial = Omit<
  EvaluationResult,
  "candidateId" | "taskKey" | "measurement" | "environment" | "evaluatedAt" | "durationMilliseconds"
>;

/**
 * Evaluates candidates on a local GPU: static screening → nvcc (compile pool, cache) → machine-code check of
 * the accumulator → the native harness (correctness before timing, timing against the baselines in the same
 * process, correctness again after). Candidates are evaluated one at a time on the GPU; compiles of several
 * candidates may overlap. Every failure is a result with a status and a reason.
 */
@injectable()
export class NvccEvaluator implements GpuEvaluator {
  readonly apiVersion = API_VERSION;
  readonly name = PLUGIN_NAME;
  #session: Promise<GpuSession> | undefined;
  #gpuQueue: Promise<unknown> = Promise.resolve();

  constructor(
    @inject(pluginOptionsToken<NvccEvaluatorOptions>(PLUGIN_NAME))
    private readonly options: NvccEvaluatorOptions,
    @inject(TOKENS.config) private readonly config: KernelForgeConfig,
    @inject(TOKENS.eventBus) private readonly events: RunEventBus,
  ) {}

  async describe(): Promise<EvaluatorDescription> {
    const session = await this.#open();
    return { name: this.name, measurement: "measured", devices: [session.hello.device.name], concurrency: 1 };
  }

  async evaluate(
    candidate: KernelCandidate,
    task: GemmTask,
    options: CallOptions = {},
  ): Promise<EvaluationResult> {
    const started = performance.now();
    const session = await this.#open();
    const partial = await this.#evaluate(session, candidate, task, options.signal);
    const suspect = partial.suspect ?? this.#suspect(partial);
    return {
      candidateId: candidate.id,
      taskKey: candidate.taskKey,
      measurement: "measured",
      ...partial,
      ...(suspect ? { suspect } : {}),
      environment: environmentFrom(
        session.hello,
        session.nvcc.version,
        session.hostname,
        session.driverVersion,
      ),
      evaluatedAt: new Date().toISOString(),
      durationMilliseconds: performance.now() - started,
    };
  }

  async close(): Promise<void> {
    const session = this.#session;
    this.#session = undefined;
    if (session) await (await session.catch(() => undefined))?.harness.close();
  }

  #open(): Promise<GpuSession> {
    this.#session ??= openGpuSession(
      this.options,
      this.config.evaluation.compileTimeoutSeconds * 1000,
      (line) => this.events.emit("log", { level: "debug", source: this.name, message: line }),
    ).catch((error: unknown) => {
      this.#session = undefined;
      throw error;
    });
    return this.#session;
  }

  async #evaluate(
    session: GpuSession,
    candidate: KernelCandidate,
    task: GemmTask,
    signal?: AbortSignal,
  ): Promise<Partial> {
    const rejected = (
      reasonCode: string,
      reason: string,
      status: EvaluationStatus = "rejected",
    ): Partial => ({
      status,
      reasonCode,
      reason,
    });
    const launch = launchDescriptorSchema.safeParse(candidate.launch);
    if (!launch.success)
      return rejected("launch:invalid", `invalid launch descriptor: ${launch.error.issues[0]?.message}`);
    if (launch.data.tensorMaps?.length) {
      return rejected(
        "launch:tensor_maps_unsupported",
        "this harness version cannot encode TMA tensor maps yet",
      );
    }
    const screening = screenSource(candidate.source, candidate.entry);
    if (screening) {
      return rejected(
        screening.code,
        `${screening.reason}${screening.line ? ` (line ${screening.line})` : ""}`,
      );
    }
    if (task.arch !== session.arch && `${task.arch}a` !== session.arch && task.arch !== `${session.arch}a`) {
      return rejected("task:arch_mismatch", `the task targets ${task.arch} but this GPU is ${session.arch}`);
    }
    // Screening again after the preprocessor, beside the compile: a macro can hide a forbidden name or header
    // from the first pass.
    const [preprocessed, compiled] = await Promise.all([
      preprocessCandidate(session.nvcc, candidate.source, session.arch),
      session.compilePool.compile({ source: candidate.source, arch: session.arch }, signal),
    ]);
    const expanded = preprocessed ? screenPreprocessed(preprocessed) : undefined;
    if (expanded) return rejected(expanded.code, expanded.reason);
    if (!compiled.ok) {
      return {
        status: compiled.reason === "timeout" ? "timeout" : "compile_error",
        reasonCode: compiled.reason === "timeout" ? "compile:timeout" : "compile:error",
        reason: firstErrorLine(compiled.log),
        compile: compileReport(compiled, candidate.entry),
      };
    }
    const compile = compileReport(compiled, candidate.entry);
    if (!compiled.functions.some((entry) => entry.name === candidate.entry)) {
      const names = compiled.functions.map((entry) => entry.name).join(", ") || "none";
      return {
        ...rejected(
          "screening:missing_entry",
          `the compiled code has no extern "C" kernel named ${candidate.entry} (kernels: ${names})`,
        ),
        compile,
      };
    }
    if (compiled.globalBytes > 0) {
      return {
        ...rejected(
          "screening:global_state",
          `the module declares ${compiled.globalBytes} bytes of __device__ global memory; a kernel may keep no state between launches`,
        ),
        compile,
      };
    }
    // The whole cubin is read, not only the entry: helpers it calls are candidate code too.
    const machineCode = await dumpSass(session.nvcc.cudaHome, compiled.cubinPath);
    if (/\bvprintf\b/.test(machineCode)) {
      return {
        ...rejected("screening:printf", "the machine code calls printf (vprintf); kernels may not print"),
        compile,
      };
    }
    const sass = summarizeSassMath(machineCode);
    if (sass.accumulator !== "f32") {
      return {
        status: "rejected",
        reasonCode:
          sass.accumulator === "f16" ? "machine_code:f16_accumulation" : "machine_code:no_fp32_math",
        reason:
          sass.accumulator === "f16"
            ? `the machine code accumulates in fp16 (${sass.matrixF16} fp16-accumulate matrix instructions, ${sass.scalarF16} HFMA2), but fp32 accumulation is required`
            : "the machine code has no fp32 multiply-accumulate (no HMMA/HGMMA .F32, no FFMA)",
        compile,
        correctness: {
          before: [],
          after: [],
          integerMismatches: 0,
          machineCodeAccumulator: sass.accumulator,
        },
      };
    }
    const cubinPath = compiled.cubinPath;
    return this.#onGpu(() =>
      this.#runHarness(session, cubinPath, candidate, task, launch.data, compile, signal),
    );
  }

  async #runHarness(
    session: GpuSession,
    cubinPath: string,
    candidate: KernelCandidate,
    task: GemmTask,
    launch: ReturnType<typeof launchDescriptorSchema.parse>,
    compile: NonNullable<Partial["compile"]>,
    signal?: AbortSignal,
  ): Promise<Partial> {
    let handle: string | undefined;
    try {
      handle = (await session.harness.load(cubinPath, candidate.entry, launch.dynamicSharedBytes)).handle;
      const reply = await session.harness.evaluate(
        {
          handle,
          task: { m: task.m, n: task.n, k: task.k, layout: task.layout },
          launch: {
            grid: launch.grid,
            block: launch.block,
            dynamicSharedBytes: launch.dynamicSharedBytes,
            cluster: launch.cluster ?? null,
            workspaceBytes: launch.workspaceBytes,
            zeroWorkspace: launch.zeroWorkspace,
          },
          seeds: this.options.seeds,
          toleranceFactor: this.options.toleranceFactor,
          modes: this.config.evaluation.modes,
          baselines: this.config.evaluation.baselines,
          samples: this.options.samples,
          warmup: this.options.warmup,
          bufferSets: this.options.bufferSets,
        },
        {
          timeoutMilliseconds: this.config.evaluation.runTimeoutSeconds * 1000,
          ...(signal ? { signal } : {}),
        },
      );
      const correctness = toCorrectnessReport(reply, "f32");
      if (!reply.verdict.passed) {
        return {
          status: reply.verdict.reason === "launch_error" ? "rejected" : "wrong",
          reasonCode: reply.verdict.reason,
          reason: describeVerdict(reply),
          compile,
          correctness,
        };
      }
      const gateTimeouts = reply.timing?.gateTimeouts ?? 0;
      return {
        status: "ok",
        compile,
        correctness,
        ...toTimingAndSpeedups(reply),
        ...(gateTimeouts > 0
          ? {
              suspect: {
                reason: `${gateTimeouts} timing round(s) started before all their launches were queued; samples may include host launch time`,
              },
            }
          : {}),
      };
    } catch (error) {
      if (error instanceof HarnessTimeoutError)
        return { status: "timeout", reasonCode: "run:timeout", reason: error.message, compile };
      if (error instanceof HarnessExitedError) {
        return { status: "runtime_error", reasonCode: "run:harness_exited", reason: error.message, compile };
      }
      if (error instanceof HarnessRequestError) {
        if (error.body.sticky)
          return {
            status: "runtime_error",
            reasonCode: `run:${error.body.cuResult ?? error.body.code}`,
            reason: error.message,
            compile,
          };
        if (
          ["load_error", "abi_mismatch", "launch_error", "unsupported", "bad_request"].includes(
            error.body.code,
          )
        ) {
          return {
            status: "rejected",
            reasonCode: `harness:${error.body.code}`,
            reason: error.message,
            compile,
          };
        }
        if (["cuda_error", "internal_error"].includes(error.body.code)) {
          return {
            status: "runtime_error",
            reasonCode: `harness:${error.body.code}`,
            reason: error.message,
            compile,
          };
        }
      }
      throw error;
    } finally {
      if (handle && session.harness.running) await session.harness.unload(handle).catch(() => undefined);
    }
  }

  /** One candidate at a time on the GPU: timings must not overlap. */
  #onGpu<T>(work: () => Promise<T>): Promise<T> {
    const next = this.#gpuQueue.then(work, work);
    this.#gpuQueue = next.catch(() => undefined);
    return next;
  }

  #suspect(partial: Partial): EvaluationResult["suspect"] {
    const threshold = this.config.evaluation.suspectSpeedup;
    for (const [mode, speedups] of Object.entries(partial.speedups ?? {})) {
      if (speedups && speedups.best.speedup > threshold) {
        return {
          reason: `${speedups.best.speedup.toFixed(2)}× over ${speedups.best.baseline} (${mode}) exceeds the review threshold of ${threshold}×`,
        };
      }
    }
    return undefined;
  }
}

function compileReport(
  compiled: {
    log: string;
    durationMilliseconds: number;
    cached: boolean;
    functions?: import("@kernelforge/gpu-runner").PtxasFunctionReport[];
  },
  entry: string,
): NonNullable<Partial["compile"]> {
  const report = compiled.functions?.find((entry_) => entry_.name === entry);
  return {
    registers: report?.registers ?? 0,
    sharedBytes: report?.sharedBytes ?? 0,
    stackFrameBytes: report?.stackFrameBytes ?? 0,
    spillStoreBytes: report?.spillStoreBytes ?? 0,
    spillLoadBytes: report?.spillLoadBytes ?? 0,
    constantBytes: report?.constantBytes ?? 0,
    durationMilliseconds: compiled.durationMilliseconds,
    cached: compiled.cached,
    log: compiled.log,
  };
}

function firstErrorLine(log: string): string {
  const line =
    log.split("\n").find((text) => /error/i.test(text)) ??
    log.split("\n").find((text) => text.trim()) ??
    "nvcc failed";
  return line.trim().slice(0, 400);
}
