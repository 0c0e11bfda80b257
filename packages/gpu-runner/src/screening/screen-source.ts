/** Why a candidate's source was refused before compiling. */
export interface ScreeningRejection {
  /** e.g. `screening:host_api`. */
  code: string;
  reason: string;
  line?: number;
}

/** Headers a candidate may include: device-side types and intrinsics only. */
export const ALLOWED_INCLUDES: readonly string[] = [
  "cuda_fp16.h",
  "cuda_bf16.h",
  "cuda_fp8.h",
  "mma.h",
  "cuda.h",
  "cuda_runtime.h",
  "stdint.h",
  "cstdint",
  "cuda/barrier",
  "cuda/pipeline",
  "cuda/ptx",
  "cooperative_groups.h",
  "cooperative_groups/memcpy_async.h",
  "cuda_pipeline.h",
  "cuda_awbarrier.h",
  "cuda_awbarrier_primitives.h",
];

const MAXIMUM_SOURCE_BYTES = 512 * 1024;

interface Rule {
  code: string;
  pattern: RegExp;
  reason: (match: string) => string;
}

const RULES: readonly Rule[] = [
  {
    code: "screening:host_api",
    pattern:
      /\b(cuda(?!_fp|_bf|Tensor|Surface|Texture|Array|Pitched|Extent|Pos|Channel)[A-Z][A-Za-z0-9_]*)\s*\(/,
    reason: (match) => `calls the CUDA runtime (${match}); the harness does every host-side action`,
  },
  {
    code: "screening:host_api",
    pattern:
      /\b(cu(?:Launch|Mem|Stream|Event|Ctx|Module|Func|Graph|Init|Device|TensorMapEncode)[A-Za-z0-9_]*)\s*\(/,
    reason: (match) => `calls the CUDA driver API (${match}); the harness does every host-side action`,
  },
  {
    code: "screening:library_call",
    pattern: /\b((?:cublas|cublasLt|cudnn|curand|cufft|cusparse|nccl)[A-Za-z0-9_]*)\s*\(/i,
    reason: (match) => `calls a library (${match}); a candidate must compute the product itself`,
  },
  {
    code: "screening:allocation",
    pattern: /\b(malloc|calloc|realloc|free)\s*\(|\bnew\s+[A-Za-z_]/,
    reason: (match) =>
      `allocates memory (${match.trim()}); a candidate uses only the buffers and workspace it is given`,
  },
  {
    code: "screening:printf",
    pattern: /\b(printf|fprintf|puts|std::cout)\b/,
    reason: (match) => `prints (${match}); output from kernels slows timing and floods logs`,
  },
  {
    code: "screening:host_code",
    pattern: /\b(__host__|int\s+main\s*\(|std::thread|pthread_|fopen|system\s*\(|popen|dlopen|getenv)/,
    reason: (match) => `contains host code (${match.trim()}); candidates hold device code only`,
  },
];

/** Removes comments and the contents of string and character literals, keeping line breaks (for line numbers). */
export function stripCommentsAndStrings(source: string): string {
  let result = "";
  let index = 0;
  while (index < source.length) {
    const char = source[index] as string;
    const next = source[index + 1];
    if (char === "/" && next === "/") {
      while (index < source.length && source[index] !== "\n") index++;
    } else if (char === "/" && next === "*") {
      index += 2;
      while (index < source.length && !(source[index] === "*" && source[index + 1] === "/")) {
        if (source[index] === "\n") result += "\n";
        index++;
      }
      index += 2;
    } else if (char === '"' || char === "'") {
      result += char;
      index++;
      while (index < source.length && source[index] !== char && source[index] !== "\n") {
        if (source[index] === "\\") index++;
        index++;
      }
      result += char;
      index++;
    } else {
      result += char;
      index++;
    }
  }
  return result;
}

/**
 * Static screening of a candidate's source before it is compiled: device code only, no host APIs,
 * allocations, library calls or printing, only device-side headers, and the declared entry point present as
 * an `extern "C" __global__` function. Returns undefined when the source passes.
 *
 * Inline PTX in `asm` strings is not screened here (it cannot call host APIs); what it computes is checked
 * by the harness at run time and by the machine-code check.
 */
export function screenSource(source: string, entry: string): ScreeningRejection | undefined {
  if (Buffer.byteLength(source) > MAXIMUM_SOURCE_BYTES) {
    return { code: "screening:too_large", reason: `source is over ${MAXIMUM_SOURCE_BYTES / 1024} KiB` };
  }
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(entry)) {
    return {
      code: "screening:bad_entry",
      reason: `entry name ${JSON.stringify(entry)} is not a C identifier`,
    };
  }
  // Include lines are read from the raw source: stripping string literals would blank out "quoted" headers.
  const rawLines = source.split("\n");
  for (const [index, line] of rawLines.entries()) {
    const include = /^\s*#\s*include\s*[<"]([^>"]+)[>"]/.exec(line);
    if (include && !ALLOWED_INCLUDES.includes(include[1] as string)) {
      return {
        code: "screening:include",
        reason: `includes ${include[1]}; allowed headers: ${ALLOWED_INCLUDES.join(", ")}`,
        line: index + 1,
      };
    }
  }
  const violation = firstRuleViolation(stripCommentsAndStrings(source));
  if (violation) return violation;
  const entryPattern = new RegExp(
    `extern\\s+"C"\\s+(?:__launch_bounds__\\s*\\([^)]*\\)\\s*)?__global__[^;{]*\\b${entry}\\s*\\(`,
  );
  const entryPatternAlternative = new RegExp(
    `__global__\\s+(?:__launch_bounds__\\s*\\([^)]*\\)\\s*)?(?:void\\s+)?[^;{]*\\b${entry}\\s*\\(`,
  );
  const declaredExternC = /extern\s+"C"\s*\{/.test(source);
  if (!entryPattern.test(source) && !(declaredExternC && entryPatternAlternative.test(source))) {
    return {
      code: "screening:missing_entry",
      reason: `no extern "C" __global__ function named ${entry}; see docs/kernel-abi.md for the entry signature`,
    };
  }
  return undefined;
}

/** The first screening rule a piece of code breaks, with its 1-based line, or undefined. */
function firstRuleViolation(code: string): ScreeningRejection | undefined {
  const lines = code.split("\n");
  for (const rule of RULES) {
    for (const [index, line] of lines.entries()) {
      if (/^\s*#/.test(line)) continue;
      const match = rule.pattern.exec(line);
      if (match) return { code: rule.code, reason: rule.reason(match[1] ?? match[0]), line: index + 1 };
    }
  }
  return undefined;
}

/** What preprocessing a candidate shows: its own code with macros expanded, and the headers it includes. */
export interface PreprocessedView {
  /** The candidate file's own lines after preprocessing (macros expanded), in order. */
  ownCode: string;
  /** Every file the candidate file itself includes (directly), as the preprocessor resolved it. */
  directIncludes: string[];
}

/**
 * Splits preprocessor output (with `# line "file" flags` markers) into the lines that came from `fileName`
 * itself and the files it included directly. Macros are expanded there, so a name hidden behind `#define`
 * or a header named through a macro shows as it really is.
 */
export function preprocessedView(preprocessed: string, fileName: string): PreprocessedView {
  const own: string[] = [];
  const directIncludes: string[] = [];
  const isOwn = (file: string) => file === fileName || file.endsWith(`/${fileName}`);
  let current = "";
  for (const line of preprocessed.split("\n")) {
    const marker = /^#\s*\d+\s+"([^"]*)"(.*)$/.exec(line);
    if (marker) {
      const file = marker[1] as string;
      const flags = (marker[2] ?? "").trim().split(/\s+/);
      if (flags.includes("1") && isOwn(current) && !isOwn(file)) directIncludes.push(file);
      current = file;
      continue;
    }
    if (isOwn(current)) own.push(line);
  }
  return { ownCode: own.join("\n"), directIncludes };
}

/**
 * Screening of the preprocessed candidate: every header it includes must be one of ALLOWED_INCLUDES (found in
 * the CUDA toolkit's include folders), and its own code, macros expanded, must break no rule of `screenSource`.
 * Run after `screenSource`, which names lines of the source as written.
 */
export function screenPreprocessed(view: PreprocessedView): ScreeningRejection | undefined {
  for (const file of view.directIncludes) {
    const allowed = ALLOWED_INCLUDES.some((header) => file === header || file.endsWith(`/${header}`));
    if (!allowed) {
      return {
        code: "screening:include",
        reason: `includes ${file} (named through a macro or a relative path); allowed headers: ${ALLOWED_INCLUDES.join(", ")}`,
      };
    }
  }
  const violation = firstRuleViolation(stripCommentsAndStrings(view.ownCode));
  return violation
    ? { code: violation.code, reason: `${violation.reason} (after macro expansion)` }
    : undefined;
}
