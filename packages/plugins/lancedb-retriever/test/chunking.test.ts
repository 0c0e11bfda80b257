import { describe, expect, it } from "vitest";
import {
  chunkHeader,
  chunkHtml,
  chunkMarkdown,
  chunkPlainText,
  declarationName,
  fileKindOf,
  headerDeclarations,
  htmlLines,
  resolveChunkingOptions,
  splitLines,
  toLines,
} from "../src/index.js";

const defaults = resolveChunkingOptions();

describe("chunkMarkdown", () => {
  const markdown = [
    "# ldmatrix", // 1
    "", // 2
    "Loads 8x8 matrices from shared memory.", // 3
    "", // 4
    "## Pitfalls", // 5
    "", // 6
    "Row addresses must be 16-byte aligned.", // 7
    "```cuda", // 8
    "# not a heading", // 9
    "```", // 10
    "", // 11
    "### Bank conflicts", // 12
    "Eight rows in one bank group conflict.", // 13
    "", // 14
    "## `.trans` variant ##", // 15
    "Transposes on the way in.", // 16
    "", // 17
    "Setext heading", // 18
    "==============", // 19
    "Body under setext.", // 20
  ].join("\n");

  it("names sections by heading path, with 1-based line spans", () => {
    const drafts = chunkMarkdown(markdown, defaults);
    expect(drafts.map((draft) => [draft.section, draft.lineStart, draft.lineEnd])).toEqual([
      ["ldmatrix", 1, 3],
      ["ldmatrix > Pitfalls", 5, 10],
      ["ldmatrix > Pitfalls > Bank conflicts", 12, 13],
      ["ldmatrix > .trans variant", 15, 16],
      ["Setext heading", 18, 20],
    ]);
    expect(drafts[1]!.text).toContain("# not a heading");
    expect(drafts[1]!.text.startsWith("## Pitfalls")).toBe(true);
  });

  it("leaves out front matter and sections with nothing but a heading", () => {
    const drafts = chunkMarkdown("---\ntitle: x\n---\n# A\n## B\ntext of b\n", defaults);
    expect(drafts.map((draft) => [draft.section, draft.lineStart, draft.lineEnd])).toEqual([["A > B", 5, 6]]);
  });

  it("splits an oversize section line-aligned, with overlap, keeping the section name", () => {
    const lines = Array.from({ length: 40 }, (_, index) => `line ${index + 1} ${"x".repeat(40)}`);
    const text = `# Big\n${lines.join("\n")}`;
    const options = resolveChunkingOptions({ maxCharacters: 400, overlapCharacters: 100 });
    const drafts = chunkMarkdown(text, options);
    expect(drafts.length).toBeGreaterThan(4);
    for (const draft of drafts) {
      expect(draft.section).toBe("Big");
      expect(draft.text.length).toBeLessThanOrEqual(400);
    }
    expect(drafts[0]!.lineStart).toBe(1);
    expect(drafts[drafts.length - 1]!.lineEnd).toBe(41);
    for (let index = 1; index < drafts.length; index++) {
      // Consecutive pieces overlap by whole lines (at most 100 characters), and always advance.
      expect(drafts[index]!.lineStart).toBeLessThanOrEqual(drafts[index - 1]!.lineEnd);
      expect(drafts[index]!.lineStart).toBeGreaterThan(drafts[index - 1]!.lineStart);
    }
    // Each piece's text is exactly its lines of the file.
    const all = text.split("\n");
    for (const draft of drafts) {
      expect(draft.text).toBe(all.slice(draft.lineStart - 1, draft.lineEnd).join("\n"));
    }
  });
});

describe("splitLines", () => {
  it("cuts a line longer than a chunk at whitespace and keeps its line number", () => {
    const long = Array.from({ length: 100 }, (_, index) => `word${index}`).join(" ");
    const drafts = splitLines(
      toLines(`short\n${long}`),
      "S",
      resolveChunkingOptions({ maxCharacters: 200, overlapCharacters: 0 }),
    );
    expect(drafts.length).toBeGreaterThan(3);
    expect(drafts.every((draft) => draft.text.length <= 200)).toBe(true);
    expect(drafts[drafts.length - 1]!.lineEnd).toBe(2);
    expect(drafts.map((draft) => draft.text).join(" ")).toContain("word99");
  });

  it("rejects sizes out of range with a clear error", () => {
    expect(() => resolveChunkingOptions({ maxCharacters: 10 })).toThrow(/maxCharacters/);
    expect(() => resolveChunkingOptions({ maxCharacters: 1000, overlapCharacters: 600 })).toThrow(
      /overlapCharacters/,
    );
  });
});

describe("chunkHtml", () => {
  const html = [
    "<!doctype html>", // 1
    "<html><head><title>Ignored title</title>", // 2
    "<style>h1 { color: red }</style>", // 3
    "<script>const x = '<h2>not</h2>';</script></head>", // 4
    "<body>", // 5
    "<h1>Tensor Memory <code>Accelerator</code></h1>", // 6
    "<p>TMA copies tiles &amp; tensors", // 7
    "between global and shared memory.</p>", // 8
    "<!-- a comment", // 9
    "over lines -->", // 10
    "<h2 id='d'>Descriptors</h2>", // 11
    "<p>cuTensorMapEncodeTiled builds a &lt;descriptor&gt;.</p>", // 12
    "<pre>  indented\n    code</pre>", // 13-14
    "</body></html>", // 15
  ].join("\n");

  it("keeps visible text on its source lines, headings as structure", () => {
    const lines = htmlLines(html);
    expect(lines.find((line) => line.heading?.level === 1)).toMatchObject({
      number: 6,
      text: "Tensor Memory Accelerator",
    });
    const text = lines.map((line) => line.text).join("\n");
    expect(text).not.toMatch(/Ignored title|color: red|const x|a comment/);
    expect(text).toContain("TMA copies tiles & tensors");
    expect(text).toContain("builds a <descriptor>.");
    expect(text).toContain("    code");
  });

  it("chunks by h1–h6 with heading paths and source line spans", () => {
    const drafts = chunkHtml(html, defaults);
    expect(drafts.map((draft) => [draft.section, draft.lineStart, draft.lineEnd])).toEqual([
      ["Tensor Memory Accelerator", 6, 8],
      ["Tensor Memory Accelerator > Descriptors", 11, 14],
    ]);
    expect(drafts[0]!.text).toBe(
      "Tensor Memory Accelerator\nTMA copies tiles & tensors\nbetween global and shared memory.",
    );
  });
});

describe("C/C++ headers", () => {
  const header = [
    "/* Copyright notice */", // 1
    "", // 2
    "#ifndef PIPE_H", // 3
    "#define PIPE_H", // 4
    "namespace nvcuda {", // 5
    "namespace wmma {", // 6
    "/**", // 7
    " * \\brief Waits until all but the newest N stages of the pipeline are complete,", // 8
    " * so a multi-stage loop can start computing on the oldest stage.", // 9
    " */", // 10
    "template <unsigned N>", // 11
    "__device__ void pipeline_wait_prior(int x);", // 12
    "", // 13
    "/** Number of bytes in one fragment of the matrix A operand for a 16x16 tile. */", // 14
    "#define FRAGMENT_BYTES 512", // 15
    "", // 16
    "struct fragment_a;", // 17
    "typedef struct { int x; } tile_t;", // 18
    "", // 19
    "// A pipeline of asynchronous copies from global to shared memory, one stage each.", // 20
    "class pipeline {", // 21
    "public:", // 22
    '  void commit() { asm("{ }"); }', // 23
    "};", // 24
    "void __DEF_IF_HOST_TEST(int a) MACRO_BODY", // 25
    "static __device__ __inline__ __half2 __hmul2(const __half2 a, const __half2 b) {", // 26
    "  return a;", // 27
    "}", // 28
    "} // namespace wmma", // 29
    "} // namespace nvcuda", // 30
    "#endif", // 31
  ].join("\n");

  it("finds declarations with their leading comments and names", () => {
    const declarations = headerDeclarations(header);
    expect(declarations.map((d) => [d.name, d.lineStart, d.lineEnd, d.documented])).toEqual([
      ["pipeline_wait_prior", 7, 12, true],
      ["FRAGMENT_BYTES", 14, 15, true],
      ["fragment_a", 17, 17, false],
      ["tile_t", 18, 18, false],
      ["pipeline", 20, 24, true],
      ["__DEF_IF_HOST_TEST", 25, 25, false],
      ["__hmul2", 26, 28, false],
    ]);
  });

  it("chunks documented declarations alone and merges undocumented ones", () => {
    const drafts = chunkHeader(header, defaults);
    expect(drafts.map((draft) => [draft.section, draft.lineStart, draft.lineEnd])).toEqual([
      ["pipeline_wait_prior", 7, 12],
      ["FRAGMENT_BYTES", 14, 15],
      ["fragment_a, tile_t", 17, 18],
      ["pipeline", 20, 24],
      ["__DEF_IF_HOST_TEST, __hmul2", 25, 28],
    ]);
  });

  it("names declarations of many shapes", () => {
    expect(declarationName("extern __host__ cudaError_t CUDARTAPI cudaMalloc(void **p, size_t n);")).toBe(
      "cudaMalloc",
    );
    expect(declarationName("typedef enum cudaError_enum { A = 0 } CUresult;")).toBe("CUresult");
    expect(declarationName("typedef void (CUDART_CB *cudaHostFn_t)(void *userData);")).toBe("cudaHostFn_t");
    expect(declarationName("struct __device_builtin__ __builtin_align__(16) float4 { float x; };")).toBe(
      "float4",
    );
    expect(
      declarationName("template<> class fragment<matrix_a, 16, 16, 16, __half, row_major> : public b {};"),
    ).toBe("fragment<matrix_a,16,16,16,__half,row_major>");
    expect(declarationName("__host__ __device__ __half operator+(const __half &a, const __half &b);")).toBe(
      "operator+",
    );
    expect(declarationName("size_t pipeline::commit()\n{ return 0; }")).toBe("pipeline::commit");
    expect(declarationName("using half_t = __half;")).toBe("half_t");
    expect(declarationName("extern __device__ int counter;")).toBe("counter");
  });
});

describe("chunkPlainText", () => {
  it("groups paragraphs up to the size, without sections", () => {
    const paragraphs = Array.from({ length: 6 }, (_, index) =>
      `Paragraph ${index} ${"text ".repeat(30)}`.trim(),
    );
    const drafts = chunkPlainText(
      paragraphs.join("\n\n"),
      resolveChunkingOptions({ maxCharacters: 400, overlapCharacters: 0 }),
    );
    expect(drafts.map((draft) => [draft.lineStart, draft.lineEnd])).toEqual([
      [1, 3],
      [5, 7],
      [9, 11],
    ]);
    expect(drafts.every((draft) => draft.section === undefined)).toBe(true);
  });
});

describe("fileKindOf", () => {
  it("knows the extensions a walk reads", () => {
    expect(["a.md", "b.TXT", "c.html", "d.cuh", "e.hpp", "f.h", "g.png", "h"].map(fileKindOf)).toEqual([
      "markdown",
      "text",
      "html",
      "header",
      "header",
      "header",
      undefined,
      undefined,
    ]);
  });
});
