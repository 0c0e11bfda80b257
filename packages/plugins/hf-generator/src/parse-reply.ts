import {
  describeLaunchIssue,
  KernelForgeError,
  type LaunchDescriptor,
  resolveLaunch,
  type ShapeVariables,
} from "@kernelforge/core";
import { z } from "zod";

/** Why a reply gave no candidate. */
export type ReplyFailureCode =
  | "no_code"
  | "conflicting_code"
  | "no_launch"
  | "invalid_launch"
  | "entry_not_found";

export type ParsedReply =
  | { ok: true; source: string; entry: string; launch: LaunchDescriptor; commentary: string }
  | { ok: false; code: ReplyFailureCode; reason: string };

/** Languages accepted on the kernel's fence. */
const CODE_LANGUAGES = new Set(["cuda", "cpp", "c++", "cu", "cuh", "cxx"]);

interface FencedBlock {
  language: string;
  body: string;
  start: number;
  end: number;
  closed: boolean;
}

/** Fenced blocks (``` or ~~~, three or more) in order; an unclosed last block runs to the end of the text. */
export function fencedBlocks(text: string): FencedBlock[] {
  const blocks: FencedBlock[] = [];
  const opening = /^[ \t]{0,3}(`{3,}|~{3,})[ \t]*([^\s`]*)[^\n]*$/gm;
  let match: RegExpExecArray | null = opening.exec(text);
  while (match) {
    const fence = match[1] as string;
    const language = (match[2] ?? "").toLowerCase();
    const bodyStart = match.index + match[0].length + 1;
    const closing = new RegExp(`^[ \\t]{0,3}${fence[0] === "`" ? "`" : "~"}{${fence.length},}[ \\t]*$`, "gm");
    closing.lastIndex = Math.min(bodyStart, text.length);
    const close = closing.exec(text);
    if (!close) {
      blocks.push({
        language,
        body: text.slice(bodyStart),
        start: match.index,
        end: text.length,
        closed: false,
      });
      break;
    }
    blocks.push({
      language,
      body: text.slice(bodyStart, close.index).replace(/\n$/, ""),
      start: match.index,
      end: close.index + close[0].length,
      closed: true,
    });
    opening.lastIndex = close.index + close[0].length;
    match = opening.exec(text);
  }
  return blocks;
}

const ATTRIBUTES = String.raw`(?:(?:__launch_bounds__|__cluster_dims__|__maxnreg__)\s*\([^)]*\)\s*)*`;
const ENTRY_PATTERN = new RegExp(
  String.raw`extern\s+"C"\s+${ATTRIBUTES}__global__\s+${ATTRIBUTES}void\s+${ATTRIBUTES}([A-Za-z_]\w*)\s*\(`,
  "g",
);

/** Names of the `extern "C" __global__` functions of a source. */
export function kernelEntries(source: string): string[] {
  const withoutComments = source.replace(/\/\*[\s\S]*?\*\//g, " ").replace(/\/\/[^\n]*/g, " ");
  return [...new Set([...withoutComments.matchAll(ENTRY_PATTERN)].map((match) => match[1] as string))];
}

const dimension = z.union([z.number(), z.string()]);
const dim3 = z.array(dimension).min(1, { error: "needs 1 to 3 dimensions" }).max(3, {
  error: "needs 1 to 3 dimensions",
});

/** The launch block as the model writes it: numbers or expressions of M, N and K. */
export const launchSpecificationSchema = z
  .object({
    entry: z.string().min(1).optional(),
    grid: dim3,
    block: dim3,
    dynamicSharedBytes: dimension.optional(),
    cluster: dim3.nullable().optional(),
    workspaceBytes: dimension.optional(),
    zeroWorkspace: z.boolean().optional(),
  })
  .strict();
export type LaunchSpecification = z.infer<typeof launchSpecificationSchema>;

const normalize = (code: string) => code.replace(/\s+$/gm, "").trim();

/**
 * Reads a model's reply: exactly one kernel in a ```cuda (or cpp, c++, cu) block, a ```json launch block whose
 * numbers may be expressions of M, N and K (evaluated for `shape`), and the text around them as commentary.
 * Pure: never throws for a bad reply, returns the failure code and a reason instead.
 */
export function parseReply(reply: string, shape: ShapeVariables): ParsedReply {
  if (reply.trim() === "") return { ok: false, code: "no_code", reason: "the reply is empty" };
  const blocks = fencedBlocks(reply);
  const isCode = (block: FencedBlock) =>
    CODE_LANGUAGES.has(block.language) || (block.language === "" && /__global__/.test(block.body));
  const code = blocks.filter(isCode);
  if (code.length === 0) {
    return { ok: false, code: "no_code", reason: "the reply has no ```cuda code block" };
  }
  const distinct = (list: FencedBlock[]) => {
    const seen = new Map<string, FencedBlock>();
    for (const block of list) if (!seen.has(normalize(block.body))) seen.set(normalize(block.body), block);
    return [...seen.values()];
  };
  const kernels = distinct(code.filter((block) => /__global__/.test(block.body)));
  const candidates = kernels.length > 0 ? kernels : distinct(code);
  if (candidates.length > 1) {
    return {
      ok: false,
      code: "conflicting_code",
      reason: `the reply has ${candidates.length} different kernel code blocks; exactly one is expected`,
    };
  }
  const kernel = candidates[0] as FencedBlock;
  if (!kernel.closed) {
    return {
      ok: false,
      code: "no_code",
      reason: "the reply ends inside the code block (truncated output: raise maxTokens?)",
    };
  }
  const source = `${kernel.body.trim()}\n`;
  const used = new Set<FencedBlock>(code.filter((block) => normalize(block.body) === normalize(kernel.body)));

  const json = blocks.filter((block) => block.language === "json" || block.language === "jsonc");
  const launchBlocks = json.filter((block) => /"grid"/.test(block.body));
  const distinctLaunches = distinct(launchBlocks);
  let specificationText: string | undefined;
  if (distinctLaunches.length > 1) {
    return {
      ok: false,
      code: "invalid_launch",
      reason: `the reply has ${distinctLaunches.length} different launch blocks; exactly one is expected`,
    };
  }
  if (distinctLaunches.length === 1) {
    specificationText = (distinctLaunches[0] as FencedBlock).body;
    for (const block of launchBlocks) used.add(block);
  } else if (json.length === 1) {
    specificationText = (json[0] as FencedBlock).body;
    used.add(json[0] as FencedBlock);
  } else {
    specificationText = /^\s*\/\/\s*kforge:launch\s+(\{.*\})\s*$/m.exec(source)?.[1];
  }
  if (specificationText === undefined) {
    return { ok: false, code: "no_launch", reason: "the reply has no ```json launch block" };
  }
  let raw: unknown;
  try {
    raw = JSON.parse(specificationText);
  } catch (error) {
    return {
      ok: false,
      code: "invalid_launch",
      reason: `the launch block is not valid JSON: ${(error as Error).message}`,
    };
  }
  const specification = launchSpecificationSchema.safeParse(raw);
  if (!specification.success) {
    return {
      ok: false,
      code: "invalid_launch",
      reason: `launch block: ${specification.error.issues.map(describeLaunchIssue).join("; ")}`,
    };
  }
  let launch: LaunchDescriptor;
  try {
    launch = resolveLaunch(specification.data, shape);
  } catch (error) {
    if (!(error instanceof KernelForgeError && error.code === "invalid_launch")) throw error;
    return { ok: false, code: "invalid_launch", reason: `launch block: ${error.message}` };
  }

  const entries = kernelEntries(source);
  const named = specification.data.entry;
  let entry: string;
  if (named !== undefined) {
    if (!entries.includes(named)) {
      return {
        ok: false,
        code: "entry_not_found",
        reason: `the launch names entry "${named}", which is not an extern "C" __global__ function of the kernel${entries.length ? ` (found: ${entries.join(", ")})` : ""}`,
      };
    }
    entry = named;
  } else if (entries.length === 1) {
    entry = entries[0] as string;
  } else {
    return {
      ok: false,
      code: "entry_not_found",
      reason: entries.length
        ? `the launch names no entry and the kernel has several extern "C" __global__ functions (${entries.join(", ")})`
        : 'the kernel has no extern "C" __global__ function',
    };
  }

  let commentary = "";
  let cursor = 0;
  for (const block of blocks) {
    if (!used.has(block)) continue;
    commentary += reply.slice(cursor, block.start);
    cursor = block.end;
  }
  commentary += reply.slice(cursor);
  return {
    ok: true,
    source,
    entry,
    launch,
    commentary: commentary.replace(/\n{3,}/g, "\n\n").trim(),
  };
}
