import { spawn } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type ChatServer, startChatServer } from "../../plugins/hf-generator/test/chat-server.js";

/**
 * `kforge run` with the LLM generator, end to end through the real CLI (spawned, no TTY) in estimate mode,
 * pointed at a local OpenAI-compatible server: streamed replies become candidates (compiled by nvcc where it is
 * present), a reply with no code is recorded as a generation failure, and the tokens the server reported are
 * summed for the run.
 */
const packageDirectory = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const bin = path.join(packageDirectory, "dist", "bin.js");

const KERNEL = `Each thread computes one element of C with an fp32 accumulator; the loads of A are shared by a row.

\`\`\`cuda
#include <cuda_fp16.h>
extern "C" __global__ void hgemm_rowwise(const __half* A, const __half* B, __half* C, int M, int N, int K, void* workspace) {
  const int col = blockIdx.x * blockDim.x + threadIdx.x;
  const int row = blockIdx.y;
  if (row >= M || col >= N) return;
  float acc = 0.0f;
  for (int k = 0; k < K; ++k) acc += __half2float(A[(size_t)row * K + k]) * __half2float(B[(size_t)k * N + col]);
  C[(size_t)row * N + col] = __float2half(acc);
}
\`\`\`

\`\`\`json
{"entry": "hgemm_rowwise", "grid": ["cdiv(N,128)", "M", 1], "block": [128, 1, 1], "dynamicSharedBytes": 0, "workspaceBytes": 0, "zeroWorkspace": false}
\`\`\`
`;

interface JsonEvent {
  type: string;
  [key: string]: unknown;
}

describe("kforge run with the LLM generator against a local chat server", () => {
  let server: ChatServer;
  let directory: string;

  beforeAll(async () => {
    // Every 4th request gets a reply with no code; the others stream the kernel in pieces, the block size
    // varying with the request so that the candidates differ.
    server = await startChatServer((_body, index) => {
      const usage = { prompt_tokens: 1200, completion_tokens: 250 };
      if (index % 4 === 3)
        return { kind: "stream", deltas: ["I would tile the problem, ", "but here is no code."], usage };
      const text = KERNEL.replace(/128/g, String(64 << (index % 3)));
      const deltas = text.match(/[\s\S]{1,80}/g) ?? [text];
      return { kind: "stream", deltas, usage };
    });
    directory = mkdtempSync(path.join(tmpdir(), "kforge-llm-e2e-"));
    writeFileSync(
      path.join(directory, "kforge.config.json"),
      JSON.stringify({
        plugins: [
          {
            from: "@kernelforge/plugin-hf-generator",
            options: {
              endpointUrl: server.url,
              model: "local-test-model",
              concurrency: 2,
              timeoutSeconds: 20,
            },
          },
          "@kernelforge/plugin-grpo",
          { from: "@kernelforge/plugin-nvcc-evaluator", options: { mode: "estimated" } },
        ],
        tasks: { shapes: ["256x256x256:nn", "64x512x128:nn"] },
        search: { rounds: 1, groupSize: 4, seed: 5 },
        archive: { uri: "./archive" },
      }),
    );
  });

  afterAll(async () => {
    await server?.close();
  });

  it("turns streamed replies into evaluated candidates, counts the failure and sums the tokens", async () => {
    const child = spawn(process.execPath, [bin, "run", "--run-id", "llm-e2e"], {
      cwd: directory,
      env: { ...process.env, KFORGE_CACHE_DIR: path.join(directory, "cache"), HF_TOKEN: "hf_e2e_secret" },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => {
      stdout += chunk.toString();
    });
    child.stderr.on("data", (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    const status = await new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
    expect(stderr).toBe("");
    expect(status).toBe(0);
    const events = stdout
      .split("\n")
      .filter((line) => line.startsWith("{"))
      .map((line) => JSON.parse(line) as JsonEvent);

    // 2 tasks × 4 samples = 8 requests; requests 3 and 7 had no code.
    expect(server.requests).toHaveLength(8);
    expect(server.requests.every((body) => body.model === "local-test-model" && body.stream === true)).toBe(
      true,
    );
    const failures = events.filter((event) => event.type === "generation-failed");
    expect(failures).toHaveLength(2);
    expect(failures.map((event) => (event.failure as { code: string }).code)).toEqual(["no_code", "no_code"]);
    const streamed = events.filter((event) => event.type === "generator-text");
    expect(streamed.length).toBeGreaterThan(6);
    const evaluated = events.filter((event) => event.type === "candidate-evaluated");
    expect(evaluated.length).toBeGreaterThanOrEqual(4);
    expect(
      evaluated.every((event) => (event.result as { measurement: string }).measurement === "estimated"),
    ).toBe(true);
    expect(evaluated.every((event) => (event.result as { status: string }).status === "ok")).toBe(true);
    const summary = events.find((event) => event.type === "summary");
    expect(summary?.status).toBe("finished");
    expect(summary?.usage).toEqual({ requests: 8, inputTokens: 8 * 1200, outputTokens: 8 * 250 });
    // The token is sent to the server, and never printed.
    expect(stdout).not.toContain("hf_e2e_secret");
  }, 300_000);
});
