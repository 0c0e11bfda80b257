import path from "node:path";
import { fileURLToPath } from "node:url";
import {
  createContainer,
  defaultConfig,
  KernelForgeError,
  loadPlugins,
  resolveNamed,
  TOKENS,
} from "@kernelforge/core";
import { describe, expect, it } from "vitest";

const packageDirectory = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");

describe("the queue-evaluator plugin", () => {
  it("loads through the real loader from its built package and fills in its defaults", async () => {
    const container = createContainer(defaultConfig());
    const [plugin] = await loadPlugins(
      container,
      [{ from: packageDirectory, options: { redis: "redis://cache.internal:6379/1" } }],
      { searchDirectories: [packageDirectory] },
    );
    expect(plugin).toMatchObject({
      name: "queue-evaluator",
      provides: ["gpu-evaluator"],
      options: {
        redis: "redis://cache.internal:6379/1",
        queue: "kforge-evaluations",
        prefix: "kforge",
        measurement: "measured",
        attempts: 3,
        worker: { lockSeconds: 30, stalledIntervalSeconds: 15, maxStalledCount: 2, heartbeatSeconds: 5 },
      },
    });
    expect(resolveNamed(container, TOKENS.gpuEvaluator, "queue-evaluator", "GPU evaluator").name).toBe(
      "queue-evaluator",
    );
  });

  it("refuses a bad Redis URL, naming the key and the accepted forms, without showing the password", async () => {
    const failure = await loadPlugins(
      createContainer(defaultConfig()),
      [{ from: packageDirectory, options: { redis: "http://admin:hunter2@cache:6379" } }],
      { searchDirectories: [packageDirectory] },
    ).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(KernelForgeError);
    const text = (failure as KernelForgeError).message;
    expect(text).toMatch(/plugins\[0\]\.options\.redis: expected redis:\/\/\[\[user\]:password@\]host/);
    expect(text).toContain("http://admin:***@cache:6379");
    expect(text).not.toContain("hunter2");
    await expect(
      loadPlugins(
        createContainer(defaultConfig()),
        [{ from: packageDirectory, options: { queue: "has:colon", worker: { lockSeconds: 0 } } }],
        { searchDirectories: [packageDirectory] },
      ),
    ).rejects.toThrow(/options\.queue: use letters[\s\S]*options\.worker\.lockSeconds/);
  });

  it("says where to set the Redis URL when none is given", async () => {
    const container = createContainer(defaultConfig());
    await loadPlugins(container, [{ from: packageDirectory }], { searchDirectories: [packageDirectory] });
    const evaluator = resolveNamed(container, TOKENS.gpuEvaluator, "queue-evaluator", "GPU evaluator");
    const saved = { KFORGE_REDIS_URL: process.env.KFORGE_REDIS_URL, REDIS_URL: process.env.REDIS_URL };
    delete process.env.KFORGE_REDIS_URL;
    delete process.env.REDIS_URL;
    try {
      await expect(evaluator.describe()).rejects.toMatchObject({
        code: "redis_not_configured",
        hint: expect.stringContaining("KFORGE_REDIS_URL"),
      });
    } finally {
      Object.assign(
        process.env,
        Object.fromEntries(Object.entries(saved).filter(([, value]) => value !== undefined)),
      );
      await evaluator.close();
    }
  });
});
