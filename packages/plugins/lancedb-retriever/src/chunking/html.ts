import { chunkByHeadings, type StructuredLine } from "./sections.js";
import type { ChunkDraft, ResolvedChunkingOptions } from "./types.js";

/** Elements whose content is never visible text. */
const HIDDEN = new Set(["script", "style", "noscript", "template", "svg", "math", "title", "nav"]);
/** Elements that start a new line of text (their text never runs into the text around them). */
const BLOCK = new Set([
  "address",
  "article",
  "aside",
  "blockquote",
  "body",
  "br",
  "caption",
  "dd",
  "details",
  "div",
  "dl",
  "dt",
  "figcaption",
  "figure",
  "footer",
  "form",
  "header",
  "hr",
  "html",
  "li",
  "main",
  "ol",
  "p",
  "pre",
  "section",
  "summary",
  "table",
  "tbody",
  "td",
  "tfoot",
  "th",
  "thead",
  "tr",
  "ul",
]);
/** Blocks after which a blank line separates paragraphs. */
const PARAGRAPH = new Set(["p", "pre", "table", "ul", "ol", "dl", "blockquote", "section", "article", "div"]);

const NAMED_ENTITIES: Record<string, string> = {
  amp: "&",
  lt: "<",
  gt: ">",
  quot: '"',
  apos: "'",
  nbsp: " ",
  ensp: " ",
  emsp: " ",
  thinsp: " ",
  ndash: "–",
  mdash: "—",
  hellip: "…",
  lsquo: "‘",
  rsquo: "’",
  ldquo: "“",
  rdquo: "”",
  laquo: "«",
  raquo: "»",
  bull: "•",
  middot: "·",
  times: "×",
  divide: "÷",
  minus: "−",
  plusmn: "±",
  le: "≤",
  ge: "≥",
  ne: "≠",
  asymp: "≈",
  infin: "∞",
  rarr: "→",
  larr: "←",
  harr: "↔",
  rArr: "⇒",
  deg: "°",
  micro: "µ",
  sect: "§",
  para: "¶",
  copy: "©",
  reg: "®",
  trade: "™",
  shy: "",
  zwsp: "",
};

/** Decodes character references: named (a common set), decimal and hexadecimal. */
export function decodeEntities(text: string): string {
  if (!text.includes("&")) return text;
  return text.replace(/&(#x[0-9a-fA-F]+|#\d+|[A-Za-z][A-Za-z0-9]*);/g, (match, body: string) => {
    if (body[0] === "#") {
      const code =
        body[1] === "x" || body[1] === "X" ? Number.parseInt(body.slice(2), 16) : Number(body.slice(1));
      return Number.isInteger(code) && code > 0 && code <= 0x10ffff ? String.fromCodePoint(code) : match;
    }
    return NAMED_ENTITIES[body] ?? match;
  });
}

/**
 * Reads the visible text of an HTML file, line by line, keeping the line numbers of the source: tags are
 * dropped, `script`, `style`, `title`, `nav` and similar elements are dropped with their content, comments too,
 * character references are decoded, whitespace is collapsed (except inside `pre`), and `h1`–`h6` become
 * heading lines (their text on the line where the element starts). Block elements break lines; the end of a
 * paragraph-like block leaves a blank line.
 */
export function htmlLines(html: string): StructuredLine[] {
  const out: StructuredLine[] = [];
  let line = 1;
  let buffer = "";
  let bufferLine = 1;
  let pre = 0;
  let heading: { level: number; line: number; text: string } | undefined;
  const pushBlank = () => {
    const last = out[out.length - 1];
    if (last !== undefined && last.text !== "") out.push({ number: line, text: "" });
  };
  const flush = () => {
    const text = pre > 0 ? buffer.replace(/\s+$/, "") : buffer.replace(/\s+/g, " ").trim();
    if (text.length > 0) out.push({ number: bufferLine, text });
    buffer = "";
    bufferLine = line;
  };
  const addText = (raw: string) => {
    const text = decodeEntities(raw);
    if (heading !== undefined) {
      heading.text += text;
      line += countNewlines(raw);
      return;
    }
    let start = 0;
    for (let index = 0; index < text.length; index++) {
      if (text.charCodeAt(index) === 10) {
        appendToBuffer(text.slice(start, index));
        flush();
        line++;
        bufferLine = line;
        start = index + 1;
      }
    }
    appendToBuffer(text.slice(start));
  };
  const appendToBuffer = (text: string) => {
    if (text.length === 0) return;
    if (buffer.length === 0 && /^\s*$/.test(text) && pre === 0) return;
    if (buffer.length === 0) bufferLine = line;
    buffer += text;
  };
  let index = 0;
  const length = html.length;
  while (index < length) {
    const open = html.indexOf("<", index);
    if (open < 0) {
      addText(html.slice(index));
      break;
    }
    if (open > index) addText(html.slice(index, open));
    if (html.startsWith("<!--", open)) {
      const close = html.indexOf("-->", open + 4);
      const end = close < 0 ? length : close + 3;
      line += countNewlines(html.slice(open, end));
      index = end;
      continue;
    }
    const tag = /^<(\/?)([A-Za-z][A-Za-z0-9-]*)/.exec(html.slice(open, open + 64));
    if (tag === null) {
      if (html[open + 1] === "!" || html[open + 1] === "?") {
        const close = html.indexOf(">", open);
        const end = close < 0 ? length : close + 1;
        line += countNewlines(html.slice(open, end));
        index = end;
      } else {
        // A lone `<` (as in `a < b`) is text.
        addText("<");
        index = open + 1;
      }
      continue;
    }
    const end = tagEnd(html, open);
    const closing = tag[1] === "/";
    const name = tag[2]!.toLowerCase();
    const newlines = countNewlines(html.slice(open, end));
    index = end;
    if (!closing && HIDDEN.has(name) && !html.slice(open, end).endsWith("/>")) {
      const close = findClosingTag(html, name, end);
      line += newlines + countNewlines(html.slice(end, close.start));
      index = close.end;
      continue;
    }
    const level = /^h([1-6])$/.exec(name);
    if (level) {
      if (!closing) {
        flush();
        heading = { level: Number(level[1]), line, text: "" };
      } else if (heading !== undefined) {
        const title = heading.text.replace(/\s+/g, " ").trim();
        if (title) {
          pushBlank();
          out.push({ number: heading.line, text: title, heading: { level: heading.level, title } });
        }
        heading = undefined;
        bufferLine = line;
      }
      line += newlines;
      continue;
    }
    if (heading !== undefined) {
      // Inline markup inside a heading: `<code>`, `<a>`... only its text counts.
      if (BLOCK.has(name)) heading.text += " ";
      line += newlines;
      continue;
    }
    if (BLOCK.has(name)) {
      flush();
      if (name === "pre") pre = Math.max(0, pre + (closing ? -1 : 1));
      if (closing && PARAGRAPH.has(name)) pushBlank();
    }
    line += newlines;
    bufferLine = buffer.length === 0 ? line : bufferLine;
  }
  if (heading?.text.trim()) {
    const title = heading.text.replace(/\s+/g, " ").trim();
    out.push({ number: heading.line, text: title, heading: { level: heading.level, title } });
  }
  flush();
  return out;
}

/** Index just past the `>` that closes the tag starting at `open` (quoted attribute values may hold `>`). */
function tagEnd(html: string, open: number): number {
  let quote: string | undefined;
  for (let index = open + 1; index < html.length; index++) {
    const character = html[index];
    if (quote !== undefined) {
      if (character === quote) quote = undefined;
    } else if (character === '"' || character === "'") {
      quote = character;
    } else if (character === ">") {
      return index + 1;
    }
  }
  return html.length;
}

/** Where `</name>` starts and ends after `from` (case-insensitive); the end of the text when it is missing. */
function findClosingTag(html: string, name: string, from: number): { start: number; end: number } {
  const pattern = new RegExp(`</${name}\\s*>`, "ig");
  pattern.lastIndex = from;
  const match = pattern.exec(html);
  if (match === null) return { start: html.length, end: html.length };
  return { start: match.index, end: match.index + match[0].length };
}

function countNewlines(text: string): number {
  let count = 0;
  for (let index = text.indexOf("\n"); index >= 0; index = text.indexOf("\n", index + 1)) count++;
  return count;
}

/** Chunks HTML by its `h1`–`h6` headings; chunk text is the visible text (see `htmlLines`). */
export function chunkHtml(html: string, options: ResolvedChunkingOptions): ChunkDraft[] {
  return chunkByHeadings(htmlLines(html), options);
}
