import os from "node:os";
import {
  API_VERSION,
  type CallOptions,
  type CompileReport,
  describeError,
  type EvaluationEnvironment,
  type EvaluationResult,
  type EvaluatorDescription,
  type GemmTask,
  type GpuEvaluator,
  type KernelCandidate,
  type KernelForgeConfig,
  type LaunchDescriptor,
  type MatrixTensorMap,
  pluginOptionsToken,
  type RunEventBus,
  TOKENS,
} from "@kernelforge/core";
import {
  HarnessExitedError,
  HarnessRequestError,
  type HarnessTensorMap,
  HarnessTimeoutError,
  listGpus,
} from "@kernelforge/gpu-runner";
import { inject, injectable } from "inversify";
import type { DeviceUsage } from "./devices/device-scheduler.js";
import { visibleGpus } from "./devices/visible-devices.js";
import { candidateWorkload, type SassCounts } from "./estimate/candidate-workload.js";
import { UnplaceableKernelError } from "./estimate/cost-model.js";
import {
  DEVICE_FIGURES,
  type DeviceFigures,
  deviceFiguresFor,
  estimateDeviceLabel,
} from "./estimate/device-figures.js";
import { type EstimateSession, openEstimateSession } from "./estimate/estimate-session.js";
import { estimateTimings } from "./estimate/estimate-timings.js";
import { type DeviceHarness, type GpuSession, openGpuSession } from "./gpu-session.js";
import { type NvccEvaluatorOptions, PLUGIN_NAME } from "./options.js";
import {
  type CheckedLaunch,
  checkDescriptorAndSource,
  compileAndInspect,
  type PartialResult,
  rejected,
} from "./static-checks.js";
import {
  describeVerdict,
  environmentFrom,
  toCorrectnessReport,
  toTimingAndSpeedups,
} from "./to-evaluation-result.js";

/** The mode an evaluator instance works in, once `auto` is resolved. */
type ResolvedMode = "measured" | "estimated";

/**
 * Evaluates candidates on the local GPUs: static screening → nvcc (compile pool, cache) → machine-code check of
 * the accumulator → the native harness (correctness before timing, timing against the baselines in the same
 * process, correctness again after). There is one harness process per GPU (`devices`, by default every visible
 * GPU) and one compile pool for the host; a compiled candidate goes to the least-used free GPU, and each GPU
 * runs one candidate at a time, so timings never overlap on a device. A harness that dies with a candidate is
 * restarted and checked before its GPU takes the next one; a GPU whose harness cannot restart is taken out of
 * service and the others go on. Every failure is a result with a status and a reason.
 *
 * In estimate mode (no GPU visible under `mode: "auto"`, or `mode: "estimated"`) every check that needs no GPU
 * runs exactly as above, and the times of the candidate and of the baselines come from the analytic cost model
 * of `estimate/`: results are labelled `measurement: "estimated"`, carry no correctness figures (nothing ran)
 * and name their device `estimate:<GPU>`. Without nvcc the estimate rests on the launch descriptor alone and
 * the result has no `compile` report.
 */
@injectable()
export class NvccEvaluator implements GpuEvaluator {
  readonly apiVersion = API_VERSION;
  readonly name = PLUGIN_NAME;
  #mode: Promise<ResolvedMode> | undefined;
  #session: Promise<GpuSession> | undefined;
  #estimateSession: Promise<EstimateSession> | undefined;

  constructor(
    @inject(pluginOptionsToken<NvccEvaluatorOptions>(PLUGIN_NAME))
    private readonly options: NvccEvaluatorOptions,
    @inject(TOKENS.config) private readonly config: KernelForgeConfig,
    @inject(TOKENS.eventBus) private readonly events: RunEventBus,
  ) {}

  async describe(): Promise<EvaluatorDescription> {
    if ((await this.#resolveMode()) === "estimated") {
      const session = await this.#openEstimate();
      const figures = deviceFiguresFor(this.config.tasks.arch);
      return {
        name: this.name,
        measurement: "estimated",
        devices: (figures ? [figures] : DEVICE_FIGURES).map(estimateDeviceLabel),
        concurrency: session.toolchain?.compilePool.concurrency ?? os.availableParallelism(),
      };
    }
    const session = await this.#open();
    // Each GPU runs one candidate at a time, but compiles and static checks overlap them: keep enough
    // candidates in evaluation that the compile pool stays busy while every harness times the one ahead.
    return {
      name: this.name,
      measurement: "measured",
      devices: session.devices.map((device) => device.label),
      concurrency: session.compilePool.concurrency + session.devices.length,
    };
  }

  async evaluate(
    candidate: KernelCandidate,
    task: GemmTask,
    options: CallOptions = {},
  ): Promise<EvaluationResult> {
    const started = performance.now();
    if ((await this.#resolveMode()) === "estimated") {
      const session = await this.#openEstimate();
      const partial = await this.#estimate(session, candidate, task, options.signal);
      return this.#finish(candidate, partial, "estimated", estimateEnvironment(session, task), started);
    }
    const session = await this.#open();
    const { device, partial } = await this.#evaluate(session, candidate, task, options.signal);
    const environment = environmentFrom(
      (device ?? (session.devices[0] as DeviceHarness)).hello,
      session.nvcc.version,
      session.hostname,
      session.driverVersion,
    );
    return this.#finish(candidate, partial, "measured", environment, started);
  }

  async close(): Promise<void> {
    const session = this.#session;
    this.#session = undefined;
    this.#estimateSession = undefined;
    const opened = await session?.catch(() => undefined);
    await Promise.all((opened?.devices ?? []).map((device) => device.harness.close()));
  }

  /**
   * How the candidates were spread over the GPUs so far: per GPU, candidates run, time held, whether it is in
   * service. Empty before the first measured evaluation and in estimate mode.
   */
  async deviceStatistics(): Promise<DeviceUsage<string>[]> {
    const session = await this.#session?.catch(() => undefined);
    return (session?.scheduler.statistics() ?? []).map((usage) => ({ ...usage, device: usage.device.label }));
  }

  #finish(
    candidate: KernelCandidate,
    partial: PartialResult,
    measurement: ResolvedMode,
    environment: EvaluationEnvironment,
    started: number,
  ): EvaluationResult {
    const suspect = partial.suspect ?? this.#suspect(partial);
    return {
      candidateId: candidate.id,
      taskKey: candidate.taskKey,
      measurement,
      ...partial,
      ...(suspect ? { suspect } : {}),
      environment,
      evaluatedAt: new Date().toISOString(),
      durationMilliseconds: performance.now() - started,
    };
  }

  /** `measured` or `estimated` as configured; for `auto`, measured exactly when nvidia-smi lists a GPU. */
  #resolveMode(): Promise<ResolvedMode> {
    this.#mode ??= (async (): Promise<ResolvedMode> => {
      if (this.options.mode !== "auto") return this.options.mode;
      const listing = await listGpus();
      if (visibleGpus(listing.gpus, process.env.CUDA_VISIBLE_DEVICES).length > 0) return "measured";
      this.events.emit("log", {
        level: "info",
        source: this.name,
        message: `no GPU is visible (${listing.error ?? "nvidia-smi lists none"}): estimate mode, times come from a cost model and are labelled estimated`,
      });
      return "estimated";
    })();
    return this.#mode;
  }

  #open(): Promise<GpuSession> {
    this.#session ??= openGpuSession(
      this.options,
      this.config.evaluation.compileTimeoutSeconds * 1000,
      (line, level = "debug") => this.events.emit("log", { level, source: this.name, message: line }),
    ).catch((error: unknown) => {
      this.#session = undefined;
      throw error;
    });
    return this.#session;
  }

  #openEstimate(): Promise<EstimateSession> {
    this.#estimateSession ??= openEstimateSession(
      this.options,
      this.config.evaluation.compileTimeoutSeconds * 1000,
    ).then((session) => {
      if (!session.toolchain) {
        this.events.emit("log", {
          level: "warn",
          source: this.name,
          message:
            "estimate mode without nvcc: candidates are not compiled, and estimates rest on the launch descriptor alone (results have no compile report)",
        });
      }
      return session;
    });
    return this.#estimateSession;
  }

  /**
   * Estimate mode: the same checks as measured mode up to the point where the GPU would be needed, then the
   * cost model for the candidate and each baseline in each mode.
   */
  async #estimate(
    session: EstimateSession,
    candidate: KernelCandidate,
    task: GemmTask,
    signal?: AbortSignal,
  ): Promise<PartialResult> {
    const checked = checkDescriptorAndSource(candidate);
    if (!checked.ok) return checked.failure;
    const device = deviceFiguresFor(task.arch);
    if (!device) {
      return rejected(
        "task:arch_unsupported",
        `estimate mode has no figures for ${task.arch}; it models ${DEVICE_FIGURES.map((figures) => `${figures.arch} (${figures.name})`).join(", ")}`,
      );
    }
    let compile: CompileReport | undefined;
    let sass: SassCounts | undefined;
    if (session.toolchain) {
      const compiled = await compileAndInspect(session.toolchain, candidate, task.arch, signal);
      if (!compiled.ok) return compiled.failure;
      compile = compiled.compile;
      sass = compiled.sass;
    }
    signal?.throwIfAborted();
    return this.#model(device, candidate, task, checked.launch, compile, sass);
  }

  #model(
    device: DeviceFigures,
    candidate: KernelCandidate,
    task: GemmTask,
    launch: LaunchDescriptor,
    compile: CompileReport | undefined,
    sass: SassCounts | undefined,
  ): PartialResult {
    const { workload, sources } = candidateWorkload({
      candidate,
      launch,
      task,
      ...(compile ? { compile } : {}),
      ...(sass ? { sass } : {}),
    });
    try {
      const estimate = estimateTimings({
        device,
        task,
        workload,
        modes: this.config.evaluation.modes,
        baselines: this.config.evaluation.baselines,
        bufferSets: this.options.bufferSets,
      });
      const detail = Object.entries(estimate.details)
        .map(
          ([mode, time]) =>
            `${mode} ${time.microseconds.toFixed(2)} µs (${time.bound}-bound, ${time.waves} wave(s), ${time.occupancy.blocksPerSm} block(s)/SM)`,
        )
        .join("; ");
      this.events.emit("log", {
        level: "debug",
        source: this.name,
        message: `estimate for ${candidate.id} on ${estimateDeviceLabel(device)}: ${workload.instruction}, tile ${workload.tileM}x${workload.tileN} split ${workload.splitK} (tile from ${sources.tile}, instruction from ${sources.instruction}, registers ${sources.registers}): ${detail}`,
      });
      return {
        status: "ok",
        ...(compile ? { compile } : {}),
        timing: estimate.timing,
        speedups: estimate.speedups,
      };
    } catch (error) {
      if (!(error instanceof UnplaceableKernelError)) throw error;
      const why =
        error.occupancy.limitedBy === "shared_memory"
          ? `${workload.sharedBytesPerBlock} bytes of shared memory per block, at most ${device.sharedBytesPerBlock}`
          : error.occupancy.limitedBy === "registers"
            ? `${workload.registersPerThread} registers per thread for ${workload.threadsPerBlock} threads exceed the register file`
            : `${workload.threadsPerBlock} threads per block`;
      return {
        ...rejected(
          "launch:exceeds_device_limits",
          `one block does not fit on an SM of ${device.name}: ${why}`,
        ),
        ...(compile ? { compile } : {}),
      };
    }
  }

  /** The candidate's result, and the GPU it ran on (none when it was refused before reaching one). */
  async #evaluate(
    session: GpuSession,
    candidate: KernelCandidate,
    task: GemmTask,
    signal?: AbortSignal,
  ): Promise<{ partial: PartialResult; device?: DeviceHarness }> {
    const checked = checkDescriptorAndSource(candidate);
    if (!checked.ok) return { partial: checked.failure };
    if (task.arch !== session.arch && `${task.arch}a` !== session.arch && task.arch !== `${session.arch}a`) {
      return {
        partial: rejected(
          "task:arch_mismatch",
          `the task targets ${task.arch} but this GPU is ${session.arch}`,
        ),
      };
    }
    const compiled = await compileAndInspect(
      { nvcc: session.nvcc, compilePool: session.compilePool, machineCode: true },
      candidate,
      session.arch,
      signal,
    );
    if (!compiled.ok) return { partial: compiled.failure };
    const { compile, cubinPath } = compiled;
    const launch = checked.launch;
    return session.scheduler.run(async (device) => {
      // Device time: from the moment the candidate has the GPU (not while it waits for it) to its last reply.
      const onDevice = performance.now();
      const partial = await this.#runHarness(device, cubinPath, candidate, task, launch, compile, signal);
      const deviceMilliseconds = performance.now() - onDevice;
      if (partial.status === "runtime_error" || partial.status === "timeout") {
        await this.#recover(session, device, signal);
      }
      return { device, partial: { ...partial, deviceMilliseconds } };
    }, signal);
  }

  /**
   * After a candidate killed its harness (or the harness was killed for a timeout), starts it again and checks
   * that it still sees its GPU before the GPU takes another candidate; a harness that cannot restart takes its
   * GPU out of service, and the other GPUs carry on.
   */
  async #recover(session: GpuSession, device: DeviceHarness, signal?: AbortSignal): Promise<void> {
    if (signal?.aborted) return;
    try {
      await device.harness.hello();
    } catch (error) {
      const reason = `its harness did not restart: ${describeError(error)}`;
      session.scheduler.retire(device, reason);
      this.events.emit("log", {
        level: "warn",
        source: this.name,
        message: `${device.label} taken out of service (${session.scheduler.available} GPU(s) left): ${reason}`,
      });
    }
  }

  async #runHarness(
    device: DeviceHarness,
    cubinPath: string,
    candidate: KernelCandidate,
    task: GemmTask,
    launch: CheckedLaunch,
    compile: CompileReport,
    signal?: AbortSignal,
  ): Promise<PartialResult> {
    let handle: string | undefined;
    try {
      handle = (await device.harness.load(cubinPath, candidate.entry, launch.dynamicSharedBytes)).handle;
      const reply = await device.harness.evaluate(
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
            ...(launch.tensorMaps?.length ? { tensorMaps: launch.tensorMaps.map(toHarnessTensorMap) } : {}),
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
      if (handle && device.harness.running) await device.harness.unload(handle).catch(() => undefined);
    }
  }

  #suspect(partial: PartialResult): EvaluationResult["suspect"] {
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

/** The environment of an estimated result: the modelled device's label, and the toolchain that compiled. */
function estimateEnvironment(session: EstimateSession, task: GemmTask): EvaluationEnvironment {
  const device = deviceFiguresFor(task.arch);
  return {
    device: device ? estimateDeviceLabel(device) : `estimate:${task.arch}`,
    ...(device ? { computeCapability: device.computeCapability } : {}),
    ...(session.nvccVersion ? { nvccVersion: session.nvccVersion } : {}),
    hostname: session.hostname,
  };
}

/** A launch's TMA request as the harness protocol carries it. */
function toHarnessTensorMap(map: MatrixTensorMap): HarnessTensorMap {
  return { operand: map.operand, box: map.box, swizzle: map.swizzle, interleave: map.interleave };
}
