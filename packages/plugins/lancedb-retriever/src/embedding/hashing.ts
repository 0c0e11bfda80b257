import { hashFeatures, KernelForgeError } from "@kernelforge/core";
import type { Embedder } from "./embedder.js";

/** Dimensions of the hashing embedding unless others are asked for. */
export const DEFAULT_HASHING_DIMENSIONS = 384;
export const MIN_EMBEDDING_DIMENSIONS = 16;
export const MAX_EMBEDDING_DIMENSIONS = 8192;

/** Weights of the feature families (fixed a priori, not fitted to any query set). */
const WORD_WEIGHT = 1;
const COMPOUND_WEIGHT = 1;
const BIGRAM_WEIGHT = 0.6;
const TRIGRAM_WEIGHT = 0.35;

/** English function words, left out of every feature: they match everywhere and mean nothing here. */
const STOP_WORDS = new Set(
  (
    "a about above after again all also am an and any are as at be because been before being below between both " +
    "but by can could did do does doing down during each either few for from further had has have having he her " +
    "here hers him his how i if in into is it its itself just may me might more most must my no nor not of off on " +
    "once only or other our ours out over own same shall she should so some such than that the their theirs them " +
    "then there these they this those through to too under until up upon us very was we were what when where " +
    "which while who whom why will with would you your yours"
  ).split(" "),
);

/**
 * Words of a text for the offline embedding, in order: identifiers and words are split at `_`, `.`, `::`
 * and lower→upper case changes (`cudaMemcpyAsync` → cuda, memcpy, async; `cp.async` → cp, async), lower-cased,
 * English stop words dropped. `compounds` receives each identifier made of several words, whole
 * (`cp.async`, `mma_sync`, `__hmul2` → `hmul2`), so an exact identifier still counts as one feature.
 */
export function embeddingWords(text: string, compounds?: string[]): string[] {
  const words: string[] = [];
  const tokens = text.match(/[A-Za-z0-9_]+(?:(?:\.|::)[A-Za-z0-9_]+)*/g) ?? [];
  for (const token of tokens) {
    const parts = token
      .replace(/([a-z0-9])([A-Z])/g, "$1 $2")
      .toLowerCase()
      .split(/[\s_.:]+/)
      .filter((part) => part.length > 0 && !STOP_WORDS.has(part));
    if (parts.length === 0) continue;
    if (parts.length > 1 && compounds !== undefined) compounds.push(parts.join("_"));
    words.push(...parts);
  }
  return words;
}

/**
 * The hashing embedding (`{ kind: "hashing" }`; also the lexical half of the default offline embedding): no
 * network, no model weights, the same vector for the same text on every machine.
 * A text becomes a bag of features, each weighted by its family and by sublinear term frequency
 * (1 + ln count):
 *
 * - word unigrams (see `embeddingWords`), and whole multi-word identifiers;
 * - word bigrams (adjacent words, so `shared memory` differs from `memory ... shared`);
 * - character trigrams of each word of three letters or more, with boundary marks (`<pi`, `pip`, … `ne>`), so
 *   that forms of one word share most of their features (`pipeline`/`pipelined`/`pipelining`).
 *
 * Features are hashed (32-bit FNV-1a) into `dimensions` buckets with a sign from a second hash, which keeps
 * collisions from adding up in one direction, and the vector is L2-normalized: the cosine of two vectors is
 * then a weighted overlap of their features. It is lexical: it matches words and word forms, not meanings
 * (`GEMM` and `matrix multiply` are unrelated to it), and it has no notion of a word's rarity (no IDF).
 */
export class HashingEmbedder implements Embedder {
  readonly name: string;
  readonly dimensions: number;
  readonly batchSize = 256;

  constructor(options: { dimensions?: number } = {}) {
    const dimensions = options.dimensions ?? DEFAULT_HASHING_DIMENSIONS;
    if (
      !Number.isInteger(dimensions) ||
      dimensions < MIN_EMBEDDING_DIMENSIONS ||
      dimensions > MAX_EMBEDDING_DIMENSIONS
    ) {
      throw new KernelForgeError("docs_invalid_option", `Invalid embedder dimensions: ${dimensions}`, {
        hint: `Use an integer from ${MIN_EMBEDDING_DIMENSIONS} to ${MAX_EMBEDDING_DIMENSIONS} (default ${DEFAULT_HASHING_DIMENSIONS}).`,
      });
    }
    this.dimensions = dimensions;
    this.name = HASHING_EMBEDDER_NAME;
  }

  async embed(texts: readonly string[], options: { signal?: AbortSignal } = {}): Promise<Float32Array[]> {
    const out: Float32Array[] = [];
    for (const text of texts) {
      options.signal?.throwIfAborted();
      out.push(this.embedOne(text));
    }
    return out;
  }

  /** The vector of one text (synchronous). */
  embedOne(text: string): Float32Array {
    const counts = new Map<string, number>();
    const add = (feature: string) => counts.set(feature, (counts.get(feature) ?? 0) + 1);
    const compounds: string[] = [];
    const words = embeddingWords(text, compounds);
    for (let index = 0; index < words.length; index++) {
      const word = words[index]!;
      add(`w\u0001${word}`);
      if (index > 0) add(`b\u0001${words[index - 1]}\u0001${word}`);
      if (word.length >= 3 && !/^\d+$/.test(word)) {
        const marked = `<${word}>`;
        for (let start = 0; start + 3 <= marked.length; start++)
          add(`t\u0001${marked.slice(start, start + 3)}`);
      }
    }
    for (const compound of compounds) add(`c\u0001${compound}`);
    const weights = [...counts].map(([feature, count]) => {
      const family = feature[0];
      const weight =
        family === "w"
          ? WORD_WEIGHT
          : family === "b"
            ? BIGRAM_WEIGHT
            : family === "t"
              ? TRIGRAM_WEIGHT
              : COMPOUND_WEIGHT;
      return [feature, weight * (1 + Math.log(count))] as const;
    });
    const vector = hashFeatures(weights, this.dimensions);
    if (vector) return vector;
    // No features at all: a fixed unit vector, so that cosine distances stay defined.
    const unit = new Float32Array(this.dimensions);
    unit[0] = 1;
    return unit;
  }
}

/** The name the hashing embedder stores with an index. */
export const HASHING_EMBEDDER_NAME = "offline:lexical-hash-v1";
