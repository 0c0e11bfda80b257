import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import os from "node:os";
import path from "node:path";
import { KernelForgeError } from "@kernelforge/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  embeddingWords,
  HashingEmbedder,
  HuggingFaceEmbedder,
  meanPool,
  openDocsIndex,
} from "../src/index.js";

function cosine(a: Float32Array, b: Float32Array): number {
  let dot = 0;
  for (let index = 0; index < a.length; index++) dot += a[index]! * b[index]!;
  return dot;
}

function norm(vector: Float32Array): number {
  return Math.sqrt(cosine(vector, vector));
}

describe("HashingEmbedder", () => {
  const embedder = new HashingEmbedder();

  it("is deterministic, 384-dimensional and L2-normalized by default", async () => {
    const [a, b] = await embedder.embed(["cp.async pipelining", "cp.async pipelining"]);
    expect(embedder.dimensions).toBe(384);
    expect(embedder.name).toBe("offline:lexical-hash-v1");
    expect(a).toEqual(b);
    expect(norm(a!)).toBeCloseTo(1, 5);
    // A text without features still gets a unit vector.
    expect(norm(embedder.embedOne("... !!"))).toBeCloseTo(1, 5);
  });

  it("matches word forms through character trigrams", () => {
    const pipeline = embedder.embedOne("pipeline");
    expect(cosine(pipeline, embedder.embedOne("pipelining"))).toBeGreaterThan(0.3);
    expect(cosine(pipeline, embedder.embedOne("pipelined stages"))).toBeGreaterThan(
      cosine(pipeline, embedder.embedOne("register spills")),
    );
  });

  it("splits identifiers and keeps the whole one as a feature", () => {
    const compounds: string[] = [];
    expect(embeddingWords("cudaMemcpyAsync cp.async mma_sync __hmul2 of the", compounds)).toEqual([
      "cuda",
      "memcpy",
      "async",
      "cp",
      "async",
      "mma",
      "sync",
      "hmul2",
    ]);
    expect(compounds).toEqual(["cuda_memcpy_async", "cp_async", "mma_sync"]);
  });

  it("refuses dimensions out of range", () => {
    expect(() => new HashingEmbedder({ dimensions: 3 })).toThrow(KernelForgeError);
    expect(new HashingEmbedder({ dimensions: 64 }).embedOne("x y z")).toHaveLength(64);
  });
});

describe("meanPool", () => {
  it("averages token vectors", () => {
    expect(
      Array.from(
        meanPool([
          [1, 2],
          [3, 6],
        ]),
      ),
    ).toEqual([2, 4]);
  });
});

/** A server that speaks the Hugging Face feature-extraction API as @huggingface/inference calls it. */
interface Recorded {
  method: string;
  url: string;
  authorization: string | undefined;
  body: { inputs: string | string[] } & Record<string, unknown>;
}

const lexical = new HashingEmbedder({ dimensions: 48 });

describe("HuggingFaceEmbedder against a local inference server", () => {
  let server: Server;
  let base = "";
  const requests: Recorded[] = [];
  /** What the server answers: by URL path. */
  const answer = (path: string, inputs: string[]): { status: number; body: unknown } => {
    const vector = (text: string, width: number) =>
      Array.from({ length: width }, (_, index) => text.length + index);
    switch (path) {
      case "/pooled":
        return { status: 200, body: inputs.map((text) => vector(text, 32)) };
      case "/tokens":
        // Token embeddings: two tokens per text, mean-pooled by the client.
        return { status: 200, body: inputs.map(() => [Array(32).fill(1), Array(32).fill(3)]) };
      case "/single":
        return { status: 200, body: vector(inputs[0]!, 32) };
      case "/error":
        return { status: 500, body: { error: "CUDA out of memory" } };
      case "/unauthorized":
        return { status: 401, body: { error: "Invalid credentials" } };
      case "/short":
        return { status: 200, body: inputs.map((text) => vector(text, 16)) };
      case "/ragged":
        return { status: 200, body: [vector("a", 32)] };
      case "/lexical":
        // A stand-in model: the offline embedding at 48 dimensions, as plain JSON numbers.
        return { status: 200, body: inputs.map((text) => Array.from(lexical.embedOne(text))) };
      default:
        return { status: 404, body: { error: "no such route" } };
    }
  };

  beforeAll(async () => {
    server = createServer(async (request: IncomingMessage, response) => {
      let raw = "";
      for await (const part of request) raw += part;
      const body = JSON.parse(raw) as Recorded["body"];
      requests.push({
        method: request.method ?? "",
        url: request.url ?? "",
        authorization: request.headers.authorization,
        body,
      });
      const inputs = Array.isArray(body.inputs) ? body.inputs : [body.inputs];
      const { status, body: reply } = answer(request.url ?? "", inputs);
      response.writeHead(status, { "Content-Type": "application/json" });
      response.end(JSON.stringify(reply));
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  it("posts {inputs: [...]} to the endpoint URL as is, in batches, and normalizes pooled vectors", async () => {
    requests.length = 0;
    const embedder = new HuggingFaceEmbedder({
      model: "BAAI/bge-small-en-v1.5",
      endpointUrl: `${base}/pooled`,
      accessToken: "hf_test_token",
      batchSize: 2,
    });
    const vectors = await embedder.embed(["a", "bb", "ccc"]);
    expect(vectors).toHaveLength(3);
    expect(vectors.every((vector) => vector.length === 32 && Math.abs(norm(vector) - 1) < 1e-5)).toBe(true);
    expect(embedder.dimensions).toBe(32);
    expect(embedder.name).toBe("huggingface:BAAI/bge-small-en-v1.5");
    expect(requests.map((request) => [request.method, request.url, request.body.inputs])).toEqual([
      ["POST", "/pooled", ["a", "bb"]],
      ["POST", "/pooled", ["ccc"]],
    ]);
    expect(requests[0]!.authorization).toBe("Bearer hf_test_token");
  });

  it("mean-pools token embeddings and accepts a bare vector for one text", async () => {
    const tokens = new HuggingFaceEmbedder({ model: "m", endpointUrl: `${base}/tokens` });
    const [pooled] = await tokens.embed(["hello"]);
    // mean of [1…] and [3…] = [2…], normalized: every component 1/√32.
    expect(pooled![0]).toBeCloseTo(1 / Math.sqrt(32), 5);
    const single = new HuggingFaceEmbedder({ model: "m", endpointUrl: `${base}/single` });
    expect(await single.embed(["x"])).toHaveLength(1);
  });

  it("turns HTTP failures into clear errors naming the model, the status and the server's message", async () => {
    const failing = new HuggingFaceEmbedder({ model: "m", endpointUrl: `${base}/error` });
    const error = await failing.embed(["x"]).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(KernelForgeError);
    expect((error as KernelForgeError).code).toBe("docs_embedder_failed");
    expect((error as Error).message).toMatch(/huggingface:m failed \(HTTP 500\).*CUDA out of memory/);
    const unauthorized = await new HuggingFaceEmbedder({ model: "m", endpointUrl: `${base}/unauthorized` })
      .embed(["x"])
      .catch((caught: unknown) => caught);
    expect((unauthorized as KernelForgeError).hint).toMatch(/access token/);
  });

  it("refuses vectors of the wrong length and answers of the wrong count", async () => {
    const wrong = new HuggingFaceEmbedder({ model: "m", endpointUrl: `${base}/short`, dimensions: 32 });
    const error = await wrong.embed(["x"]).catch((caught: unknown) => caught);
    expect((error as KernelForgeError).code).toBe("docs_embedding_dimensions");
    expect((error as Error).message).toMatch(/returned 16-dimensional vectors; 32 were expected/);
    const ragged = new HuggingFaceEmbedder({ model: "m", endpointUrl: `${base}/ragged` });
    const raggedError = await ragged.embed(["x", "y"]).catch((caught: unknown) => caught);
    expect((raggedError as Error).message).toMatch(/malformed answer: 1 vectors for 2 texts/);
  });

  it("says when nothing listens at the endpoint", async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, "127.0.0.1", resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const error = await new HuggingFaceEmbedder({ model: "m", endpointUrl: `http://127.0.0.1:${port}/embed` })
      .embed(["x"])
      .catch((caught: unknown) => caught);
    expect((error as KernelForgeError).code).toBe("docs_embedder_failed");
    expect((error as KernelForgeError).hint).toMatch(/server running/);
  });

  it("builds and searches a docs index, which remembers the model and refuses another embedder", async () => {
    const directory = mkdtempSync(path.join(os.tmpdir(), "kforge-docs-hf-"));
    const docs = path.join(directory, "docs");
    mkdirSync(docs);
    writeFileSync(path.join(docs, "a.md"), "# Split-K\n\nSplit-K divides the reduction dimension.\n");
    writeFileSync(path.join(docs, "b.md"), "# Swizzle\n\nXOR swizzles avoid shared memory bank conflicts.\n");
    const embedder = { kind: "huggingface" as const, model: "local/lexical", endpointUrl: `${base}/lexical` };
    try {
      const index = await openDocsIndex({ uri: path.join(directory, "index"), embedder });
      expect(await index.ingest([docs])).toMatchObject({ files: 2, chunks: 2 });
      const [best] = await index.search("bank conflicts swizzle", { mode: "vector", limit: 1 });
      expect(best?.chunk.section).toBe("Swizzle");
      expect(await index.stats()).toMatchObject({ embedder: "huggingface:local/lexical", dimensions: 48 });
      await index.close();
      const error = await openDocsIndex({ uri: path.join(directory, "index") }).catch(
        (caught: unknown) => caught,
      );
      expect((error as KernelForgeError).code).toBe("docs_index_embedder_mismatch");
      expect((error as Error).message).toMatch(
        /huggingface:local\/lexical \(48 dimensions\), not offline:lsa-v1/,
      );
      const wrongSize = await openDocsIndex({
        uri: path.join(directory, "index"),
        embedder: { ...embedder, dimensions: 64 },
      }).catch((caught: unknown) => caught);
      expect((wrongSize as KernelForgeError).code).toBe("docs_index_embedder_mismatch");
    } finally {
      rmSync(directory, { recursive: true, force: true });
    }
  });

  it("refuses endpointUrl together with provider", () => {
    expect(
      () => new HuggingFaceEmbedder({ model: "m", endpointUrl: base, provider: "hf-inference" }),
    ).toThrow(/endpointUrl or provider, not both/);
  });
});
