import path from "node:path";
import { fileURLToPath } from "node:url";
import { createContainer, defaultConfig, loadPlugins, resolveAll, TOKENS } from "@kernelforge/core";
import { describe, expect, it } from "vitest";

// The package directory: the loader imports the built entry (dist/index.js) from here, as a user's run would.
const packageDirectory = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");

async function loadRetriever(options?: Record<string, unknown>) {
  const container = createContainer(defaultConfig());
  await loadPlugins(container, [{ from: packageDirectory, ...(options ? { options } : {}) }], {
    searchDirectories: [packageDirectory],
  });
  const [retriever] = resolveAll(container, TOKENS.retriever);
  if (!retriever) throw new Error("the plugin bound no retriever");
  return retriever;
}

describe("keyword-retriever through the real loader", () => {
  it("ranks notes by shared query words and honours the limit", async () => {
    const retriever = await loadRetriever({
      notes: [
        { source: "a.md", text: "swizzle shared memory rows to avoid bank conflicts" },
        { source: "b.md", text: "bank conflicts serialize shared memory accesses" },
        { source: "c.md", text: "unrelated text about epilogues" },
      ],
      minimumMatches: 2,
    });
    const passages = await retriever.retrieve({ text: "shared memory bank conflicts swizzle", limit: 5 });
    expect(passages.map((passage) => passage.chunk.source)).toEqual(["a.md", "b.md"]);
    expect(passages[0]?.score).toBe(5);
    const limited = await retriever.retrieve({ text: "shared memory bank conflicts", limit: 1 });
    expect(limited).toHaveLength(1);
  });

  it("filters by tag and stops when aborted", async () => {
    const retriever = await loadRetriever();
    const tagged = await retriever.retrieve({
      text: "stages overlap loads",
      limit: 5,
      filter: { tags: ["pipelining"] },
    });
    expect(tagged.map((passage) => passage.chunk.source)).toEqual(["notes/cp-async.md"]);
    const controller = new AbortController();
    controller.abort(new Error("stop"));
    await expect(
      retriever.retrieve({ text: "split-k", limit: 1 }, { signal: controller.signal }),
    ).rejects.toThrow("stop");
  });
});
