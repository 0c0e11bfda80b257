import { KernelForgeError } from "@kernelforge/core";
import type { Embedder } from "./embedder.js";
import {
  DEFAULT_HASHING_DIMENSIONS,
  embeddingWords,
  HashingEmbedder,
  MAX_EMBEDDING_DIMENSIONS,
  MIN_EMBEDDING_DIMENSIONS,
} from "./hashing.js";
import { randomizedSvd, type SparseColumns } from "./svd.js";

/**
 * Defaults of the latent semantic embedding. Rank, blend and the document-frequency floor were chosen on the
 * dev half of the retrieval query set (odd query ids) by `bench/tune.ts`; the rest are fixed a priori.
 */
export const DEFAULT_LSA_RANK = 64;
export const DEFAULT_LSA_BLEND = 0.25;
export const DEFAULT_LSA_MIN_DOCUMENT_FREQUENCY = 1;
export const DEFAULT_LSA_MAX_TERMS = 50_000;
export const DEFAULT_LSA_SEED = 1;
export const DEFAULT_LSA_POWER_ITERATIONS = 3;
export const MIN_LSA_RANK = 2;
export const MAX_LSA_RANK = 1024;
const LSA_NAME = "offline:lsa-v1";

/** A light English suffix stripper (plural, -ing, -ed, final e): `pipelines`/`pipelined`/`pipelining` → `pipelin`. */
export function lightStem(word: string): string {
  if (word.length <= 3 || /\d/.test(word)) return word;
  let stem = word;
  if (stem.endsWith("ies") && stem.length > 4) stem = `${stem.slice(0, -3)}y`;
  else if (stem.endsWith("sses")) stem = stem.slice(0, -2);
  else if (stem.endsWith("s") && !/(ss|us|is)$/.test(stem)) stem = stem.slice(0, -1);
  if (stem.endsWith("ing") && stem.length > 5) stem = stem.slice(0, -3);
  else if (stem.endsWith("ed") && stem.length > 4) stem = stem.slice(0, -2);
  if (stem.endsWith("e") && stem.length > 4) stem = stem.slice(0, -1);
  return stem;
}

/**
 * Terms of a text for latent semantic analysis, with their counts: the words of `embeddingWords` (identifiers
 * split at `_`, `.`, `::` and case changes, lower-cased, stop words dropped), lightly stemmed, without pure
 * numbers; plus every multi-word identifier whole (`cp_async_wait_group`, `sm_80`), unstemmed.
 */
export function lsaTerms(text: string): Map<string, number> {
  const counts = new Map<string, number>();
  const compounds: string[] = [];
  for (const word of embeddingWords(text, compounds)) {
    if (/^\d+$/.test(word)) continue;
    const term = lightStem(word);
    counts.set(term, (counts.get(term) ?? 0) + 1);
  }
  for (const compound of compounds) {
    const term = `${compound}`;
    counts.set(term, (counts.get(term) ?? 0) + 1);
  }
  return counts;
}

/** A fitted latent semantic model: what is stored with an index so that queries embed as its chunks did. */
export interface LsaModel {
  /** Vocabulary, sorted. */
  terms: string[];
  /** Smoothed inverse document frequency of each term: ln((1 + N) / (1 + df)) + 1. */
  idf: Float64Array;
  /** Term projection U_k (rows = terms, `rank` columns, row-major); columns beyond the fitted rank are 0. */
  projection: Float32Array;
  /** Width of `projection` (the embedder's rank). */
  rank: number;
  /** Singular values actually found (at most `rank`; fewer on a small corpus). */
  singularValues: number[];
  /** Documents (chunks) it was fitted on. */
  documents: number;
}

export interface LsaEmbedderOptions {
  /** Latent dimensions (k of the truncated SVD). Default 64. */
  rank?: number;
  /**
   * Weight of the latent part in the cosine; the rest goes to the hashing embedding (word forms, identifiers,
   * subwords): cos = blend · cos_lsa + (1 − blend) · cos_hashing. Default 0.25. 1 = latent only.
   */
  blend?: number;
  /** Dimensions of the hashing part. Default 384. */
  hashingDimensions?: number;
  /** Terms found in fewer chunks are left out of the model. Default 1 (all). */
  minDocumentFrequency?: number;
  /** At most this many terms (the most frequent). Default 50 000. */
  maxTerms?: number;
  /** Seed of the randomized SVD. Default 1. */
  seed?: number;
  /** Power iterations of the randomized SVD. Default 3. */
  powerIterations?: number;
}

/** An embedder whose model is learned from the indexed corpus: the index fits it and stores its model. */
export interface CorpusEmbedder extends Embedder {
  readonly corpusFitted: true;
  /** Learns the model from every chunk text of the index (replaces the previous model). */
  fit(texts: readonly string[], options?: { signal?: AbortSignal }): void;
  /** The current model; undefined before the first fit or load. */
  model(): LsaModel | undefined;
  /** Adopts a stored model (undefined: none, as for an empty index). */
  load(model: LsaModel | undefined): void;
}

export function isCorpusEmbedder(embedder: Embedder): embedder is CorpusEmbedder {
  return (embedder as Partial<CorpusEmbedder>).corpusFitted === true;
}

/**
 * The default offline embedding: latent semantic analysis (Deerwester et al., 1990) learned from the ingested
 * chunks themselves, blended with the hashing embedding. No network, no pre-trained weights.
 *
 * Fitting: a TF-IDF term × chunk matrix (sublinear tf 1 + ln count, smoothed idf, each chunk's column
 * L2-normalized; terms from `lsaTerms`, those in at least `minDocumentFrequency` chunks, at most `maxTerms`)
 * and its truncated SVD A ≈ U_k Σ_k V_kᵀ (randomized, seeded, see `randomizedSvd`). Words that occur in the
 * same chunks, or in chunks sharing other words, get nearby rows in U_k: this is what lets "GEMM" reach
 * "matrix multiply" when the corpus uses both around the same topics.
 *
 * Embedding (chunks and queries alike): the text's TF-IDF vector x (same weights, L2-normalized) folded in as
 * xᵀU_k, L2-normalized. For a chunk of the fitted corpus this is its row of V_k Σ_k; the cosine of two such
 * vectors is the cosine of the texts' rank-k reconstructions U_k U_kᵀ x, so queries and chunks are compared in
 * one space. (Scaling by Σ_k⁻¹ instead would give the weakest, noisiest latent directions as much weight as the
 * main ones.) The latent vector (scaled by √blend) is concatenated with the hashing vector (scaled by
 * √(1 − blend)), which keeps exact word forms and identifiers; the result has unit length, `rank +
 * hashingDimensions` components. Before any fit (an empty index) the latent part is zero.
 */
export class LsaEmbedder implements CorpusEmbedder {
  readonly corpusFitted = true as const;
  readonly name: string;
  readonly dimensions: number;
  readonly batchSize = 256;
  readonly rank: number;
  readonly blend: number;
  readonly #hashing: HashingEmbedder;
  readonly #minDocumentFrequency: number;
  readonly #maxTerms: number;
  readonly #seed: number;
  readonly #powerIterations: number;
  #model: LsaModel | undefined;
  #index = new Map<string, number>();

  constructor(options: LsaEmbedderOptions = {}) {
    const rank = options.rank ?? DEFAULT_LSA_RANK;
    if (!Number.isInteger(rank) || rank < MIN_LSA_RANK || rank > MAX_LSA_RANK) {
      throw new KernelForgeError("docs_invalid_option", `Invalid embedder rank: ${rank}`, {
        hint: `Use an integer from ${MIN_LSA_RANK} to ${MAX_LSA_RANK} (default ${DEFAULT_LSA_RANK}).`,
      });
    }
    const blend = options.blend ?? DEFAULT_LSA_BLEND;
    if (!(blend >= 0 && blend <= 1)) {
      throw new KernelForgeError("docs_invalid_option", `Invalid embedder blend: ${blend}`, {
        hint: "Use a number from 0 to 1.",
      });
    }
    const hashingDimensions = options.hashingDimensions ?? DEFAULT_HASHING_DIMENSIONS;
    this.#hashing = new HashingEmbedder({ dimensions: hashingDimensions });
    if (
      rank + hashingDimensions > MAX_EMBEDDING_DIMENSIONS ||
      rank + hashingDimensions < MIN_EMBEDDING_DIMENSIONS
    ) {
      throw new KernelForgeError(
        "docs_invalid_option",
        `Invalid embedder size: ${rank} + ${hashingDimensions}`,
        {
          hint: `rank + hashing dimensions must be at most ${MAX_EMBEDDING_DIMENSIONS}.`,
        },
      );
    }
    this.rank = rank;
    this.blend = blend;
    this.dimensions = rank + hashingDimensions;
    this.#minDocumentFrequency = Math.max(
      1,
      Math.floor(options.minDocumentFrequency ?? DEFAULT_LSA_MIN_DOCUMENT_FREQUENCY),
    );
    this.#maxTerms = Math.max(1, Math.floor(options.maxTerms ?? DEFAULT_LSA_MAX_TERMS));
    this.#seed = options.seed ?? DEFAULT_LSA_SEED;
    this.#powerIterations = options.powerIterations ?? DEFAULT_LSA_POWER_ITERATIONS;
    // Settings that change the vectors of a given rank are part of the name (defaults give the plain name).
    const variant = [
      blend === DEFAULT_LSA_BLEND ? "" : `blend=${blend}`,
      this.#minDocumentFrequency === DEFAULT_LSA_MIN_DOCUMENT_FREQUENCY
        ? ""
        : `minDf=${this.#minDocumentFrequency}`,
      this.#maxTerms === DEFAULT_LSA_MAX_TERMS ? "" : `maxTerms=${this.#maxTerms}`,
      this.#seed === DEFAULT_LSA_SEED ? "" : `seed=${this.#seed}`,
      this.#powerIterations === DEFAULT_LSA_POWER_ITERATIONS ? "" : `q=${this.#powerIterations}`,
    ].filter((part) => part !== "");
    this.name = variant.length === 0 ? LSA_NAME : `${LSA_NAME}(${variant.join(",")})`;
  }

  model(): LsaModel | undefined {
    return this.#model;
  }

  load(model: LsaModel | undefined): void {
    if (
      model !== undefined &&
      (model.rank !== this.rank || model.projection.length !== model.terms.length * model.rank)
    ) {
      throw new KernelForgeError(
        "docs_index_corrupt",
        `The stored latent semantic model has rank ${model.rank} (${model.terms.length} terms, ${model.projection.length} weights); this embedder has rank ${this.rank}`,
        { hint: "Rebuild the index (kforge docs ingest --rebuild …) and ingest again." },
      );
    }
    this.#model = model;
    this.#index = new Map(model?.terms.map((term, index) => [term, index]) ?? []);
  }

  fit(texts: readonly string[], options: { signal?: AbortSignal } = {}): void {
    const documents = texts.map((text) => lsaTerms(text));
    const frequency = new Map<string, number>();
    for (const counts of documents)
      for (const term of counts.keys()) frequency.set(term, (frequency.get(term) ?? 0) + 1);
    let vocabulary = [...frequency].filter(([, df]) => df >= this.#minDocumentFrequency);
    if (vocabulary.length > this.#maxTerms) {
      vocabulary.sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1));
      vocabulary = vocabulary.slice(0, this.#maxTerms);
    }
    const terms = vocabulary.map(([term]) => term).sort();
    const index = new Map(terms.map((term, position) => [term, position]));
    const count = documents.length;
    const idf = new Float64Array(terms.length);
    terms.forEach((term, position) => {
      idf[position] = Math.log((1 + count) / (1 + frequency.get(term)!)) + 1;
    });
    // The TF-IDF matrix, one L2-normalized column per chunk.
    const columnStart = new Int32Array(count + 1);
    const rowIndex: number[] = [];
    const values: number[] = [];
    documents.forEach((counts, column) => {
      const entries: [number, number][] = [];
      for (const [term, occurrences] of counts) {
        const row = index.get(term);
        if (row !== undefined) entries.push([row, (1 + Math.log(occurrences)) * idf[row]!]);
      }
      entries.sort((a, b) => a[0] - b[0]);
      const norm = Math.sqrt(entries.reduce((sum, [, value]) => sum + value * value, 0));
      for (const [row, value] of entries) {
        rowIndex.push(row);
        values.push(value / norm);
      }
      columnStart[column + 1] = rowIndex.length;
    });
    const matrix: SparseColumns = {
      rows: terms.length,
      columns: count,
      columnStart,
      rowIndex: Int32Array.from(rowIndex),
      values: Float64Array.from(values),
    };
    const svd = randomizedSvd(matrix, this.rank, {
      seed: this.#seed,
      powerIterations: this.#powerIterations,
      ...(options.signal === undefined ? {} : { signal: options.signal }),
    });
    const projection = new Float32Array(terms.length * this.rank);
    for (let row = 0; row < terms.length; row++) {
      for (let c = 0; c < svd.rank; c++) projection[row * this.rank + c] = svd.u[row * svd.rank + c]!;
    }
    this.load({
      terms,
      idf,
      projection,
      rank: this.rank,
      singularValues: Array.from(svd.singularValues),
      documents: count,
    });
  }

  async embed(texts: readonly string[], options: { signal?: AbortSignal } = {}): Promise<Float32Array[]> {
    const out: Float32Array[] = [];
    for (const text of texts) {
      options.signal?.throwIfAborted();
      out.push(this.embedOne(text));
    }
    return out;
  }

  /** The latent part alone (unit length, or zero when no term of the text is in the model). */
  latentVector(text: string): Float64Array {
    const latent = new Float64Array(this.rank);
    const model = this.#model;
    if (model === undefined) return latent;
    let norm = 0;
    const weights: [number, number][] = [];
    for (const [term, occurrences] of lsaTerms(text)) {
      const row = this.#index.get(term);
      if (row === undefined) continue;
      const weight = (1 + Math.log(occurrences)) * model.idf[row]!;
      weights.push([row, weight]);
      norm += weight * weight;
    }
    if (norm === 0) return latent;
    for (const [row, weight] of weights) {
      const base = row * this.rank;
      for (let c = 0; c < this.rank; c++) latent[c]! += weight * model.projection[base + c]!;
    }
    let squared = 0;
    for (const value of latent) squared += value * value;
    if (squared > 0) {
      const scale = 1 / Math.sqrt(squared);
      for (let c = 0; c < this.rank; c++) latent[c]! *= scale;
    }
    return latent;
  }

  /** The vector of one text (synchronous). */
  embedOne(text: string): Float32Array {
    const latent = this.latentVector(text);
    const hashed = this.#hashing.embedOne(text);
    const vector = new Float32Array(this.dimensions);
    const latentScale = Math.sqrt(this.blend);
    const hashedScale = Math.sqrt(1 - this.blend);
    let squared = 0;
    for (let c = 0; c < this.rank; c++) {
      vector[c] = latentScale * latent[c]!;
      squared += vector[c]! * vector[c]!;
    }
    for (let c = 0; c < hashed.length; c++) {
      vector[this.rank + c] = hashedScale * hashed[c]!;
      squared += vector[this.rank + c]! * vector[this.rank + c]!;
    }
    if (squared === 0) {
      vector[this.rank] = 1; // blend 1 and no known term: a fixed unit vector keeps cosines defined
      return vector;
    }
    const scale = 1 / Math.sqrt(squared);
    for (let c = 0; c < vector.length; c++) vector[c]! *= scale;
    return vector;
  }
}
