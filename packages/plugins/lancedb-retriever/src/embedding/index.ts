import type { EmbedderOptions } from "../options.js";
import type { Embedder } from "./embedder.js";
import { DEFAULT_HASHING_DIMENSIONS, HashingEmbedder } from "./hashing.js";
import { HuggingFaceEmbedder } from "./huggingface.js";
import { LsaEmbedder, MAX_LSA_RANK, MIN_LSA_RANK } from "./lsa.js";

export * from "./embedder.js";
export * from "./hashing.js";
export * from "./huggingface.js";
export * from "./lsa.js";
export * from "./svd.js";

/** The embedder described by options (the offline latent semantic one when none are given). */
export function createEmbedder(options: EmbedderOptions = { kind: "offline" }): Embedder {
  if (options.kind === "huggingface") {
    return new HuggingFaceEmbedder({
      model: options.model,
      ...(options.endpointUrl === undefined ? {} : { endpointUrl: options.endpointUrl }),
      ...(options.provider === undefined ? {} : { provider: options.provider }),
      ...(options.accessToken === undefined ? {} : { accessToken: options.accessToken }),
      ...(options.dimensions === undefined ? {} : { dimensions: options.dimensions }),
    });
  }
  if (options.kind === "hashing") {
    return new HashingEmbedder(options.dimensions === undefined ? {} : { dimensions: options.dimensions });
  }
  return new LsaEmbedder(options.rank === undefined ? {} : { rank: options.rank });
}

/**
 * The options with the size of an existing index filled in where they leave it open, so that an index built
 * with a non-default size opens without repeating it: `dimensions` for the hashing and Hugging Face embedders,
 * `rank` (stored dimensions less the hashing part) for the offline one.
 */
export function withStoredSize(
  options: EmbedderOptions,
  storedDimensions: number | undefined,
): EmbedderOptions {
  if (storedDimensions === undefined || !Number.isInteger(storedDimensions)) return options;
  if (options.kind === "offline") {
    const rank = storedDimensions - DEFAULT_HASHING_DIMENSIONS;
    return options.rank === undefined && rank >= MIN_LSA_RANK && rank <= MAX_LSA_RANK
      ? { ...options, rank }
      : options;
  }
  return options.dimensions === undefined ? { ...options, dimensions: storedDimensions } : options;
}
