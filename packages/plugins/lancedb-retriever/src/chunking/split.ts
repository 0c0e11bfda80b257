import { type ChunkDraft, isBlank, type ResolvedChunkingOptions, type SourceLine } from "./types.js";

/** A piece of a line: a whole line, or part of one longer than a chunk. */
interface Piece {
  number: number;
  text: string;
}

/** Cuts a line longer than `max` characters at whitespace (or anywhere, when a word is longer). */
function piecesOf(line: SourceLine, max: number): Piece[] {
  if (line.text.length <= max) return [line];
  const pieces: Piece[] = [];
  let rest = line.text;
  while (rest.length > max) {
    let cut = rest.lastIndexOf(" ", max);
    if (cut < max / 2) cut = max;
    pieces.push({ number: line.number, text: rest.slice(0, cut).trimEnd() });
    rest = rest.slice(cut).trimStart();
  }
  if (rest.length > 0) pieces.push({ number: line.number, text: rest });
  return pieces;
}

/** Text of pieces[start..end]: pieces of one line joined by a space, lines by a newline. */
function joinPieces(pieces: readonly Piece[], start: number, end: number): string {
  let text = "";
  for (let index = start; index <= end; index++) {
    const piece = pieces[index]!;
    if (index > start) text += pieces[index - 1]!.number === piece.number ? " " : "\n";
    text += piece.text;
  }
  return text;
}

/** Drops blank lines at both ends; undefined when nothing is left. */
export function trimBlankLines(lines: readonly SourceLine[]): SourceLine[] | undefined {
  let start = 0;
  let end = lines.length - 1;
  while (start <= end && isBlank(lines[start]!.text)) start++;
  while (end >= start && isBlank(lines[end]!.text)) end--;
  return start > end ? undefined : lines.slice(start, end + 1);
}

/** Joins lines into a draft (trimmed of blank lines at both ends), or undefined when they are all blank. */
export function draftOf(lines: readonly SourceLine[], section: string | undefined): ChunkDraft | undefined {
  const kept = trimBlankLines(lines);
  if (kept === undefined) return undefined;
  return {
    ...(section === undefined ? {} : { section }),
    lineStart: kept[0]!.number,
    lineEnd: kept[kept.length - 1]!.number,
    text: kept.map((line) => line.text).join("\n"),
  };
}

/**
 * Splits a run of lines into drafts of at most `maxCharacters` characters, cutting between lines (a line
 * longer than a chunk is cut at whitespace). A window that must be cut prefers to end before a blank line in
 * its second half, so paragraphs stay whole where they fit. Each window after the first starts with the last
 * whole lines of the one before, up to `overlapCharacters` of them, and always advances by at least one line.
 */
export function splitLines(
  lines: readonly SourceLine[],
  section: string | undefined,
  options: ResolvedChunkingOptions,
): ChunkDraft[] {
  const kept = trimBlankLines(lines);
  if (kept === undefined) return [];
  const whole = draftOf(kept, section);
  if (whole !== undefined && whole.text.length <= options.maxCharacters) return [whole];
  const max = options.maxCharacters;
  const pieces = kept.flatMap((line) => piecesOf(line, max));
  const drafts: ChunkDraft[] = [];
  let start = 0;
  while (start < pieces.length) {
    // Greedy: as many pieces as fit.
    let end = start;
    let size = pieces[start]!.text.length;
    while (end + 1 < pieces.length && size + 1 + pieces[end + 1]!.text.length <= max) {
      end++;
      size += 1 + pieces[end]!.text.length;
    }
    if (end + 1 < pieces.length) {
      // Prefer ending before a blank line in the second half of the window.
      let length = size;
      for (let candidate = end; candidate > start; candidate--) {
        if (length < max / 2) break;
        if (isBlank(pieces[candidate]!.text)) {
          end = candidate - 1;
          break;
        }
        length -= 1 + pieces[candidate]!.text.length;
      }
    }
    const text = joinPieces(pieces, start, end).replace(/^\s*\n|\n\s*$/g, "");
    if (!isBlank(text)) {
      let first = start;
      let last = end;
      while (first < last && isBlank(pieces[first]!.text)) first++;
      while (last > first && isBlank(pieces[last]!.text)) last--;
      drafts.push({
        ...(section === undefined ? {} : { section }),
        lineStart: pieces[first]!.number,
        lineEnd: pieces[last]!.number,
        text: joinPieces(pieces, first, last),
      });
    }
    if (end + 1 >= pieces.length) break;
    // Overlap: step back over whole pieces while they fit in overlapCharacters, never to `start`.
    let next = end + 1;
    let overlap = 0;
    while (next - 1 > start && overlap + pieces[next - 1]!.text.length + 1 <= options.overlapCharacters) {
      overlap += pieces[next - 1]!.text.length + 1;
      next--;
    }
    while (next <= end && isBlank(pieces[next]!.text)) next++;
    start = next;
  }
  return drafts;
}
