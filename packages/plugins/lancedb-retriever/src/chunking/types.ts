import { KernelForgeError } from "@kernelforge/core";

/** The kinds of file the index reads; each kind is also a tag of its chunks. */
export type FileKind = "markdown" | "text" | "html" | "header";

/** A passage cut from one file, before it gets a source, tags, an id and a vector. */
export interface ChunkDraft {
  /** Heading path (`ldmatrix > Pitfalls`) or declared name (`__hmul2`); absent where the file has none. */
  section?: string;
  /** 1-based inclusive line span in the file. */
  lineStart: number;
  lineEnd: number;
  text: string;
}

export interface ChunkingOptions {
  /** Most characters of one chunk; larger sections are split line-aligned. Default 1500. */
  maxCharacters?: number;
  /** Characters (whole lines) repeated at the start of the next piece of a split section. Default 200. */
  overlapCharacters?: number;
}

export type ResolvedChunkingOptions = Required<ChunkingOptions>;

export const DEFAULT_MAX_CHARACTERS = 1500;
export const DEFAULT_OVERLAP_CHARACTERS = 200;
const MIN_MAX_CHARACTERS = 200;
const MAX_MAX_CHARACTERS = 100_000;

/** Fills the defaults and checks the bounds; throws a KernelForgeError naming the bad value. */
export function resolveChunkingOptions(options: ChunkingOptions = {}): ResolvedChunkingOptions {
  const maxCharacters = options.maxCharacters ?? DEFAULT_MAX_CHARACTERS;
  const overlapCharacters = options.overlapCharacters ?? DEFAULT_OVERLAP_CHARACTERS;
  if (
    !Number.isInteger(maxCharacters) ||
    maxCharacters < MIN_MAX_CHARACTERS ||
    maxCharacters > MAX_MAX_CHARACTERS
  ) {
    throw new KernelForgeError("docs_invalid_option", `Invalid chunking.maxCharacters: ${maxCharacters}`, {
      hint: `Use an integer from ${MIN_MAX_CHARACTERS} to ${MAX_MAX_CHARACTERS} (default ${DEFAULT_MAX_CHARACTERS}).`,
    });
  }
  if (
    !Number.isInteger(overlapCharacters) ||
    overlapCharacters < 0 ||
    overlapCharacters > maxCharacters / 2
  ) {
    throw new KernelForgeError(
      "docs_invalid_option",
      `Invalid chunking.overlapCharacters: ${overlapCharacters}`,
      {
        hint: `Use an integer from 0 to half of maxCharacters (${Math.floor(maxCharacters / 2)}); default ${DEFAULT_OVERLAP_CHARACTERS}.`,
      },
    );
  }
  return { maxCharacters, overlapCharacters };
}

/** A line of a file: its 1-based number and its text (for HTML, the visible text found on it). */
export interface SourceLine {
  number: number;
  text: string;
}

/** Splits text into lines (LF or CRLF), numbered from 1. */
export function toLines(text: string): SourceLine[] {
  const parts = text.split(/\r?\n/);
  return parts.map((line, index) => ({ number: index + 1, text: line }));
}

export function isBlank(text: string): boolean {
  return text.trim().length === 0;
}
