import { chunkByHeadings, type StructuredLine } from "./sections.js";
import { type ChunkDraft, isBlank, type ResolvedChunkingOptions, toLines } from "./types.js";

const ATX_HEADING = /^ {0,3}(#{1,6})(?:[ \t]+(.*?))?(?:[ \t]+#+)?[ \t]*$/;
const SETEXT_UNDERLINE = /^ {0,3}(=+|-+)[ \t]*$/;
const FENCE = /^ {0,3}(`{3,}|~{3,})/;
const LIST_OR_QUOTE = /^ {0,3}(?:[-*+>]|\d+[.)])(?:\s|$)/;

/** Heading text without Markdown markup: code spans, emphasis markers, links, trailing `{#anchor}`. */
export function cleanHeadingTitle(title: string): string {
  return title
    .replace(/\s*\{#[^}]*\}\s*$/, "")
    .replace(/!?\[([^\]]*)\]\([^)]*\)/g, "$1")
    .replace(/`+/g, "")
    .replace(/\*\*/g, "")
    .replace(/<[^>]+>/g, "")
    .replace(/\s+/g, " ")
    .trim();
}

/**
 * Reads the heading structure of a Markdown file: ATX headings (`## Title`) and single-line setext headings
 * (a line underlined with `===` or `---`); `#` lines inside fenced code blocks are not headings, and YAML
 * front matter is left out.
 */
export function markdownLines(text: string): StructuredLine[] {
  const lines: StructuredLine[] = toLines(text);
  let first = 0;
  if (lines[0]?.text.trim() === "---") {
    const close = lines.findIndex(
      (line, index) => index > 0 && index < 200 && /^(---|\.\.\.)\s*$/.test(line.text),
    );
    if (close > 0) first = close + 1;
  }
  const out: StructuredLine[] = [];
  let fence: string | undefined;
  for (let index = first; index < lines.length; index++) {
    const line = lines[index]!;
    const fenceMatch = FENCE.exec(line.text);
    if (fence !== undefined) {
      if (fenceMatch && fenceMatch[1]![0] === fence[0] && fenceMatch[1]!.length >= fence.length) {
        if (line.text.trim() === fenceMatch[1]) fence = undefined;
      }
      out.push(line);
      continue;
    }
    if (fenceMatch) {
      fence = fenceMatch[1];
      out.push(line);
      continue;
    }
    const atx = ATX_HEADING.exec(line.text);
    if (atx) {
      const title = cleanHeadingTitle(atx[2] ?? "");
      out.push(title ? { ...line, heading: { level: atx[1]!.length, title } } : line);
      continue;
    }
    const underline = SETEXT_UNDERLINE.exec(line.text);
    const previous = out[out.length - 1];
    const beforePrevious = out[out.length - 2];
    if (
      underline &&
      previous !== undefined &&
      previous.heading === undefined &&
      !isBlank(previous.text) &&
      !LIST_OR_QUOTE.test(previous.text) &&
      !FENCE.test(previous.text) &&
      (beforePrevious === undefined ||
        isBlank(beforePrevious.text) ||
        beforePrevious.heading !== undefined) &&
      previous.number === line.number - 1
    ) {
      const title = cleanHeadingTitle(previous.text);
      if (title) {
        out[out.length - 1] = { ...previous, heading: { level: underline[1]![0] === "=" ? 1 : 2, title } };
        // The underline belongs to the heading: keep it as text of the heading's section.
        out.push(line);
        continue;
      }
    }
    out.push(line);
  }
  return out;
}

/** Chunks Markdown by headings (see `chunkByHeadings`). */
export function chunkMarkdown(text: string, options: ResolvedChunkingOptions): ChunkDraft[] {
  return chunkByHeadings(markdownLines(text), options);
}
