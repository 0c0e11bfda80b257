import { readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import {
  type ContrastiveExample,
  type GenerationRequest,
  gemmFlops,
  gemmMinimumBytes,
  KernelForgeError,
  type RetrievedPassage,
  taskKey,
} from "@kernelforge/core";

/** The template files, in the order their sections appear (system.md is the system message). */
export const TEMPLATE_FILES = ["system.md", "task.md", "passages.md", "context.md", "format.md"] as const;
export type TemplateFile = (typeof TEMPLATE_FILES)[number];
export type PromptTemplates = Record<TemplateFile, string>;

/** Every placeholder a template may use, as `{{name}}`. */
export const PLACEHOLDERS = [
  "taskKey",
  "m",
  "n",
  "k",
  "layout",
  "layoutMeaning",
  "bIndex",
  "arch",
  "targetArch",
  "gencode",
  "hardware",
  "abi",
  "flops",
  "minimumBytes",
  "count",
  "round",
  "passages",
  "context",
] as const;
export type Placeholder = (typeof PLACEHOLDERS)[number];

/** Total characters of kernel source shown in the contrastive context. */
export const CONTEXT_SOURCE_BUDGET = 6000;
/** Total characters of retrieved passages shown. */
export const PASSAGE_BUDGET = 8000;

export const KERNEL_ABI_SIGNATURE =
  'extern "C" __global__ void NAME(const __half* A, const __half* B, __half* C, int M, int N, int K, void* workspace)';

const PLACEHOLDER_PATTERN = /\{\{\s*([^{}]*?)\s*\}\}/g;

/** The directory of the default templates shipped with the package (beside `dist/` and `src/`). */
export function defaultTemplatesDirectory(): string {
  return fileURLToPath(new URL("../templates/", import.meta.url));
}

/**
 * Reads the prompt templates: every file from `directory` when given (each must exist there), otherwise the
 * package's own. Throws a KernelForgeError (`invalid_templates`) naming the file when one cannot be read or
 * uses a placeholder that does not exist.
 */
export function loadTemplates(directory?: string): PromptTemplates {
  const folder = directory ? path.resolve(directory) : defaultTemplatesDirectory();
  const templates = {} as PromptTemplates;
  for (const file of TEMPLATE_FILES) {
    const location = path.join(folder, file);
    let text: string;
    try {
      text = readFileSync(location, "utf8");
    } catch (error) {
      throw new KernelForgeError(
        "invalid_templates",
        `cannot read the prompt template ${location}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`,
        {
          hint: `A templates directory must hold ${TEMPLATE_FILES.join(", ")}; copy the defaults from ${defaultTemplatesDirectory()} and edit them.`,
        },
      );
    }
    checkPlaceholders(text, location);
    templates[file] = text;
  }
  return templates;
}

function checkPlaceholders(text: string, location: string): void {
  for (const match of text.matchAll(PLACEHOLDER_PATTERN)) {
    const name = match[1] ?? "";
    if (!(PLACEHOLDERS as readonly string[]).includes(name)) {
      throw new KernelForgeError(
        "invalid_templates",
        `prompt template ${location} uses the unknown placeholder {{${name}}}`,
        { hint: `Known placeholders: ${PLACEHOLDERS.map((known) => `{{${known}}}`).join(", ")}.` },
      );
    }
  }
}

/** Substitutes `{{name}}` placeholders; a placeholder without a value is an error. */
export function renderTemplate(template: string, values: Partial<Record<Placeholder, string>>): string {
  return template.replace(PLACEHOLDER_PATTERN, (_, name: string) => {
    const value = values[name as Placeholder];
    if (value === undefined) {
      throw new KernelForgeError(
        "invalid_templates",
        `prompt template placeholder {{${name}}} has no value`,
        {
          hint: `Known placeholders: ${PLACEHOLDERS.map((known) => `{{${known}}}`).join(", ")}.`,
        },
      );
    }
    return value;
  });
}

export interface BuiltPrompt {
  system: string;
  user: string;
  /** System and user messages together, as recorded in provenance. */
  text: string;
}

/** Builds the chat messages for a request: system message, then task, passages, context and format sections. */
export function buildPrompt(templates: PromptTemplates, request: GenerationRequest): BuiltPrompt {
  const values = promptValues(request);
  const sections: string[] = [renderTemplate(templates["task.md"], values)];
  if (values.passages) sections.push(renderTemplate(templates["passages.md"], values));
  if (values.context) sections.push(renderTemplate(templates["context.md"], values));
  sections.push(renderTemplate(templates["format.md"], values));
  const system = renderTemplate(templates["system.md"], values).trim();
  const user = sections
    .map((section) => section.trim())
    .filter((section) => section.length > 0)
    .join("\n\n");
  return { system, user, text: `## system\n\n${system}\n\n## user\n\n${user}\n` };
}

export function promptValues(request: GenerationRequest): Record<Placeholder, string> {
  const { task } = request;
  const target = targetArch(task.arch);
  return {
    taskKey: taskKey(task),
    m: String(task.m),
    n: String(task.n),
    k: String(task.k),
    layout: task.layout,
    layoutMeaning:
      task.layout === "nn"
        ? `B is row-major K x N (element (k, n) at B[k*N + n]); C = A * B`
        : `B is row-major N x K (element (n, k) at B[n*K + k]), the weight of a linear layer; C = A * B^T`,
    bIndex: task.layout === "nn" ? "B[k*N + n]" : "B[n*K + k]",
    arch: task.arch,
    targetArch: target,
    gencode: `-gencode=arch=${target.replace("sm_", "compute_")},code=${target}`,
    hardware: hardwareCeilings(task.arch),
    abi: KERNEL_ABI_SIGNATURE,
    flops: formatCount(gemmFlops(task)),
    minimumBytes: formatCount(gemmMinimumBytes(task)),
    count: String(request.count),
    round: String(request.round),
    passages: renderPassages(request.passages ?? []),
    context: renderContext(request.context ?? []),
  };
}

/** The nvcc target of a task's architecture: `sm90` builds for `sm_90a` (wgmma, TMA, clusters). */
export function targetArch(arch: string): string {
  const digits = /^sm(\d{2,3})a?$/.exec(arch)?.[1] ?? "90";
  return digits === "90" ? "sm_90a" : `sm_${digits}`;
}

function hardwareCeilings(arch: string): string {
  if (arch.startsWith("sm90")) {
    return [
      "NVIDIA H100 SXM (sm_90a): about 989 TFLOP/s dense fp16 with fp32 accumulation, reached only with",
      "wgmma (warpgroup MMA); mma.sync tops out far lower. About 3.35 TB/s HBM3 bandwidth, 50 MB L2,",
      "228 KB shared memory per SM (up to 227 KB dynamic per block), 132 SMs, thread-block clusters up to 8",
      "(16 non-portable), TMA available.",
    ].join("\n");
  }
  if (arch.startsWith("sm80")) {
    return [
      "NVIDIA A100 (sm_80): about 312 TFLOP/s dense fp16 with fp32 accumulation (mma.sync), about 2 TB/s",
      "HBM2e bandwidth, 40 MB L2, 164 KB shared memory per SM (up to 163 KB dynamic per block), 108 SMs.",
    ].join("\n");
  }
  return `Target ${arch}: use the architecture's tensor-core instructions and respect its shared-memory limits.`;
}

function formatCount(value: number): string {
  return value >= 1e9
    ? `${(value / 1e9).toFixed(2)} G`
    : value >= 1e6
      ? `${(value / 1e6).toFixed(2)} M`
      : `${value}`;
}

/** Cuts text to `budget` characters, saying how much was left out. */
export function truncate(text: string, budget: number): string {
  if (text.length <= budget) return text;
  const kept = text.slice(0, Math.max(0, budget));
  return `${kept}\n// ... truncated: ${text.length - kept.length} more characters`;
}

function renderPassages(passages: readonly RetrievedPassage[]): string {
  if (passages.length === 0) return "";
  let remaining = PASSAGE_BUDGET;
  const parts: string[] = [];
  passages.forEach((passage, index) => {
    if (remaining <= 0) return;
    const { chunk } = passage;
    const where = `${chunk.source}${chunk.section ? ` > ${chunk.section}` : ""}, lines ${chunk.lineStart}-${chunk.lineEnd}`;
    const share = Math.floor(remaining / (passages.length - index));
    const text = truncate(chunk.text.trim(), share);
    remaining -= text.length;
    parts.push(`### [${index + 1}] ${where}\n\n${text}`);
  });
  return parts.join("\n\n");
}

function describeLaunch(example: ContrastiveExample): string {
  const { launch, entry } = example.candidate;
  return JSON.stringify({ entry, ...launch });
}

function renderContext(context: readonly ContrastiveExample[]): string {
  if (context.length === 0) return "";
  let remaining = CONTEXT_SOURCE_BUDGET;
  const parts: string[] = [];
  let fast = 0;
  let failed = 0;
  context.forEach((example, index) => {
    const share = Math.floor(remaining / (context.length - index));
    const source = truncate(example.candidate.source.trim(), share);
    remaining -= Math.min(source.length, share);
    let heading: string;
    if (example.failure) {
      failed += 1;
      heading = `### Failed kernel ${failed}: ${example.failure.status}: ${oneLine(example.failure.reason)}`;
    } else {
      fast += 1;
      const measured = [
        example.medianMicroseconds !== undefined
          ? `median ${example.medianMicroseconds.toFixed(1)} us`
          : undefined,
        example.speedup !== undefined
          ? `speedup ${example.speedup.toFixed(3)}x over the baseline`
          : undefined,
      ].filter(Boolean);
      heading = `### Correct kernel ${fast}: ${measured.length ? measured.join(", ") : "correct, not timed"}`;
    }
    parts.push(`${heading}\n\nLaunch: \`${describeLaunch(example)}\`\n\n\`\`\`cuda\n${source}\n\`\`\``);
  });
  return parts.join("\n\n");
}

function oneLine(text: string): string {
  const flat = text.replace(/\s+/g, " ").trim();
  return flat.length > 400 ? `${flat.slice(0, 400)}...` : flat;
}
