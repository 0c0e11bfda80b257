import { draftOf, splitLines } from "./split.js";
import { type ChunkDraft, isBlank, type ResolvedChunkingOptions, type SourceLine, toLines } from "./types.js";

/** One line after lexing: its code with comments removed and the insides of literals blanked. */
interface LexedLine {
  code: string;
  hasComment: boolean;
  /** A preprocessor directive line, or a continuation of one. */
  preprocessor: boolean;
  /** The line ends with a backslash (the directive goes on). */
  continues: boolean;
}

const SPECIAL = /[/"']/g;

/**
 * Lexes one line of C/C++: comments (`//`, `/* … *\/`, possibly spanning lines: `state.inBlockComment`)
 * are removed, string and character literals keep their quotes but lose their contents (so braces and
 * semicolons inside them do not count).
 */
function lexLine(text: string, state: { inBlockComment: boolean }, continuation: boolean): LexedLine {
  let code = "";
  let hasComment = false;
  let index = 0;
  const length = text.length;
  while (index < length) {
    if (state.inBlockComment) {
      hasComment = true;
      const close = text.indexOf("*/", index);
      if (close < 0) {
        index = length;
        break;
      }
      state.inBlockComment = false;
      index = close + 2;
      code += " ";
      continue;
    }
    const character = text[index]!;
    if (character === "/" && text[index + 1] === "*") {
      state.inBlockComment = true;
      hasComment = true;
      index += 2;
      continue;
    }
    if (character === "/" && text[index + 1] === "/") {
      hasComment = true;
      break;
    }
    if (character === '"' || (character === "'" && !/[0-9A-Fa-f]/.test(text[index - 1] ?? ""))) {
      let end = index + 1;
      while (end < length && text[end] !== character) end += text[end] === "\\" ? 2 : 1;
      code += character + character;
      index = end + 1;
      continue;
    }
    // Copy up to the next character that may start a comment or a literal.
    SPECIAL.lastIndex = index + 1;
    const next = SPECIAL.exec(text);
    const end = next === null ? length : next.index;
    code += text.slice(index, end);
    index = end;
  }
  const preprocessor = continuation || /^\s*#/.test(code);
  return { code, hasComment, preprocessor, continues: preprocessor && /\\\s*$/.test(text) };
}

/** A top-level declaration found in a header, with its leading comment block. */
export interface HeaderDeclaration {
  /** First line (of the leading comment when there is one) and last line, 1-based. */
  lineStart: number;
  lineEnd: number;
  /** The declared name: a function, type, typedef, macro or variable (`__hmul2`, `pipeline`, `CUresult`). */
  name: string;
  /** Has a leading comment of at least ten words (a short banner comment does not count). */
  documented: boolean;
  /** Has a leading comment, documenting or not. */
  commented: boolean;
}

const ATTRIBUTE_NAMES = new Set([
  "__attribute__",
  "__declspec",
  "__align__",
  "__builtin_align__",
  "alignas",
  "__launch_bounds__",
  "_Pragma",
  "__pragma",
  "decltype",
  "noexcept",
  "sizeof",
  "throw",
  "__nv_pure__",
]);
const KEYWORDS = new Set([
  "const",
  "constexpr",
  "inline",
  "static",
  "extern",
  "virtual",
  "volatile",
  "unsigned",
  "signed",
  "struct",
  "class",
  "union",
  "enum",
  "typename",
  "return",
  "if",
  "while",
  "for",
  "switch",
]);
const MACRO_NAME = /^_*[A-Z][A-Z0-9_]*$/;
/** Words a leading comment needs to document its declaration alone (fewer: a banner over a group). */
const MIN_DOC_WORDS = 10;

/** `name(…)`-shaped attribute or macro calls removed (balanced parentheses), e.g. `__align__(8)`. */
function removeAttributeCalls(code: string): string {
  let out = "";
  let index = 0;
  const call = /([A-Za-z_]\w*)\s*\(/g;
  for (let match = call.exec(code); match !== null; match = call.exec(code)) {
    const name = match[1]!;
    if (!ATTRIBUTE_NAMES.has(name)) continue;
    const close = matchingParen(code, match.index + match[0].length - 1);
    out += `${code.slice(index, match.index)} `;
    index = close + 1;
    call.lastIndex = index;
  }
  return out + code.slice(index);
}

/** Index of the `)` matching the `(` at `open` (or the end of the text). */
function matchingParen(code: string, open: number): number {
  let depth = 0;
  for (let index = open; index < code.length; index++) {
    if (code[index] === "(") depth++;
    else if (code[index] === ")" && --depth === 0) return index;
  }
  return code.length - 1;
}

/** Removes leading `template <…>` clauses (balanced angle brackets). */
function stripTemplateHeads(code: string): string {
  let text = code.trimStart();
  while (/^template\s*</.test(text)) {
    let depth = 0;
    let index = text.indexOf("<");
    for (; index < text.length; index++) {
      if (text[index] === "<") depth++;
      else if (text[index] === ">" && --depth === 0) break;
    }
    text = text.slice(index + 1).trimStart();
  }
  return text;
}

/** Text with everything inside top-level `{…}` blocks removed. */
function topLevel(code: string): string {
  let out = "";
  let depth = 0;
  for (const character of code) {
    if (character === "{") {
      if (depth === 0) out += "{";
      depth++;
    } else if (character === "}") {
      depth = Math.max(0, depth - 1);
      if (depth === 0) out += "}";
    } else if (depth === 0) {
      out += character;
    }
  }
  return out;
}

/**
 * The name a top-level declaration declares, from its code (comments and literals already removed): a macro
 * for `#define`, the new name of a `typedef` (also of a function-pointer typedef), the tag of a struct, class,
 * union or enum (with its template arguments for a specialization), the alias of `using`, the (qualified)
 * name of a function or operator, else the variable. Undefined when none is found.
 */
export function declarationName(code: string): string | undefined {
  const flat = code
    .split("\n")
    .filter((line) => !/^\s*#/.test(line))
    .join(" ")
    .replace(/\s+/g, " ");
  const define = /^\s*#\s*define\s+([A-Za-z_]\w*)/.exec(code);
  if (define) return define[1];
  let text = stripTemplateHeads(flat).replace(/^extern\s*""\s*/, "");
  text = removeAttributeCalls(topLevel(text)).replace(/\s+/g, " ").trim();
  if (/^typedef\b/.test(text)) {
    const pointer = /\(\s*(?:[A-Za-z_]\w*\s+)*\*+\s*(?:const\s+)?([A-Za-z_]\w*)\s*\)\s*\(/.exec(text);
    if (pointer) return pointer[1];
    const tail = text.slice(text.lastIndexOf("}") + 1).replace(/\[[^\]]*\]/g, "");
    const names = tail.match(/[A-Za-z_]\w*/g);
    return names?.[names.length - 1];
  }
  const using = /^using\s+([A-Za-z_]\w*)\s*=/.exec(text);
  if (using) return using[1];
  const head = text.slice(0, indexOfAny(text, "{;="));
  const tag =
    /^(?:[A-Za-z_]\w*\s+)*?(struct|class|union|enum(?:\s+class|\s+struct)?)\s+([^{;:(]*?)\s*(?:\{|;|:(?!:)|$)/.exec(
      `${head}${text[head.length] ?? ""}`,
    );
  if (tag && !head.includes("(")) {
    // `struct __device_builtin__ float4`: the name is the last word; keep template arguments.
    const words = tag[2]!.match(/[A-Za-z_][\w:]*(?:\s*<[^{;]*>)?/g);
    return words?.[words.length - 1]?.replace(/\s+/g, "");
  }
  const operator =
    /((?:[A-Za-z_]\w*\s*::\s*)*operator\s*(?:\(\)|\[\]|[^\w\s(]+|[A-Za-z_][\w\s:*&<>]*?))\s*\(/.exec(head);
  if (operator)
    return operator[1]!
      .replace(/\s+/g, " ")
      .replace(/ ?:: ?/g, "::")
      .trim();
  const candidates: string[] = [];
  const call = /(~?[A-Za-z_]\w*(?:\s*::\s*~?[A-Za-z_]\w*)*)\s*(?:<[^<>();]*>\s*)?\(/g;
  let depth = 0;
  let scanned = 0;
  for (let match = call.exec(head); match !== null; match = call.exec(head)) {
    for (; scanned < match.index; scanned++) {
      if (head[scanned] === "(") depth++;
      else if (head[scanned] === ")") depth = Math.max(0, depth - 1);
    }
    if (depth === 0) candidates.push(match[1]!.replace(/\s+/g, ""));
  }
  const named = candidates.find(
    (name) => !ATTRIBUTE_NAMES.has(name) && !KEYWORDS.has(name) && !MACRO_NAME.test(name.split("::").pop()!),
  );
  if (named ?? candidates[0]) return named ?? candidates[0];
  const words = head.replace(/\[[^\]]*\]/g, "").match(/[A-Za-z_]\w*/g);
  const variable = words?.filter((word) => !KEYWORDS.has(word)).pop();
  return variable;
}

function indexOfAny(text: string, characters: string): number {
  for (let index = 0; index < text.length; index++) {
    if (characters.includes(text[index]!)) return index;
  }
  return text.length;
}

/** The words of a comment, without its markers: enough to tell a doc comment from a rule line. */
function commentWords(lines: readonly SourceLine[]): number {
  let count = 0;
  for (const line of lines)
    count += (line.text.replace(/^[\s/*!<-]+|[\s/*]+$/g, "").match(/\w+/g) ?? []).length;
  return count;
}

const TRANSPARENT_OPENER = /^\s*(?:(?:inline\s+)?namespace\b[\w\s:]*|extern\s*"")\s*$/;
const LONE_MACRO = /^\s*([A-Za-z_]\w*)(?:\s*\([^;{}]*\))?\s*$/;
const BODY_MACRO = /\)\s*(?:const\s+)?_*[A-Z][A-Z0-9_]*\s*$/;
const NEEDS_SEMICOLON = /^\s*(?:typedef|struct|class|union|enum)\b/;

/**
 * Finds the top-level declarations of a C/C++ header: each runs from its first line of code (or the start
 * of the comment block right above it) to the `;` or `}` that ends it at brace depth 0. Namespaces and
 * `extern "C"` blocks are looked into, not taken as declarations; preprocessor lines outside declarations
 * are skipped, except a `#define` right under a comment; a lone macro line (`_BEGIN_NAMESPACE`) followed
 * by nothing it qualifies is dropped. A heuristic, not a parser: conditional compilation that changes the
 * braces can merge declarations, which the chunker then splits by size.
 */
export function headerDeclarations(text: string): HeaderDeclaration[] {
  const lines = toLines(text);
  const out: HeaderDeclaration[] = [];
  const lexState = { inBlockComment: false };
  let continuation = false;
  let transparent = 0;
  let comment: { start: number; end: number } | undefined;
  let define: { start: number; name: string; documented: boolean } | undefined;
  let declaration:
    | {
        start: number;
        documented: boolean;
        commented: boolean;
        code: string;
        terminated: boolean;
        closed: boolean;
      }
    | undefined;
  let depth = 0;
  let paren = 0;
  const commentAbove = (line: number) =>
    comment !== undefined && comment.end >= line - 1 ? comment : undefined;
  const isDocumented = (block: { start: number; end: number }) =>
    commentWords(lines.slice(block.start - 1, block.end)) >= MIN_DOC_WORDS;
  for (let index = 0; index < lines.length; index++) {
    const line = lines[index]!;
    const lexed = lexLine(line.text, lexState, continuation);
    if (lexed.preprocessor) {
      continuation = lexed.continues;
      if (declaration !== undefined) {
        declaration.code += `${lexed.code}\n`;
        continue;
      }
      if (define === undefined) {
        const macro = /^\s*#\s*define\s+([A-Za-z_]\w*)/.exec(lexed.code);
        const above = commentAbove(line.number);
        if (macro && above !== undefined) {
          define = { start: above.start, name: macro[1]!, documented: isDocumented(above) };
        }
      }
      if (define !== undefined && !lexed.continues) {
        out.push({
          lineStart: define.start,
          lineEnd: line.number,
          name: define.name,
          documented: define.documented,
          commented: true,
        });
        define = undefined;
      }
      comment = undefined;
      continue;
    }
    continuation = false;
    const code = lexed.code;
    if (declaration === undefined && code.trim() === "") {
      if (lexed.hasComment) {
        if (comment !== undefined && comment.end >= line.number - 1) comment.end = line.number;
        else comment = { start: line.number, end: line.number };
      } else {
        comment = undefined;
      }
      continue;
    }
    let lineStartColumn = 0;
    for (let column = 0; column < code.length; column++) {
      const character = code[column]!;
      if (declaration === undefined) {
        if (character === " " || character === "\t" || character === ";") continue;
        if (character === "}") {
          if (transparent > 0) transparent--;
          continue;
        }
        const above = commentAbove(line.number);
        declaration = {
          start: above?.start ?? line.number,
          documented: above !== undefined && isDocumented(above),
          commented: above !== undefined,
          code: "",
          terminated: false,
          closed: false,
        };
        comment = undefined;
        depth = 0;
        paren = 0;
        lineStartColumn = column;
      }
      if (character === "(") paren++;
      else if (character === ")") paren = Math.max(0, paren - 1);
      else if (character === "{") {
        if (depth === 0 && paren === 0) {
          const prefix = declaration.code + code.slice(lineStartColumn, column);
          if (TRANSPARENT_OPENER.test(prefix)) {
            transparent++;
            declaration = undefined;
            continue;
          }
        }
        depth++;
      } else if (character === "}") {
        depth = Math.max(0, depth - 1);
        if (depth === 0) declaration.closed = true;
      } else if (character === ";" && depth === 0 && paren === 0) {
        declaration.terminated = true;
      }
    }
    if (declaration === undefined) continue;
    declaration.code += `${code.slice(lineStartColumn)}\n`;
    if (depth !== 0 || paren !== 0) continue;
    if (
      declaration.terminated ||
      (declaration.closed && !needsSemicolon(declaration.code)) ||
      endsWithBodyMacro(code, lines[index + 1]?.text)
    ) {
      const name = declarationName(declaration.code) ?? firstWords(declaration.code);
      out.push({
        lineStart: declaration.start,
        lineEnd: line.number,
        name,
        documented: declaration.documented,
        commented: declaration.commented,
      });
      declaration = undefined;
    } else if (LONE_MACRO.test(declaration.code) && MACRO_NAME.test(LONE_MACRO.exec(declaration.code)![1]!)) {
      const next = lines[index + 1]?.text.trimStart() ?? "";
      if (next === "" || /^[#}/]/.test(next)) declaration = undefined;
    }
  }
  if (declaration !== undefined) {
    const name = declarationName(declaration.code) ?? firstWords(declaration.code);
    out.push({
      lineStart: declaration.start,
      lineEnd: lines.length,
      name,
      documented: declaration.documented,
      commented: declaration.commented,
    });
  }
  return out;
}

/**
 * A function head closed by a macro that stands for its body or its `;`
 * (`void f(int a) __DEF_IF_HOST`), unless the next line opens the body.
 */
function endsWithBodyMacro(code: string, next: string | undefined): boolean {
  return BODY_MACRO.test(code) && !/^\s*[{:]/.test(next ?? "");
}

/** `struct`/`class`/`union`/`enum`/`typedef` need their `;`; a function definition ends at its `}`. */
function needsSemicolon(code: string): boolean {
  const text = stripTemplateHeads(code);
  if (!NEEDS_SEMICOLON.test(text)) return false;
  if (/^\s*typedef\b/.test(text)) return true;
  const head = removeAttributeCalls(text.slice(0, text.indexOf("{") < 0 ? text.length : text.indexOf("{")));
  return !head.includes("(");
}

function firstWords(code: string): string {
  const text = code.replace(/\s+/g, " ").trim();
  return text.length > 60 ? `${text.slice(0, 59)}…` : text;
}

/** Most names listed in the section of a chunk that merges several undocumented declarations. */
const MAX_NAMES_IN_SECTION = 4;

/**
 * Chunks a C/C++ header by declaration: a documented declaration (with the comment above it) is a chunk of its
 * own, named by what it declares; runs of undocumented declarations are merged while they fit in
 * `maxCharacters` (named by their names, `a, b, c`), a short banner comment starting a new run; a declaration
 * larger than a chunk is split line-aligned.
 * Code outside declarations (include guards, `#if` lines, lone comments) is left out.
 */
export function chunkHeader(text: string, options: ResolvedChunkingOptions): ChunkDraft[] {
  const lines = toLines(text);
  const drafts: ChunkDraft[] = [];
  let group: HeaderDeclaration[] = [];
  let groupSize = 0;
  const slice = (start: number, end: number) => lines.slice(start - 1, end);
  const flush = () => {
    if (group.length === 0) return;
    const names = [...new Set(group.map((declaration) => declaration.name))];
    const section =
      names.length > MAX_NAMES_IN_SECTION
        ? `${names.slice(0, MAX_NAMES_IN_SECTION).join(", ")}, …`
        : names.join(", ");
    const draft = draftOf(slice(group[0]!.lineStart, group[group.length - 1]!.lineEnd), section);
    if (draft !== undefined) drafts.push(draft);
    group = [];
    groupSize = 0;
  };
  for (const declaration of headerDeclarations(text)) {
    const body = slice(declaration.lineStart, declaration.lineEnd);
    const size = body.reduce((sum, line) => sum + line.text.length + 1, 0);
    if (declaration.documented || size > options.maxCharacters) {
      flush();
      drafts.push(...splitLines(body, declaration.name, options));
      continue;
    }
    // A banner comment (`// Load functions for m16n16k16`) starts a new group.
    if (declaration.commented) flush();
    const gap = group.length === 0 ? 0 : declaration.lineStart - group[group.length - 1]!.lineEnd - 1;
    const spanned =
      groupSize +
      size +
      (gap > 0
        ? slice(group[group.length - 1]!.lineEnd + 1, declaration.lineStart - 1).reduce(
            (sum, line) => sum + line.text.length + 1,
            0,
          )
        : 0);
    if (group.length > 0 && spanned > options.maxCharacters) flush();
    groupSize = group.length === 0 ? size : spanned;
    group.push(declaration);
  }
  flush();
  return drafts.filter((draft) => !isBlank(draft.text));
}
