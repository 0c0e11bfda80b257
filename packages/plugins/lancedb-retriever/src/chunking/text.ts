import { draftOf, splitLines } from "./split.js";
import { type ChunkDraft, isBlank, type ResolvedChunkingOptions, type SourceLine, toLines } from "./types.js";

/**
 * Chunks plain text by paragraphs (runs of lines separated by blank lines): consecutive paragraphs are put
 * together while they fit in `maxCharacters`; a paragraph longer than that is split line-aligned. Plain text
 * has no sections.
 */
export function chunkPlainText(text: string, options: ResolvedChunkingOptions): ChunkDraft[] {
  const paragraphs: SourceLine[][] = [];
  let current: SourceLine[] = [];
  for (const line of toLines(text)) {
    if (isBlank(line.text)) {
      if (current.length > 0) paragraphs.push(current);
      current = [];
    } else {
      current.push(line);
    }
  }
  if (current.length > 0) paragraphs.push(current);
  const drafts: ChunkDraft[] = [];
  let group: SourceLine[] = [];
  let groupSize = 0;
  const flush = () => {
    const draft = draftOf(group, undefined);
    if (draft !== undefined) drafts.push(draft);
    group = [];
    groupSize = 0;
  };
  for (const paragraph of paragraphs) {
    const size = paragraph.reduce((sum, line) => sum + line.text.length + 1, 0);
    if (size > options.maxCharacters) {
      flush();
      drafts.push(...splitLines(paragraph, undefined, options));
      continue;
    }
    if (groupSize > 0 && groupSize + 1 + size > options.maxCharacters) flush();
    if (group.length > 0) group.push({ number: paragraph[0]!.number - 1, text: "" });
    group.push(...paragraph);
    groupSize += size + (groupSize > 0 ? 1 : 0);
  }
  flush();
  return drafts;
}
