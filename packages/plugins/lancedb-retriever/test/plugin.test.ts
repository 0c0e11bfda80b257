import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import {
  ConfigError,
  createContainer,
  createGemmTask,
  defaultConfig,
  loadPlugins,
  pluginOptionsToken,
  resolveAll,
  TOKENS,
} from "@kernelforge/core";
import { Container } from "inversify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  LanceDbRetriever,
  type LanceDbRetrieverOptions,
  lanceDbRetrieverOptionsSchema,
  openDocsIndex,
  PLUGIN_NAME,
  taskQueryWords,
} from "../src/index.js";
import { writeFixtureTree } from "./fixtures.js";

const packageDirectory = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");

let tree: string;
let uri: string;

beforeAll(async () => {
  tree = writeFixtureTree();
  uri = path.join(tree, "index");
  const index = await openDocsIndex({ uri });
  await index.ingest([path.join(tree, "docs")]);
  await index.close();
});

afterAll(() => {
  rmSync(tree, { recursive: true, force: true });
});

async function load(options?: Record<string, unknown>) {
  const container = createContainer(defaultConfig());
  const plugins = await loadPlugins(
    container,
    [{ from: packageDirectory, ...(options ? { options } : {}) }],
    {
      searchDirectories: [packageDirectory],
    },
  );
  return { container, plugins };
}

describe("the plugin, loaded as kforge loads it", () => {
  it("provides the lancedb-docs retriever, whose passages name their sources", async () => {
    const { container, plugins } = await load({ uri });
    expect(plugins[0]).toMatchObject({
      name: "@kernelforge/plugin-lancedb-retriever",
      apiVersion: "v1",
      provides: ["retriever"],
      options: { uri, mode: "hybrid", embedder: { kind: "offline" } },
    });
    const [retriever] = resolveAll(container, TOKENS.retriever);
    expect(retriever?.name).toBe("lancedb-docs");
    const passages = await retriever!.retrieve({
      text: "ldmatrix bank conflicts with aligned rows",
      limit: 3,
    });
    expect(passages.length).toBeGreaterThan(0);
    expect(passages.length).toBeLessThanOrEqual(3);
    expect(passages[0]!.chunk.source).toBe(`${tree}/docs/guide.md`);
    expect(passages[0]!.chunk.section).toBe("ldmatrix > Pitfalls");
    expect(
      passages.every((passage) => passage.chunk.source.length > 0 && passage.retriever === "lancedb-docs"),
    ).toBe(true);
    const filtered = await retriever!.retrieve({
      text: "shared memory",
      limit: 5,
      filter: { tags: ["header"] },
    });
    expect(filtered.length).toBeGreaterThan(0);
    expect(filtered.every((passage) => passage.chunk.tags.includes("header"))).toBe(true);
    await (retriever as LanceDbRetriever).close();
  });

  it("reports bad options with the config path and a clear message", async () => {
    const error = await load({ mode: "semantic", embedder: { kind: "huggingface" } }).catch(
      (caught: unknown) => caught,
    );
    expect(error).toBeInstanceOf(ConfigError);
    const issues = (error as ConfigError).issues.map((issue) => `${issue.path}: ${issue.message}`);
    expect(issues).toContain("plugins[0].options.mode: expected hybrid, fts or vector");
    expect(
      issues.some((issue) => issue.startsWith("plugins[0].options.embedder.model: expected a model id")),
    ).toBe(true);
    const unknown = await load({ url: "x" }).catch((caught: unknown) => caught);
    expect((unknown as ConfigError).issues[0]?.message).toMatch(/unknown key "url"/);
  });
});

describe("LanceDbRetriever", () => {
  function retriever(options: Partial<LanceDbRetrieverOptions>): LanceDbRetriever {
    const container = new Container();
    container
      .bind(pluginOptionsToken<LanceDbRetrieverOptions>(PLUGIN_NAME))
      .toConstantValue(lanceDbRetrieverOptionsSchema.parse(options));
    container.bind(LanceDbRetriever).toSelf();
    return container.get(LanceDbRetriever);
  }

  it("returns nothing from a missing or empty index, without creating it", async () => {
    const missing = path.join(mkdtempSync(path.join(os.tmpdir(), "kforge-docs-missing-")), "nowhere");
    const instance = retriever({ uri: missing });
    expect(await instance.retrieve({ text: "anything", limit: 5 })).toEqual([]);
    const empty = await openDocsIndex({ uri: missing });
    await empty.close();
    expect(await instance.retrieve({ text: "anything", limit: 5 })).toEqual([]);
  });

  it("honours limit, mode, configured filters and a query's own filter", async () => {
    const fts = retriever({ uri, mode: "fts", tags: ["html"] });
    const htmlOnly = await fts.retrieve({ text: "memory", limit: 10 });
    expect(htmlOnly.length).toBeGreaterThan(0);
    expect(htmlOnly.every((passage) => passage.chunk.tags.includes("html"))).toBe(true);
    const overridden = await fts.retrieve({ text: "memory", limit: 1, filter: { tags: ["markdown"] } });
    expect(overridden).toHaveLength(1);
    expect(overridden[0]!.chunk.tags).toEqual(["markdown"]);
    expect(await fts.retrieve({ text: "memory", limit: 0 })).toEqual([]);
    const controller = new AbortController();
    controller.abort();
    await expect(fts.retrieve({ text: "memory", limit: 1 }, { signal: controller.signal })).rejects.toThrow();
    await fts.close();
  });

  it("adds a task's layout and architecture words to the query", async () => {
    const task = createGemmTask({ m: 16, n: 4096, k: 4096, layout: "linear", arch: "sm90" });
    expect(taskQueryWords(task, "ldmatrix")).toBe("fp16 B transposed N x K k contiguous sm90");
    expect(taskQueryWords(task, "fp16 on sm90")).toBe("B transposed N x K k contiguous");
    const instance = retriever({ uri });
    const passages = await instance.retrieve({ text: "load the B operand", limit: 2, task });
    expect(passages.length).toBeGreaterThan(0);
    await instance.close();
  });

  it("surfaces a wrong embedder as an error rather than silently empty results", async () => {
    const instance = retriever({ uri, embedder: { kind: "hashing", dimensions: 64 } });
    await expect(instance.retrieve({ text: "ldmatrix", limit: 2 })).rejects.toThrow(
      /built with the embedder/,
    );
  });
});
