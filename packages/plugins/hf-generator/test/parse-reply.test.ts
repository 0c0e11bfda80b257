import { describe, expect, it } from "vitest";
import { fencedBlocks, kernelEntries, parseReply } from "../src/parse-reply.js";
import { ANALYSIS, GOOD_REPLY, KERNEL, LAUNCH_JSON, shape } from "./fixtures.js";

const reply = (code: string, launch = LAUNCH_JSON, language = "cuda") =>
  `Notes.\n\n\`\`\`${language}\n${code}\n\`\`\`\n\n\`\`\`json\n${launch}\n\`\`\`\n`;

describe("parseReply", () => {
  it("extracts the kernel, entry, evaluated launch and commentary", () => {
    const parsed = parseReply(GOOD_REPLY, shape);
    expect(parsed.ok).toBe(true);
    if (!parsed.ok) return;
    expect(parsed.source).toBe(`${KERNEL}\n`);
    expect(parsed.entry).toBe("hgemm_tile");
    expect(parsed.launch).toEqual({
      grid: [32, 8, 1],
      block: [256, 1, 1],
      dynamicSharedBytes: 32768,
      workspaceBytes: 0,
      zeroWorkspace: false,
    });
    expect(parsed.commentary).toBe(`${ANALYSIS}\n\nThis should beat the earlier kernels.`);
  });

  it.each(["cpp", "c++", "cu", "CUDA"])("accepts a ```%s block", (language) => {
    expect(parseReply(reply(KERNEL, LAUNCH_JSON, language), shape).ok).toBe(true);
  });

  it("takes the entry from the source when the launch does not name it", () => {
    const parsed = parseReply(reply(KERNEL, `{"grid": [4], "block": [128]}`), shape);
    expect(parsed).toMatchObject({ ok: true, entry: "hgemm_tile", launch: { grid: [4, 1, 1] } });
  });

  it("accepts a cluster and a kforge:launch line when there is no json block", () => {
    const source = `// kforge:launch {"grid": [8, 8], "block": [128], "cluster": [2, 1, 1]}\n${KERNEL}`;
    const parsed = parseReply(`\`\`\`cuda\n${source}\n\`\`\``, shape);
    expect(parsed).toMatchObject({ ok: true, launch: { cluster: [2, 1, 1] } });
  });

  it("treats the same kernel repeated as one, and keeps small snippets in the commentary", () => {
    const text = `See:\n\`\`\`cuda\nacc = __hfma2(a, b, acc);\n\`\`\`\nis wrong.\n${GOOD_REPLY}\n\`\`\`cuda\n${KERNEL}\n\`\`\``;
    const parsed = parseReply(text, shape);
    expect(parsed.ok).toBe(true);
    if (parsed.ok) expect(parsed.commentary).toContain("__hfma2");
  });

  it.each([
    ["no code block", "I cannot do that.", "no_code"],
    ["an unfenced kernel", KERNEL, "no_code"],
    ["a truncated kernel", `Here:\n\`\`\`cuda\n${KERNEL.slice(0, 200)}`, "no_code"],
    [
      "two different kernels",
      `\`\`\`cuda\n${KERNEL}\n\`\`\`\n\`\`\`cuda\n${KERNEL.replace("hgemm_tile", "hgemm_two")}\n\`\`\`\n\`\`\`json\n${LAUNCH_JSON}\n\`\`\``,
      "conflicting_code",
    ],
    ["no launch", `\`\`\`cuda\n${KERNEL}\n\`\`\``, "no_launch"],
    ["broken launch JSON", reply(KERNEL, `{"grid": [1, 1, 1], "block": [256,]}`), "invalid_launch"],
    ["an unknown name", reply(KERNEL, `{"grid": ["cdiv(N,BM)"], "block": [256]}`), "invalid_launch"],
    ["too many threads", reply(KERNEL, `{"grid": [1], "block": [64, 32]}`), "invalid_launch"],
    ["an unknown field", reply(KERNEL, `{"grid": [1], "block": [64], "threads": 5}`), "invalid_launch"],
    ["tensor maps", reply(KERNEL, `{"grid": [1], "block": [64], "tensorMaps": []}`), "invalid_launch"],
    ["a missing entry", reply(KERNEL, `{"entry": "gemm", "grid": [1], "block": [64]}`), "entry_not_found"],
    [
      "a non-extern entry",
      reply(KERNEL.replace('extern "C" ', ""), `{"entry": "hgemm_tile", "grid": [1], "block": [64]}`),
      "entry_not_found",
    ],
  ])("reports %s", (_, text, code) => {
    const parsed = parseReply(text, shape);
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) {
      expect(parsed.code).toBe(code);
      expect(parsed.reason.length).toBeGreaterThan(10);
    }
  });

  it("says what is wrong with a launch", () => {
    const check = (launch: string) => {
      const parsed = parseReply(reply(KERNEL, launch), shape);
      return parsed.ok ? "" : parsed.reason;
    };
    expect(check(`{"grid": [1], "block": [256,]}`)).toMatch(/not valid JSON/);
    expect(check(`{"grid": ["cdiv(N,BM)"], "block": [256]}`)).toMatch(/grid\[0\].*unknown name "BM"/);
    expect(check(`{"grid": [1], "block": [64, 32]}`)).toMatch(/at most 1024 threads/);
    expect(check(`{"grid": [1], "block": [64], "threads": 5}`)).toMatch(/unknown field\(s\) threads/);
    expect(check(`{"grid": [0], "block": [64]}`)).toMatch(/grid/);
  });
});

describe("helpers", () => {
  it("finds fenced blocks with languages", () => {
    const blocks = fencedBlocks("a\n```cuda\nx\n```\nb\n~~~json\n{}\n~~~\n````\nnested ```\n````\n");
    expect(blocks.map((block) => [block.language, block.body])).toEqual([
      ["cuda", "x"],
      ["json", "{}"],
      ["", "nested ```"],
    ]);
  });

  it("finds extern C global entries, ignoring comments", () => {
    const source = `// extern "C" __global__ void commented(
extern "C" __global__ void __launch_bounds__(128, 1) first(int a) {}
extern "C" __global__ __launch_bounds__(64) void second() {}
__global__ void internal() {}`;
    expect(kernelEntries(source)).toEqual(["first", "second"]);
  });
});
