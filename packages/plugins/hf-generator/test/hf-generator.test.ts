import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import {
  createContainer,
  defaultConfig,
  type GenerationRequest,
  KernelForgeError,
  type KernelGenerator,
  loadPlugins,
  resolveNamed,
  TOKENS,
} from "@kernelforge/core";
import { afterEach, describe, expect, it } from "vitest";
import { HfGenerator } from "../src/hf-generator.js";
import { type HfGeneratorOptionsInput, hfGeneratorOptionsSchema } from "../src/options.js";
import { defaultTemplatesDirectory, TEMPLATE_FILES } from "../src/prompt.js";
import { type ChatServer, type ChatServerHandler, startChatServer } from "./chat-server.js";
import { ANALYSIS, GOOD_REPLY, task } from "./fixtures.js";

const packageDirectory = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const usage = { prompt_tokens: 1200, completion_tokens: 300 };
const request: GenerationRequest = { task, count: 1, round: 2, seed: 100 };

let server: ChatServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

async function setUp(handler: ChatServerHandler, options: Partial<HfGeneratorOptionsInput> = {}) {
  server = await startChatServer(handler);
  const generator = new HfGenerator(
    hfGeneratorOptionsSchema.parse({ model: "test/coder", endpointUrl: server.url, ...options }),
  );
  return { server, generator };
}

/** Splits a reply into small deltas, as a streaming server would. */
const deltasOf = (text: string) => text.match(/[\s\S]{1,40}/g) ?? [];

describe("HfGenerator against an OpenAI-compatible server", () => {
  it("builds a candidate from a non-streaming reply and counts usage", async () => {
    const { server, generator } = await setUp(() => ({ kind: "json", content: GOOD_REPLY, usage }), {
      stream: false,
      temperature: 0.3,
    });
    const result = await generator.generate(request);
    expect(result.failures).toEqual([]);
    expect(result.candidates).toHaveLength(1);
    const [candidate] = result.candidates;
    expect(candidate?.entry).toBe("hgemm_tile");
    expect(candidate?.launch).toMatchObject({
      grid: [32, 8, 1],
      block: [256, 1, 1],
      dynamicSharedBytes: 32768,
    });
    expect(candidate?.taskKey).toBe("hgemm.f16f32.linear.1000x4096x512.sm90");
    expect(candidate?.provenance.generator).toBe("hf");
    expect(candidate?.provenance.commentary).toContain(ANALYSIS);
    expect(candidate?.provenance.prompt).toContain("M = 1000, N = 4096, K = 512");
    expect(candidate?.provenance.configuration).toMatchObject({
      model: "test/coder",
      provider: "endpoint",
      temperature: 0.3,
      sample: 0,
      seed: 100,
      usageReported: true,
    });
    expect(result.usage).toMatchObject({ requests: 1, inputTokens: 1200, outputTokens: 300 });

    expect(server.received[0]?.path).toBe("/v1/chat/completions");
    const body = server.requests[0];
    expect(body).toMatchObject({
      model: "test/coder",
      temperature: 0.3,
      top_p: 0.95,
      max_tokens: 4096,
      seed: 100,
    });
    expect(body?.stream).toBeFalsy();
    expect(body?.messages?.map((message) => message.role)).toEqual(["system", "user"]);
  });

  it("streams deltas to onText in order, with usage from the final chunk", async () => {
    const deltas = deltasOf(GOOD_REPLY);
    const { server, generator } = await setUp(() => ({ kind: "stream", deltas, usage }));
    const seen: [number, string][] = [];
    const result = await generator.generate(request, { onText: (index, text) => seen.push([index, text]) });
    expect(seen).toEqual(deltas.map((delta) => [0, delta]));
    expect(result.candidates).toHaveLength(1);
    expect(result.usage).toMatchObject({
      requests: 1,
      inputTokens: 1200,
      outputTokens: 300,
      usageReported: true,
    });
    expect(server.requests[0]).toMatchObject({ stream: true, stream_options: { include_usage: true } });
  });

  it("counts 0 tokens and says so when the server reports no usage", async () => {
    const { generator } = await setUp(() => ({ kind: "stream", deltas: deltasOf(GOOD_REPLY) }));
    const result = await generator.generate(request);
    expect(result.usage).toMatchObject({
      requests: 1,
      inputTokens: 0,
      outputTokens: 0,
      usageReported: false,
    });
    expect(result.candidates[0]?.provenance.configuration?.usageReported).toBe(false);
  });

  it("sends count requests, at most concurrency at once, with seed + index", async () => {
    let active = 0;
    let peak = 0;
    const { server, generator } = await setUp(
      async () => {
        active += 1;
        peak = Math.max(peak, active);
        await new Promise((resolve) => setTimeout(resolve, 60));
        active -= 1;
        return { kind: "json", content: GOOD_REPLY.replace("hgemm_tile(", "hgemm_tile( ") };
      },
      { concurrency: 2, stream: false },
    );
    const result = await generator.generate({ ...request, count: 5 });
    expect(server.requests).toHaveLength(5);
    expect(peak).toBe(2);
    expect(server.requests.map((body) => body.seed).sort()).toEqual([100, 101, 102, 103, 104]);
    expect(result.candidates).toHaveLength(5);
    expect(result.candidates.map((candidate) => candidate.provenance.configuration?.sample)).toEqual([
      0, 1, 2, 3, 4,
    ]);
  });

  it.each([
    ["no code", "I would rather explain GEMM in prose.", "no_code"],
    [
      "two conflicting kernels",
      `${GOOD_REPLY}\n\`\`\`cuda\n${GOOD_REPLY.match(/```cuda\n([\s\S]*?)```/)?.[1]?.replace("hgemm_tile", "other")}\`\`\``,
      "conflicting_code",
    ],
    [
      "broken launch JSON",
      GOOD_REPLY.replace('"block": [256, 1, 1]', '"block": [256, 1, 1'),
      "invalid_launch",
    ],
  ])("reports %s as a failure with the raw output", async (_, content, code) => {
    const { generator } = await setUp(() => ({ kind: "stream", deltas: deltasOf(content), usage }));
    const result = await generator.generate(request);
    expect(result.candidates).toEqual([]);
    expect(result.failures).toHaveLength(1);
    expect(result.failures[0]).toMatchObject({ code, output: content });
    expect(result.usage).toMatchObject({ requests: 1, inputTokens: 1200 });
  });

  it("waits for Retry-After on 429, then succeeds", async () => {
    const { server, generator } = await setUp((_, index) =>
      index === 0
        ? { kind: "status", status: 429, headers: { "Retry-After": "1" }, body: { error: "rate limited" } }
        : { kind: "stream", deltas: deltasOf(GOOD_REPLY), usage },
    );
    const result = await generator.generate(request);
    expect(server.received).toHaveLength(2);
    const waited = (server.received[1]?.at ?? 0) - (server.received[0]?.at ?? 0);
    expect(waited).toBeGreaterThanOrEqual(950);
    expect(result.candidates).toHaveLength(1);
    expect(result.usage?.requests).toBe(2);
  });

  it("backs off after a 500, then succeeds", async () => {
    const { server, generator } = await setUp(
      (_, index) =>
        index === 0
          ? { kind: "status", status: 500, body: { error: "internal" } }
          : { kind: "json", content: GOOD_REPLY, usage },
      { stream: false },
    );
    const result = await generator.generate(request);
    expect(server.received).toHaveLength(2);
    expect(result.candidates).toHaveLength(1);
    expect(result.failures).toEqual([]);
    expect(result.usage).toMatchObject({ requests: 2, inputTokens: 1200 });
  });

  it("reports http_error with the status once the retries are spent", async () => {
    const { server, generator } = await setUp(() => ({ kind: "status", status: 503, body: "overloaded" }), {
      retries: 1,
    });
    const result = await generator.generate(request);
    expect(server.received).toHaveLength(2);
    expect(result.failures).toHaveLength(1);
    expect(result.failures[0]?.code).toBe("http_error");
    expect(result.failures[0]?.reason).toMatch(/HTTP 503.*after 2 attempts/);
    expect(result.usage?.requests).toBe(2);
  });

  it("does not retry a 400", async () => {
    const { server, generator } = await setUp(() => ({
      kind: "status",
      status: 400,
      body: { error: "prompt too long" },
    }));
    const result = await generator.generate(request);
    expect(server.received).toHaveLength(1);
    expect(result.failures[0]).toMatchObject({ code: "http_error" });
    expect(result.failures[0]?.reason).toMatch(/HTTP 400.*prompt too long/);
  });

  it("turns a server that never answers into a timeout failure", async () => {
    const { generator } = await setUp(() => ({ kind: "hang" }), { timeoutSeconds: 0.5 });
    const started = Date.now();
    const result = await generator.generate(request);
    expect(Date.now() - started).toBeLessThan(3000);
    expect(result.candidates).toEqual([]);
    expect(result.failures).toHaveLength(1);
    expect(result.failures[0]?.code).toBe("timeout");
    expect(result.usage?.requests).toBe(1);
  });

  it("turns a stream that stalls into a timeout failure with the partial output", async () => {
    const deltas = deltasOf(GOOD_REPLY);
    const { generator } = await setUp(() => ({ kind: "stream", deltas, hangAfter: 2 }), {
      timeoutSeconds: 0.5,
    });
    const result = await generator.generate(request);
    expect(result.failures[0]).toMatchObject({ code: "timeout", output: `${deltas[0]}${deltas[1]}` });
  });

  it("rejects with the signal's reason when aborted mid-stream, closing the connection", async () => {
    const { server, generator } = await setUp(() => ({
      kind: "stream",
      deltas: deltasOf(GOOD_REPLY),
      delayMs: 30,
    }));
    const controller = new AbortController();
    const reason = new Error("stopped by the user");
    const closed = server.nextEarlyClose();
    const texts: string[] = [];
    const generation = generator.generate(request, {
      signal: controller.signal,
      onText: (_, text) => {
        texts.push(text);
        controller.abort(reason);
      },
    });
    await expect(generation).rejects.toBe(reason);
    await expect(closed).resolves.toBe(0);
    expect(texts).toHaveLength(1);
  });

  it("rejects at once when the signal is already aborted", async () => {
    const { server, generator } = await setUp(() => ({ kind: "json", content: GOOD_REPLY }));
    const reason = new Error("already");
    await expect(generator.generate(request, { signal: AbortSignal.abort(reason) })).rejects.toBe(reason);
    expect(server.requests).toHaveLength(0);
  });

  it("never lets the access token out, and sends it to the server", async () => {
    const token = "hf_secret_test";
    const { server, generator } = await setUp(
      (_, index) => {
        if (index === 0) return { kind: "status", status: 400, body: { error: `bad token ${token}` } };
        if (index === 1) return { kind: "json", content: `I saw ${token}.\n${GOOD_REPLY}`, usage };
        return { kind: "json", content: `No code, only ${token}.` };
      },
      { accessToken: token, concurrency: 1, stream: false },
    );
    const result = await generator.generate({ ...request, count: 3 });
    expect(server.received[0]?.headers.authorization).toBe(`Bearer ${token}`);
    expect(result.candidates).toHaveLength(1);
    expect(result.failures.map((failure) => failure.code).sort()).toEqual(["http_error", "no_code"]);
    expect(JSON.stringify(result)).not.toContain(token);
    expect(JSON.stringify(result)).toContain("[redacted]");
  });

  it("throws a KernelForgeError on 401 without the token in it", async () => {
    const token = "hf_secret_test";
    const { generator } = await setUp(
      () => ({ kind: "status", status: 401, body: { error: `invalid ${token}` } }),
      { accessToken: token },
    );
    const error = await generator.generate({ ...request, count: 3 }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(KernelForgeError);
    expect((error as KernelForgeError).code).toBe("generator_unauthorized");
    expect(`${(error as Error).message} ${(error as KernelForgeError).hint}`).not.toContain(token);
  });

  it("uses an override templates directory", async () => {
    const directory = mkdtempSync(path.join(tmpdir(), "kforge-templates-"));
    for (const file of TEMPLATE_FILES) {
      writeFileSync(path.join(directory, file), readFileSync(path.join(defaultTemplatesDirectory(), file)));
    }
    writeFileSync(path.join(directory, "system.md"), "Custom system prompt for {{targetArch}}.");
    const { server, generator } = await setUp(() => ({ kind: "json", content: GOOD_REPLY }), {
      templates: directory,
      stream: false,
    });
    const result = await generator.generate(request);
    expect(server.requests[0]?.messages?.[0]?.content).toBe("Custom system prompt for sm_90a.");
    expect(result.candidates[0]?.provenance.prompt).toContain("Custom system prompt for sm_90a.");
  });

  it("fails to construct with a clear error for a bad template", () => {
    const directory = mkdtempSync(path.join(tmpdir(), "kforge-templates-"));
    for (const file of TEMPLATE_FILES) writeFileSync(path.join(directory, file), "ok");
    writeFileSync(path.join(directory, "format.md"), "Reply as {{formatt}}");
    expect(
      () => new HfGenerator(hfGeneratorOptionsSchema.parse({ model: "m", templates: directory })),
    ).toThrow(/format\.md uses the unknown placeholder \{\{formatt\}\}/);
  });
});

describe("options", () => {
  it.each([
    [{}, /model is required/],
    [
      { endpointUrl: "http://localhost:8000", provider: "together" },
      /provider cannot be combined with endpointUrl/,
    ],
    [{ endpointUrl: "localhost:8000" }, /endpointUrl must be an http\(s\) URL/],
    [{ model: "m", provider: "nowhere" }, /provider must be one of .*together/],
    [{ model: "m", temperature: 3 }, /temperature must be between 0 and 2/],
    [{ model: "m", concurrency: 0 }, /concurrency must be an integer from 1 to 64/],
    [{ model: "m", timeoutSeconds: 0 }, /timeoutSeconds must be greater than 0/],
    [{ model: "m", unknown: 1 }, /unknown/i],
  ])("rejects %j", (options, message) => {
    const parsed = hfGeneratorOptionsSchema.safeParse(options);
    expect(parsed.success).toBe(false);
    expect(parsed.error?.issues.map((issue) => issue.message).join("; ")).toMatch(message);
  });

  it("fills the defaults", () => {
    expect(hfGeneratorOptionsSchema.parse({ model: "m" })).toEqual({
      model: "m",
      temperature: 0.7,
      topP: 0.95,
      maxTokens: 4096,
      concurrency: 4,
      timeoutSeconds: 120,
      retries: 3,
      stream: true,
    });
  });
});

describe("plugin", () => {
  it("binds the generator named hf", async () => {
    const container = createContainer(defaultConfig());
    await loadPlugins(
      container,
      [{ from: packageDirectory, options: { model: "Qwen/Qwen2.5-Coder-32B-Instruct" } }],
      {
        searchDirectories: [packageDirectory],
      },
    );
    const generator = resolveNamed<KernelGenerator>(
      container,
      TOKENS.kernelGenerator,
      "hf",
      "kernel generator",
    );
    expect(generator.name).toBe("hf");
  });
});
