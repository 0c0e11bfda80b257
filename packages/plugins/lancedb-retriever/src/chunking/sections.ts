import { splitLines } from "./split.js";
import { type ChunkDraft, isBlank, type ResolvedChunkingOptions, type SourceLine } from "./types.js";

/** A line of a structured document; a heading line carries its level (1–6) and its title. */
export interface StructuredLine extends SourceLine {
  heading?: { level: number; title: string };
}

/** Separator of the heading path in a section name: `ldmatrix > Pitfalls`. */
export const SECTION_SEPARATOR = " > ";

/**
 * Chunks a document by its headings: each heading opens a section named by the path of headings above it
 * (`Title > Part > Subpart`); the section's lines (its heading line first) form one chunk, or several when
 * they exceed `maxCharacters`. Lines before the first heading form a section without a name. A section
 * with nothing but its heading is left out (its title still names its subsections).
 */
export function chunkByHeadings(
  lines: readonly StructuredLine[],
  options: ResolvedChunkingOptions,
): ChunkDraft[] {
  const drafts: ChunkDraft[] = [];
  const stack: { level: number; title: string }[] = [];
  let section: string | undefined;
  let current: SourceLine[] = [];
  const flush = () => {
    const body = current.filter((line, index) => !(index === 0 && isHeadingLine(line)));
    if (body.some((line) => !isBlank(line.text))) drafts.push(...splitLines(current, section, options));
    current = [];
  };
  for (const line of lines) {
    if (line.heading !== undefined) {
      flush();
      while (stack.length > 0 && stack[stack.length - 1]!.level >= line.heading.level) stack.pop();
      stack.push(line.heading);
      section = stack.map((heading) => heading.title).join(SECTION_SEPARATOR);
    }
    current.push(line);
  }
  flush();
  return drafts;
}

function isHeadingLine(line: SourceLine): boolean {
  return (line as StructuredLine).heading !== undefined;
}
