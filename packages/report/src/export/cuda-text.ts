import { KernelForgeError } from "@kernelforge/core";

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** Throws unless `name` can be a C identifier (and so a file-name prefix). */
export function assertIdentifier(name: string, what: string): void {
  if (!IDENTIFIER.test(name)) {
    throw new KernelForgeError(
      "invalid_identifier",
      `${what} ${JSON.stringify(name)} is not a C identifier`,
      {
        hint: "Use letters, digits and underscores, not starting with a digit (for example kforge_hgemm).",
      },
    );
  }
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

function identifierPattern(name: string): RegExp {
  return new RegExp(`(?<![A-Za-z0-9_])${escapeRegExp(name)}(?![A-Za-z0-9_])`, "g");
}

/** Whether `name` occurs in `source` as a whole identifier. */
export function containsIdentifier(source: string, name: string): boolean {
  return identifierPattern(name).test(source);
}

/** Replaces every whole-identifier occurrence of `from` with `to` (never a part of a longer identifier). */
export function renameIdentifier(source: string, from: string, to: string): string {
  return source.replace(identifierPattern(from), to);
}

/** `base`, or `base_2`, `base_3`... : the first that occurs in none of the sources as an identifier. */
export function freshIdentifier(
  base: string,
  sources: readonly string[],
  taken: ReadonlySet<string>,
): string {
  for (let index = 1; ; index += 1) {
    const name = index === 1 ? base : `${base}_${index}`;
    const clash = (candidate: string) =>
      taken.has(candidate) || sources.some((source) => containsIdentifier(source, candidate));
    if (!clash(name) && !clash(`${name}_launch`)) return name;
  }
}

/** One line of a `//` comment: no line breaks, and no trailing backslash that would splice the next line. */
export function commentLine(text: string): string {
  return text.replace(/[\r\n]+/g, " ").replace(/\\+\s*$/, "");
}

/** Text for a block comment: cannot close it early. */
export function blockCommentText(text: string): string {
  return text.replace(/\*\//g, "* /");
}

/** A C string literal. */
export function cString(text: string): string {
  return `"${text
    .replace(/[\\"]/g, "\\$&")
    .replace(/\n/g, "\\n")
    .replace(/[^\x20-\x7e]/g, "?")}"`;
}

/**
 * The nvcc `-arch` value for a task architecture, as the evaluator compiles it: sm90 → sm_90a (wgmma and
 * setmaxnreg need the arch-specific target), an explicit `a` kept, others plain (sm80 → sm_80).
 */
export function nvccArch(arch: string): string {
  const match = /^sm_?(\d{2,3})(a?)$/.exec(arch);
  if (!match) {
    throw new KernelForgeError("invalid_arch", `Unknown architecture ${JSON.stringify(arch)}`, {
      hint: "Task architectures look like sm90 or sm80.",
    });
  }
  const number = match[1] as string;
  return `sm_${number}${match[2] === "a" || number === "90" ? "a" : ""}`;
}
