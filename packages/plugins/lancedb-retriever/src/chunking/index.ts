import path from "node:path";
import { chunkHeader } from "./header.js";
import { chunkHtml } from "./html.js";
import { chunkMarkdown } from "./markdown.js";
import { chunkPlainText } from "./text.js";
import type { ChunkDraft, FileKind, ResolvedChunkingOptions } from "./types.js";

export * from "./header.js";
export * from "./html.js";
export * from "./markdown.js";
export * from "./sections.js";
export * from "./split.js";
export * from "./text.js";
export * from "./types.js";

/** File name extensions (lower case) read when a directory is walked, by kind. */
export const FILE_KINDS: Readonly<Record<string, FileKind>> = {
  ".md": "markdown",
  ".markdown": "markdown",
  ".mdx": "markdown",
  ".txt": "text",
  ".text": "text",
  ".rst": "text",
  ".html": "html",
  ".htm": "html",
  ".xhtml": "html",
  ".h": "header",
  ".hh": "header",
  ".hpp": "header",
  ".hxx": "header",
  ".cuh": "header",
};

/** The kind of a file by its extension; undefined for an extension the walk does not read. */
export function fileKindOf(filePath: string): FileKind | undefined {
  return FILE_KINDS[path.extname(filePath).toLowerCase()];
}

/** Chunks the text of a file of the given kind. */
export function chunkDocument(kind: FileKind, text: string, options: ResolvedChunkingOptions): ChunkDraft[] {
  switch (kind) {
    case "markdown":
      return chunkMarkdown(text, options);
    case "html":
      return chunkHtml(text, options);
    case "header":
      return chunkHeader(text, options);
    case "text":
      return chunkPlainText(text, options);
  }
}
