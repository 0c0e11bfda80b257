import { z } from "zod";
import {
  DEFAULT_HASHING_DIMENSIONS,
  MAX_EMBEDDING_DIMENSIONS,
  MIN_EMBEDDING_DIMENSIONS,
} from "./embedding/hashing.js";
import { DEFAULT_LSA_RANK, MAX_LSA_RANK, MIN_LSA_RANK } from "./embedding/lsa.js";

export const PLUGIN_NAME = "@kernelforge/plugin-lancedb-retriever";
/** Name of the Retriever this plugin binds, and of the retriever on the passages it returns. */
export const RETRIEVER_NAME = "lancedb-docs";
/** Where the index lives unless `uri` says otherwise (relative to the working directory). */
export const DEFAULT_INDEX_URI = ".kforge/docs";

const dimensionsSchema = z
  .number({ error: "expected an integer number of dimensions" })
  .int({ error: "expected an integer number of dimensions" })
  .min(MIN_EMBEDDING_DIMENSIONS, { error: `must be at least ${MIN_EMBEDDING_DIMENSIONS}` })
  .max(MAX_EMBEDDING_DIMENSIONS, { error: `must be at most ${MAX_EMBEDDING_DIMENSIONS}` });

export const offlineEmbedderSchema = z
  .object({
    kind: z.literal("offline"),
    /** Latent dimensions; default 64. */
    rank: z
      .number({ error: "expected an integer rank" })
      .int({ error: "expected an integer rank" })
      .min(MIN_LSA_RANK, { error: `must be at least ${MIN_LSA_RANK}` })
      .max(MAX_LSA_RANK, { error: `must be at most ${MAX_LSA_RANK}` })
      .optional(),
  })
  .strict();

export const hashingEmbedderSchema = z
  .object({
    kind: z.literal("hashing"),
    /** Default 384. */
    dimensions: dimensionsSchema.optional(),
  })
  .strict();

export const huggingFaceEmbedderSchema = z
  .object({
    kind: z.literal("huggingface"),
    model: z.string({ error: "expected a model id such as BAAI/bge-small-en-v1.5" }).min(1, {
      error: "expected a model id such as BAAI/bge-small-en-v1.5",
    }),
    endpointUrl: z
      .string()
      .regex(/^https?:\/\/\S+$/, { error: "expected an http:// or https:// URL" })
      .optional(),
    provider: z.string().min(1).optional(),
    accessToken: z.string().min(1).optional(),
    dimensions: dimensionsSchema.optional(),
  })
  .strict()
  .refine((options) => options.endpointUrl === undefined || options.provider === undefined, {
    error: "give endpointUrl or provider, not both (an endpoint URL is called directly)",
    path: ["provider"],
  });

/** How chunks and queries are embedded: offline (default), hashing, or by a Hugging Face model. */
export const embedderOptionsSchema = z.discriminatedUnion(
  "kind",
  [offlineEmbedderSchema, hashingEmbedderSchema, huggingFaceEmbedderSchema],
  {
    error:
      'expected an embedder: { kind: "offline" }, { kind: "hashing" } or { kind: "huggingface", model: "…" }',
  },
);

/**
 * How chunks and queries are embedded. `offline` (default): latent semantic analysis learned from the
 * indexed chunks, blended with the hashing embedding (see `LsaEmbedder`). `hashing`: the lexical/subword
 * hashing embedding alone (see `HashingEmbedder`). `huggingface`: a model called through
 * `@huggingface/inference`.
 */
export type EmbedderOptions =
  | { kind: "offline"; rank?: number }
  | { kind: "hashing"; dimensions?: number }
  | {
      kind: "huggingface";
      model: string;
      endpointUrl?: string;
      provider?: string;
      /** Default: the environment's HF_TOKEN. */
      accessToken?: string;
      dimensions?: number;
    };

export const searchModeSchema = z.enum(["hybrid", "fts", "vector"], {
  error: "expected hybrid, fts or vector",
});
export type SearchMode = z.infer<typeof searchModeSchema>;

/** Options of the plugin: its entry's `options` in kforge.config.ts. */
export const lanceDbRetrieverOptionsSchema = z
  .object({
    /** The docs index: a directory (relative to the working directory) or a LanceDB URI. */
    uri: z.string().min(1, { error: "expected a directory or a LanceDB URI" }).default(DEFAULT_INDEX_URI),
    embedder: embedderOptionsSchema.default({ kind: "offline" }),
    mode: searchModeSchema.default("hybrid"),
    /** Default restriction to source path prefixes (a query's own filter replaces it). */
    sources: z.array(z.string().min(1, { error: "expected a non-empty path prefix" })).optional(),
    /** Default restriction to chunks with any of these tags (a query's own filter replaces it). */
    tags: z.array(z.string().min(1, { error: "expected a non-empty tag" })).optional(),
  })
  .strict();

export type LanceDbRetrieverOptions = z.output<typeof lanceDbRetrieverOptionsSchema>;
export type LanceDbRetrieverOptionsInput = z.input<typeof lanceDbRetrieverOptionsSchema>;

export { DEFAULT_HASHING_DIMENSIONS, DEFAULT_LSA_RANK };
