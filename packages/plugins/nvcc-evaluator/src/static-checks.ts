import type {
  CompileReport,
  EvaluationResult,
  EvaluationStatus,
  KernelCandidate,
  LaunchDescriptor,
} from "@kernelforge/core";
import { isMatrixTensorMap, launchDescriptorSchema, type MatrixTensorMap } from "@kernelforge/core";
import {
  type CompilePool,
  dumpSass,
  type NvccInstallation,
  type PtxasFunctionReport,
  preprocessCandidate,
  type SassMathSummary,
  screenPreprocessed,
  screenSource,
  summarizeSassMath,
} from "@kernelforge/gpu-runner";

/**
 * The checks that need no GPU, shared by measured and estimate mode: the launch descriptor, static screening
 * of the source and of its preprocessed form, the nvcc compile (with the ptxas report), the module-level
 * checks on the compiled code and the machine-code checks.
 */

/** An EvaluationResult without the fields the evaluator fills in last. */
export type PartialResult = Omit<
  EvaluationResult,
  "candidateId" | "taskKey" | "measurement" | "environment" | "evaluatedAt" | "durationMilliseconds"
>;

export function rejected(
  reasonCode: string,
  reason: string,
  status: EvaluationStatus = "rejected",
): PartialResult {
  return { status, reasonCode, reason };
}

/** A launch descriptor that passed the checks: its tensor maps are all of the kind the harness encodes. */
export type CheckedLaunch = LaunchDescriptor & { tensorMaps?: MatrixTensorMap[] };

/** Validates the launch descriptor and screens the source. Needs no tools. */
export function checkDescriptorAndSource(
  candidate: KernelCandidate,
): { ok: true; launch: CheckedLaunch } | { ok: false; failure: PartialResult } {
  const launch = launchDescriptorSchema.safeParse(candidate.launch);
  if (!launch.success) {
    return {
      ok: false,
      failure: rejected("launch:invalid", `invalid launch descriptor: ${launch.error.issues[0]?.message}`),
    };
  }
  const unsupportedMap = launch.data.tensorMaps?.findIndex((map) => !isMatrixTensorMap(map));
  if (unsupportedMap !== undefined && unsupportedMap >= 0) {
    return {
      ok: false,
      failure: rejected(
        "launch:tensor_map_unsupported",
        `tensorMaps[${unsupportedMap}]: the harness encodes two-dimensional maps of A, B or C ([inner, outer] boxes), not of the workspace`,
      ),
    };
  }
  const screening = screenSource(candidate.source, candidate.entry);
  if (screening) {
    return {
      ok: false,
      failure: rejected(
        screening.code,
        `${screening.reason}${screening.line ? ` (line ${screening.line})` : ""}`,
      ),
    };
  }
  // Every map passed isMatrixTensorMap above.
  return { ok: true, launch: launch.data as CheckedLaunch };
}

/** What compiling and inspecting a candidate needs. */
export interface Toolchain {
  nvcc: NvccInstallation;
  compilePool: CompilePool;
  /** Whether cuobjdump is there to read the machine code (always in measured mode). */
  machineCode: boolean;
}

export type CompiledCandidate =
  | { ok: true; compile: CompileReport; cubinPath: string; sass?: SassMathSummary }
  | { ok: false; failure: PartialResult };

/**
 * Screens the preprocessed source (beside the compile: a macro can hide a forbidden name or header from the
 * first pass), compiles through the pool, refuses a module without the entry, with `__device__` global state,
 * calling printf, or whose machine code does not accumulate in fp32. Without cuobjdump the machine-code checks
 * are skipped and `sass` is absent.
 */
export async function compileAndInspect(
  toolchain: Toolchain,
  candidate: KernelCandidate,
  arch: string,
  signal?: AbortSignal,
): Promise<CompiledCandidate> {
  const [preprocessed, compiled] = await Promise.all([
    preprocessCandidate(toolchain.nvcc, candidate.source, arch),
    toolchain.compilePool.compile({ source: candidate.source, arch }, signal),
  ]);
  const expanded = preprocessed ? screenPreprocessed(preprocessed) : undefined;
  if (expanded) return { ok: false, failure: rejected(expanded.code, expanded.reason) };
  if (!compiled.ok) {
    return {
      ok: false,
      failure: {
        status: compiled.reason === "timeout" ? "timeout" : "compile_error",
        reasonCode: compiled.reason === "timeout" ? "compile:timeout" : "compile:error",
        reason: firstErrorLine(compiled.log),
        compile: compileReport(compiled, candidate.entry),
      },
    };
  }
  const compile = compileReport(compiled, candidate.entry);
  if (!compiled.functions.some((entry) => entry.name === candidate.entry)) {
    const names = compiled.functions.map((entry) => entry.name).join(", ") || "none";
    return {
      ok: false,
      failure: {
        ...rejected(
          "screening:missing_entry",
          `the compiled code has no extern "C" kernel named ${candidate.entry} (kernels: ${names})`,
        ),
        compile,
      },
    };
  }
  if (compiled.globalBytes > 0) {
    return {
      ok: false,
      failure: {
        ...rejected(
          "screening:global_state",
          `the module declares ${compiled.globalBytes} bytes of __device__ global memory; a kernel may keep no state between launches`,
        ),
        compile,
      },
    };
  }
  if (!toolchain.machineCode) return { ok: true, compile, cubinPath: compiled.cubinPath };
  // The whole cubin is read, not only the entry: helpers it calls are candidate code too.
  const machineCode = await dumpSass(toolchain.nvcc.cudaHome, compiled.cubinPath);
  if (/\bvprintf\b/.test(machineCode)) {
    return {
      ok: false,
      failure: {
        ...rejected("screening:printf", "the machine code calls printf (vprintf); kernels may not print"),
        compile,
      },
    };
  }
  const sass = summarizeSassMath(machineCode);
  if (sass.accumulator !== "f32") {
    return {
      ok: false,
      failure: {
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
      },
    };
  }
  return { ok: true, compile, cubinPath: compiled.cubinPath, sass };
}

export function compileReport(
  compiled: {
    log: string;
    durationMilliseconds: number;
    cached: boolean;
    functions?: PtxasFunctionReport[];
  },
  entry: string,
): CompileReport {
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

export function firstErrorLine(log: string): string {
  const line =
    log.split("\n").find((text) => /error/i.test(text)) ??
    log.split("\n").find((text) => text.trim()) ??
    "nvcc failed";
  return line.trim().slice(0, 400);
}
