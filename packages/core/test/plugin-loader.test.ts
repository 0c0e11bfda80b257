import path from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { ConfigError } from "../src/config/config-issue.js";
import { defaultConfig } from "../src/config/default-config.js";
import { createContainer, resolveAll } from "../src/container/create-container.js";
import { TOKENS } from "../src/container/tokens.js";
import { loadPluginObjects } from "../src/plugins/load-plugin-objects.js";
import { PluginLoadError } from "../src/plugins/plugin-error.js";
import { loadPlugins } from "../src/plugins/plugin-loader.js";

const fixtures = path.join(path.dirname(fileURLToPath(import.meta.url)), "fixtures");
const repositoryRoot = path.resolve(fixtures, "../../../..");

async function load(references: Parameters<typeof loadPlugins>[1]) {
  const container = createContainer(defaultConfig());
  const plugins = await loadPlugins(container, references, { searchDirectories: [fixtures] });
  return { container, plugins };
}

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error("expected the promise to reject");
}

describe("loadPlugins", () => {
  it("loads a plugin by npm package name, with its version, and resolves its retriever", async () => {
    const { container, plugins } = await load(["kforge-plugin-keyword-retriever"]);
    expect(plugins).toHaveLength(1);
    const [plugin] = plugins;
    expect(plugin?.name).toBe("keyword-retriever");
    expect(plugin?.kind).toBe("package");
    expect(plugin?.packageVersion).toBe("0.1.0");
    expect(plugin?.provides).toEqual(["retriever"]);
    expect(plugin?.entryFile).toBe(
      path.join(repositoryRoot, "node_modules/kforge-plugin-keyword-retriever/dist/index.js"),
    );
    const [retriever] = resolveAll(container, TOKENS.retriever);
    const passages = await retriever!.retrieve({ text: "how does split-k help skinny shapes", limit: 5 });
    expect(passages[0]?.chunk.source).toBe("notes/split-k.md");
    expect(passages[0]?.retriever).toBe("keyword-retriever");
  });

  it("loads a plugin by relative path and passes it its validated options with defaults", async () => {
    const { container, plugins } = await load([{ from: "./static-retriever", options: { text: "hello" } }]);
    expect(plugins[0]).toMatchObject({
      name: "static-retriever",
      kind: "path",
      options: { text: "hello", limit: 3 },
    });
    const [retriever] = resolveAll(container, TOKENS.retriever);
    const passages = await retriever!.retrieve({ text: "anything", limit: 10 });
    expect(passages.map((passage) => passage.chunk.text)).toEqual(["hello"]);
  });

  it("rejects a bad config section with the key, the bad value and the expected type", async () => {
    const error = await rejection(
      load([
        "./static-retriever",
        { from: "kforge-plugin-keyword-retriever", options: { minimumMatches: "two" } },
      ]),
    );
    expect(error).toBeInstanceOf(ConfigError);
    const issues = (error as ConfigError).issues;
    expect(issues).toHaveLength(1);
    expect(issues[0]?.path).toBe("plugins[1].options.minimumMatches");
    expect(issues[0]?.message).toMatch(/expected number/);
    expect(issues[0]?.received).toBe('"two" (string)');
    expect((error as Error).message).toContain('plugin "keyword-retriever"');
  });

  it("names the valid keys when a plugin's options have an unknown key", async () => {
    const error = await rejection(load([{ from: "./static-retriever", options: { txet: "typo" } }]));
    expect((error as ConfigError).issues[0]?.path).toBe("plugins[0].options");
    expect((error as ConfigError).issues[0]?.message).toBe(
      'unknown key "txet"; valid keys here: text, limit',
    );
  });

  it("refuses a plugin built for another API version, saying both versions", async () => {
    const error = await rejection(load(["./wrong-api"]));
    expect(error).toBeInstanceOf(PluginLoadError);
    expect((error as PluginLoadError).code).toBe("plugin_incompatible");
    expect((error as PluginLoadError).plugin).toBe("future-plugin");
    expect((error as Error).message).toBe(
      'Plugin "future-plugin": was built for plugin API "v2", but this @kernelforge/core speaks "v1"',
    );
  });

  it("names the plugin whose module throws at load", async () => {
    const error = await rejection(load(["./static-retriever", "./throwing-module"]));
    expect(error).toBeInstanceOf(PluginLoadError);
    expect((error as PluginLoadError).plugin).toBe("throwing-plugin");
    expect((error as Error).message).toContain("cannot find libexample.so");
  });

  it("lets two retrievers coexist as a multi-binding", async () => {
    const { container, plugins } = await load(["kforge-plugin-keyword-retriever", "./static-retriever"]);
    expect(plugins.map((plugin) => plugin.name)).toEqual(["keyword-retriever", "static-retriever"]);
    const retrievers = resolveAll(container, TOKENS.retriever);
    expect(retrievers.map((retriever) => retriever.name).sort()).toEqual([
      "keyword-retriever",
      "static-retriever",
    ]);
    const results = await Promise.all(
      retrievers.map((retriever) => retriever.retrieve({ text: "cp.async stages", limit: 2 })),
    );
    expect(results.every((passages) => passages.length > 0)).toBe(true);
  });

  it("explains a missing package, a missing path, a module that is not a plugin and a duplicate", async () => {
    const missing = await rejection(load(["kforge-plugin-that-does-not-exist"]));
    expect((missing as PluginLoadError).code).toBe("plugin_not_found");
    expect((missing as PluginLoadError).hint).toContain("npm install kforge-plugin-that-does-not-exist");
    const missingPath = await rejection(load(["./nowhere"]));
    expect((missingPath as Error).message).toContain("no file or directory");
    const notPlugin = await rejection(load(["./not-a-plugin"]));
    expect((notPlugin as PluginLoadError).code).toBe("plugin_invalid_export");
    const duplicate = await rejection(load(["./static-retriever", "./static-retriever/index.js"]));
    expect((duplicate as PluginLoadError).code).toBe("plugin_duplicate");
  });

  it("uses a built-in plugin when its package is not installed, and the installed package when it is", async () => {
    const staticPlugin = (await import("./fixtures/static-retriever/index.js")).default;
    const builtins = new Map([
      ["kforge-plugin-not-installed", { plugin: staticPlugin, version: "9.9.9" }],
      ["kforge-plugin-keyword-retriever", { plugin: staticPlugin, version: "9.9.9" }],
    ]);
    const container = createContainer(defaultConfig());
    const plugins = await loadPlugins(
      container,
      ["kforge-plugin-not-installed", "kforge-plugin-keyword-retriever"],
      {
        searchDirectories: [fixtures],
        builtins,
      },
    );
    expect(plugins[0]).toMatchObject({
      name: "static-retriever",
      kind: "builtin",
      packageVersion: "9.9.9",
      entryFile: "(built in)",
    });
    expect(plugins[1]).toMatchObject({ name: "keyword-retriever", kind: "package", packageVersion: "0.1.0" });
  });

  it("loads plugin objects held by the program under their own names, validating their options", async () => {
    const staticPlugin = (await import("./fixtures/static-retriever/index.js")).default;
    const container = createContainer(defaultConfig());
    const plugins = await loadPluginObjects(container, [{ plugin: staticPlugin, options: { text: "held" } }]);
    expect(plugins[0]).toMatchObject({
      name: "static-retriever",
      specifier: "static-retriever",
      kind: "builtin",
      options: { text: "held", limit: 3 },
    });
    const [retriever] = resolveAll(container, TOKENS.retriever);
    const passages = await retriever!.retrieve({ text: "anything", limit: 10 });
    expect(passages.map((passage) => passage.chunk.text)).toEqual(["held"]);
    const invalid = await rejection(
      loadPluginObjects(createContainer(defaultConfig()), [
        { plugin: staticPlugin, options: { limit: "x" } },
      ]),
    );
    expect(invalid).toBeInstanceOf(ConfigError);
  });
});
