import { InferenceClient } from "@huggingface/inference";
import { describeError, KernelForgeError } from "@kernelforge/core";
import { type Embedder, meanPool, normalizeInPlace } from "./embedder.js";
import { MAX_EMBEDDING_DIMENSIONS, MIN_EMBEDDING_DIMENSIONS } from "./hashing.js";

export interface HuggingFaceEmbedderOptions {
  /** Model id on the Hugging Face Hub (e.g. `BAAI/bge-small-en-v1.5`); with `endpointUrl`, a label. */
  model: string;
  /**
   * URL the requests are posted to, as is: a dedicated Inference Endpoint, or a local text-embeddings-inference
   * server (`http://localhost:8080/embed`, or its root). Not together with `provider`.
   */
  endpointUrl?: string;
  /** Inference provider (`hf-inference`, `auto`…); default: the library's choice (`auto`). */
  provider?: string;
  /** Token sent as `Authorization: Bearer`; default the environment's `HF_TOKEN`. */
  accessToken?: string;
  /** Expected length of the vectors; checked against the first answer. Default: whatever the model returns. */
  dimensions?: number;
  /** Texts per request. Default 32 (text-embeddings-inference's default batch limit). */
  batchSize?: number;
  /** Attempts for an answer 429 or 503 (model loading, rate limit), with backoff. Default 3. */
  attempts?: number;
  /** Replaces `fetch` (tests, proxies). */
  fetch?: typeof fetch;
}

const DEFAULT_BATCH_SIZE = 32;
const DEFAULT_ATTEMPTS = 3;
const RETRY_DELAY_MILLISECONDS = 500;

/**
 * Embeddings from a model served by the Hugging Face inference API (`@huggingface/inference`'s
 * `featureExtraction`): the Hub's providers, a dedicated endpoint, or a local text-embeddings-inference server.
 * Texts are sent in batches; the answer may be one pooled vector per text (`number[][]`; `number[]` for one
 * text) or token vectors (`number[][][]`), which are mean-pooled. Every vector is L2-normalized. HTTP failures,
 * malformed answers and vectors of an unexpected length throw a KernelForgeError naming the model.
 */
export class HuggingFaceEmbedder implements Embedder {
  readonly name: string;
  readonly batchSize: number;
  #dimensions: number | undefined;
  readonly #client: InferenceClient;
  readonly #options: HuggingFaceEmbedderOptions;

  constructor(options: HuggingFaceEmbedderOptions) {
    if (!options.model.trim()) {
      throw new KernelForgeError("docs_invalid_option", "The Hugging Face embedder needs a model", {
        hint: "Set embedder.model, e.g. BAAI/bge-small-en-v1.5.",
      });
    }
    if (options.endpointUrl !== undefined && options.provider !== undefined) {
      throw new KernelForgeError(
        "docs_invalid_option",
        "The Hugging Face embedder takes endpointUrl or provider, not both",
        { hint: "An endpoint URL is called directly; leave provider unset with it." },
      );
    }
    const dimensions = options.dimensions;
    if (
      dimensions !== undefined &&
      (!Number.isInteger(dimensions) ||
        dimensions < MIN_EMBEDDING_DIMENSIONS ||
        dimensions > MAX_EMBEDDING_DIMENSIONS)
    ) {
      throw new KernelForgeError("docs_invalid_option", `Invalid embedder dimensions: ${dimensions}`, {
        hint: `Use an integer from ${MIN_EMBEDDING_DIMENSIONS} to ${MAX_EMBEDDING_DIMENSIONS}, or leave it unset.`,
      });
    }
    this.#options = options;
    this.#dimensions = dimensions;
    this.batchSize = options.batchSize ?? DEFAULT_BATCH_SIZE;
    this.name = `huggingface:${options.model}`;
    const token = options.accessToken ?? process.env.HF_TOKEN;
    this.#client = new InferenceClient(token === "" ? undefined : token);
  }

  get dimensions(): number | undefined {
    return this.#dimensions;
  }

  async embed(texts: readonly string[], options: { signal?: AbortSignal } = {}): Promise<Float32Array[]> {
    const out: Float32Array[] = [];
    for (let start = 0; start < texts.length; start += this.batchSize) {
      options.signal?.throwIfAborted();
      const batch = texts.slice(start, start + this.batchSize);
      const answer = await this.request(batch, options.signal);
      out.push(...this.vectorsOf(answer, batch.length));
    }
    return out;
  }

  private async request(inputs: string[], signal: AbortSignal | undefined): Promise<unknown> {
    const attempts = Math.max(1, this.#options.attempts ?? DEFAULT_ATTEMPTS);
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.#client.featureExtraction(
          {
            model: this.#options.model,
            inputs,
            ...(this.#options.endpointUrl === undefined ? {} : { endpointUrl: this.#options.endpointUrl }),
            ...(this.#options.provider === undefined
              ? {}
              : { provider: this.#options.provider as "hf-inference" }),
          },
          {
            retry_on_error: false,
            ...(signal === undefined ? {} : { signal }),
            ...(this.#options.fetch === undefined ? {} : { fetch: this.#options.fetch }),
          },
        );
      } catch (error) {
        if (signal?.aborted) throw signal.reason;
        const status = httpStatus(error);
        if ((status === 429 || status === 503) && attempt < attempts) {
          await delay(RETRY_DELAY_MILLISECONDS * 2 ** (attempt - 1), signal);
          continue;
        }
        throw this.failure(error, status);
      }
    }
  }

  private failure(error: unknown, status: number | undefined): KernelForgeError {
    const where =
      this.#options.endpointUrl ?? `the Hugging Face inference API (${this.#options.provider ?? "auto"})`;
    const detail = describeError(error);
    const hint =
      status === 401 || status === 403
        ? "Check the access token (embedder.accessToken or HF_TOKEN) and its permission to call inference."
        : status === 404
          ? "Check the model id and the endpoint URL."
          : status === undefined
            ? this.#options.endpointUrl === undefined
              ? "Check the network, the model id and HF_TOKEN; or use the offline embedder."
              : "Is the embedding server running at that URL? Check the URL, or use the offline embedder."
            : "Retry later, or use another provider or the offline embedder.";
    return new KernelForgeError(
      "docs_embedder_failed",
      `Embedding with ${this.name} failed${status === undefined ? "" : ` (HTTP ${status})`} at ${where}: ${detail}`,
      { hint, cause: error },
    );
  }

  /** One unit vector per input from an answer of any of the shapes the API returns. */
  private vectorsOf(answer: unknown, count: number): Float32Array[] {
    let vectors: Float32Array[];
    if (isNumbers(answer)) {
      if (count !== 1) throw this.malformed(`one vector for ${count} texts`);
      vectors = [Float32Array.from(answer)];
    } else if (Array.isArray(answer) && answer.every(isNumbers)) {
      const rows = answer as number[][];
      if (rows.length === count) vectors = rows.map((row) => Float32Array.from(row));
      else if (count === 1 && rows.length > 0) vectors = [meanPool(rows)];
      else throw this.malformed(`${rows.length} vectors for ${count} texts`);
    } else if (
      Array.isArray(answer) &&
      answer.every((item) => Array.isArray(item) && item.every(isNumbers))
    ) {
      const items = answer as number[][][];
      if (items.length !== count) throw this.malformed(`${items.length} token sequences for ${count} texts`);
      if (items.some((tokens) => tokens.length === 0)) throw this.malformed("a text with no token vectors");
      vectors = items.map((tokens) => meanPool(tokens));
    } else {
      throw this.malformed("not an array of numbers, vectors or token vectors");
    }
    for (const vector of vectors) {
      if (vector.length === 0 || !vector.every(Number.isFinite))
        throw this.malformed("an empty or non-finite vector");
      if (this.#dimensions === undefined) this.#dimensions = vector.length;
      if (vector.length !== this.#dimensions) {
        throw new KernelForgeError(
          "docs_embedding_dimensions",
          `${this.name} returned ${vector.length}-dimensional vectors; ${this.#dimensions} were expected`,
          {
            hint: "Set embedder.dimensions to what the model produces, or use the model the index was built with (re-ingest with --rebuild to change it).",
          },
        );
      }
      normalizeInPlace(vector);
    }
    return vectors;
  }

  private malformed(detail: string): KernelForgeError {
    return new KernelForgeError(
      "docs_embedder_failed",
      `Embedding with ${this.name} returned a malformed answer: ${detail}`,
      {
        hint: "Check that the model is a feature-extraction (sentence embedding) model and the endpoint serves it.",
      },
    );
  }
}

function isNumbers(value: unknown): value is number[] {
  return Array.isArray(value) && value.length > 0 && value.every((item) => typeof item === "number");
}

function httpStatus(error: unknown): number | undefined {
  const response = (error as { httpResponse?: { status?: unknown } } | undefined)?.httpResponse;
  return typeof response?.status === "number" ? response.status : undefined;
}

function delay(milliseconds: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(resolve, milliseconds);
    signal?.addEventListener(
      "abort",
      () => {
        clearTimeout(timer);
        reject(signal.reason);
      },
      { once: true },
    );
  });
}
