import { createHash } from "node:crypto";
import { existsSync } from "node:fs";
import { mkdir, rm, stat } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import {
  type DocChunk,
  DurableDirectory,
  describeError,
  KernelForgeError,
  type RetrievedPassage,
  syncPath,
} from "@kernelforge/core";
import type { Connection, Index, Table } from "@lancedb/lancedb";
import type { Schema } from "apache-arrow";
import {
  type ChunkingOptions,
  chunkDocument,
  type FileKind,
  type ResolvedChunkingOptions,
  resolveChunkingOptions,
} from "../chunking/index.js";
import {
  type CorpusEmbedder,
  createEmbedder,
  type Embedder,
  HASHING_EMBEDDER_NAME,
  isCorpusEmbedder,
  type LsaModel,
  withStoredSize,
} from "../embedding/index.js";
import { type EmbedderOptions, RETRIEVER_NAME, type SearchMode } from "../options.js";
import { sourcePrefix } from "../paths.js";
import { reciprocalRankFusion } from "../search/rrf.js";
import { readTextFile, type ScannedFile, scanPaths } from "./scan.js";
import {
  CHUNK_COLUMNS,
  CHUNK_ROW_COLUMNS,
  CHUNKS_TABLE,
  chunksSchema,
  DIMENSIONS_KEY,
  DOCS_LAYOUT_VERSION,
  EMBEDDER_KEY,
  FILES_TABLE,
  filesSchema,
  LAYOUT_KEY,
  MODEL_KEY,
  MODEL_TABLE,
  type ModelMetadata,
  modelSchema,
} from "./schema.js";
import { batches, inList, searchFilter } from "./sql.js";

export interface DocsIndexOptions {
  /** A directory (relative paths are resolved from the working directory), `file://…`, or a LanceDB URI. */
  uri: string;
  /** Default: the offline (latent semantic) embedder. Also accepts an `Embedder` object. */
  embedder?: EmbedderOptions | Embedder;
  chunking?: ChunkingOptions;
  /**
   * Open for searching only: nothing is created, a missing index searches as empty, `ingest` throws.
   * Default false.
   */
  readOnly?: boolean;
  /**
   * Start over: the index's tables (chunks, files, and the offline embedder's model) are deleted (even when
   * damaged) and created anew, for another embedder or after corruption. Only these tables are touched.
   * Default false.
   */
  rebuild?: boolean;
}

export interface IngestProgress {
  phase: "scan" | "chunk" | "embed" | "write";
  file?: string;
  done: number;
  total: number;
}

export interface IngestReport {
  /**
   * Chunks whose vectors were recomputed because the offline embedder's model was fitted again on the whole
   * index (0 with other embedders, or when nothing changed).
   */
  reembedded?: number;
  /** Files read and chunked (new or changed). */
  files: number;
  /** Files unchanged since they were last ingested. */
  skipped: number;
  /** Files that disappeared from an ingested directory, dropped with their chunks. */
  removed: number;
  /** Chunks written. */
  chunks: number;
  /** Files (or directories) that could not be ingested, with why; the others were. */
  failed: { path: string; reason: string }[];
  durationMilliseconds: number;
  /** `chunks` over the whole duration of the ingest. */
  chunksPerSecond: number;
}

export interface IngestOptions {
  signal?: AbortSignal;
  onProgress?: (progress: IngestProgress) => void;
  /** Tags added to every chunk of these files (besides the file kind: markdown, text, html, header). */
  tags?: string[];
}

export interface SearchOptions {
  /** Most passages returned. Default 10. */
  limit?: number;
  /** Default hybrid. */
  mode?: SearchMode;
  /** Source path prefixes (resolved like ingested paths); a chunk matches any of them. */
  sources?: string[];
  /** A chunk matches when it has any of these tags. */
  tags?: string[];
  /** k of the reciprocal-rank fusion in hybrid mode. Default 10 (`DEFAULT_HYBRID_RRF_K`). */
  rrfK?: number;
  signal?: AbortSignal;
}

export interface DocsIndexStats {
  files: number;
  chunks: number;
  embedder: string;
  dimensions: number;
}

export interface DocsIndex {
  readonly location: string;
  ingest(paths: string[], options?: IngestOptions): Promise<IngestReport>;
  search(query: string, options?: SearchOptions): Promise<RetrievedPassage[]>;
  stats(): Promise<DocsIndexStats>;
  close(): Promise<void>;
}

/**
 * k of the reciprocal-rank fusion in hybrid search unless a search sets `rrfK`: chosen on the dev half of the
 * retrieval query set by `bench/tune.ts`, together with the offline embedder's parameters (k = 10, 30 and 60
 * scored within 0.001 of each other there).
 */
export const DEFAULT_HYBRID_RRF_K = 10;

/** Default number of passages a search returns. */
export const DEFAULT_SEARCH_LIMIT = 10;
const MAX_SEARCH_LIMIT = 1000;
/** Candidates taken from each list before fusion: enough that a chunk ranked well by one list is seen. */
const HYBRID_CANDIDATES = 50;
const WRITE_BATCH_ROWS = 2048;
const SQL_LIST_SIZE = 200;
const EMBED_PROGRESS_EVERY = 256;

/** The full-text index on `ftsText`: BM25 over English-stemmed, lower-cased words, stop words removed. */
async function ftsIndex(): Promise<Index> {
  const { Index } = await import("@lancedb/lancedb");
  return Index.fts({
    baseTokenizer: "simple",
    language: "English",
    stem: true,
    lowercase: true,
    removeStopWords: true,
    asciiFolding: true,
    withPosition: false,
  });
}

const URI_PATTERN = /^[A-Za-z][A-Za-z0-9+.-]*:\/\//;

type Location = { kind: "local"; directory: string } | { kind: "remote"; uri: string };

function resolveLocation(uri: string): Location {
  if (uri.startsWith("file://")) return { kind: "local", directory: fileURLToPath(uri) };
  if (URI_PATTERN.test(uri)) return { kind: "remote", uri };
  return { kind: "local", directory: path.resolve(process.cwd(), uri) };
}

interface ChunkRow {
  id: string;
  source: string;
  file: string;
  fileVersion: string;
  kind: string;
  section: string | null;
  lineStart: number;
  lineEnd: number;
  text: string;
  ftsText: string;
  tags: string[];
  vector: Float32Array;
}

interface FileRow {
  path: string;
  source: string;
  kind: string;
  size: number;
  mtimeMs: number;
  contentHash: string;
  version: string;
  chunking: string;
  tags: string[];
  chunks: number;
  ingestedAt: string;
}

function sha256(...parts: (string | Buffer)[]): string {
  const hash = createHash("sha256");
  for (const [index, part] of parts.entries()) {
    if (index > 0) hash.update("\u0000");
    hash.update(part);
  }
  return hash.digest("hex");
}

/** Sorted, without duplicates. */
function uniqueSorted(values: Iterable<string>): string[] {
  return [...new Set(values)].sort();
}

function sameList(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((value, index) => value === b[index]);
}

function toStrings(value: unknown): string[] {
  if (value === null || value === undefined) return [];
  return Array.from(value as Iterable<unknown>, (item) => String(item));
}

/** Identifies the chunk set a corpus model was fitted on: its embedder and its chunks' ids. */
function modelFingerprint(embedder: Embedder, ids: readonly string[]): string {
  return sha256(embedder.name, [...ids].sort().join("\n"));
}

/** A chunk row read back from the table (every column but the vector). */
function chunkRowOf(row: Record<string, unknown>): Omit<ChunkRow, "vector"> {
  const section = row.section;
  return {
    id: String(row.id),
    source: String(row.source),
    file: String(row.file),
    fileVersion: String(row.fileVersion),
    kind: String(row.kind),
    section: section === null || section === undefined ? null : String(section),
    lineStart: Number(row.lineStart),
    lineEnd: Number(row.lineEnd),
    text: String(row.text),
    ftsText: String(row.ftsText),
    tags: toStrings(row.tags),
  };
}

/**
 * Reads the stored model of a corpus embedder: undefined when there is none or it belongs to another
 * embedder (the next ingest fits one). A table that cannot be read is reported as damaged.
 */
async function readModel(
  connection: Connection,
  embedder: CorpusEmbedder,
  location: string,
  directory: string | undefined,
): Promise<{ model: LsaModel; fingerprint: string } | undefined> {
  const { table, schema } = await openTable(connection, MODEL_TABLE, location, directory);
  try {
    if (schema.metadata.get(EMBEDDER_KEY) !== embedder.name) return undefined;
    const metadata = JSON.parse(schema.metadata.get(MODEL_KEY) ?? "null") as ModelMetadata | null;
    if (metadata === null || typeof metadata.fingerprint !== "string") return undefined;
    const data = await table.query().toArrow();
    const rank = metadata.rank;
    const terms: string[] = [];
    const idfs: number[] = [];
    const vectors: Float32Array[] = [];
    for (const batch of data.batches) {
      const termColumn = batch.getChild("term")!;
      const idfColumn = batch.getChild("idf")!;
      const vectorColumn = batch.getChild("vector")!;
      for (let row = 0; row < batch.numRows; row++) {
        terms.push(String(termColumn.get(row)));
        idfs.push(Number(idfColumn.get(row)));
        vectors.push(Float32Array.from(vectorColumn.get(row) as Iterable<number>));
      }
    }
    // Rows may come back in any order: the vocabulary is sorted.
    const order = terms.map((_, index) => index).sort((a, b) => (terms[a]! < terms[b]! ? -1 : 1));
    const projection = new Float32Array(terms.length * rank);
    const idf = new Float64Array(terms.length);
    order.forEach((from, to) => {
      idf[to] = idfs[from]!;
      projection.set(vectors[from]!, to * rank);
    });
    const model: LsaModel = {
      terms: order.map((index) => terms[index]!),
      idf,
      projection,
      rank,
      singularValues: metadata.singularValues,
      documents: metadata.documents,
    };
    return { model, fingerprint: metadata.fingerprint };
  } catch (error) {
    throw new KernelForgeError(
      "docs_index_corrupt",
      `The ${MODEL_TABLE} table of the docs index cannot be read: ${directory === undefined ? location : tableDirectory(directory, MODEL_TABLE)}: ${describeError(error)}`,
      {
        hint: `Rebuild the index (kforge docs ingest --rebuild …, or delete ${location}) and ingest again.`,
        cause: error,
      },
    );
  } finally {
    table.close();
  }
}

function isEmbedder(value: unknown): value is Embedder {
  return typeof value === "object" && value !== null && typeof (value as Embedder).embed === "function";
}

function checkTags(tags: readonly string[] | undefined, what: string): string[] {
  if (tags === undefined) return [];
  if (!Array.isArray(tags) || tags.some((tag) => typeof tag !== "string" || tag.trim() === "")) {
    throw new KernelForgeError("docs_invalid_option", `Invalid ${what}: ${JSON.stringify(tags)}`, {
      hint: "Tags are non-empty strings.",
    });
  }
  return tags.map((tag) => tag.trim());
}

/**
 * Documentation in LanceDB: a `chunks` table (text, metadata, vector; a BM25 full-text index on section and
 * text), a `files` table (what was ingested, for incremental re-ingestion) and, for an embedder learned from
 * the corpus (the offline one), a `model` table. Ingests are queued and run one at a time; searches wait for
 * the ingests queued before them.
 */
class LanceDocsIndex implements DocsIndex {
  readonly location: string;
  #queue: Promise<void> = Promise.resolve();
  #closing: Promise<void> | undefined;
  #chunks: Table | undefined;
  #files: Table | undefined;
  #dimensions: number | undefined;
  #connection: Connection | undefined;
  /** Fingerprint of the stored latent semantic model (offline embedder); undefined when there is none. */
  #modelFingerprint: string | undefined;

  constructor(
    location: string,
    private readonly connection: Connection | undefined,
    tables: { chunks?: Table; files?: Table },
    private readonly embedder: Embedder,
    dimensions: number | undefined,
    private readonly chunking: ResolvedChunkingOptions,
    private readonly durable: DurableDirectory | undefined,
    private readonly readOnly: boolean,
  ) {
    this.location = location;
    this.#chunks = tables.chunks;
    this.#files = tables.files;
    this.#dimensions = dimensions;
    this.#connection = connection;
  }

  /** Records the fingerprint of the model loaded with the index. */
  setModelFingerprint(fingerprint: string | undefined): void {
    this.#modelFingerprint = fingerprint;
  }

  /** Settings that change chunk boundaries: a file ingested with others is chunked again. */
  private get chunkingSignature(): string {
    return `v1:${this.chunking.maxCharacters}:${this.chunking.overlapCharacters}`;
  }

  ingest(paths: string[], options: IngestOptions = {}): Promise<IngestReport> {
    this.ensureOpen();
    if (this.readOnly || this.#chunks === undefined || this.#files === undefined) {
      return Promise.reject(
        new KernelForgeError(
          "docs_index_read_only",
          `The docs index at ${this.location} was opened read-only`,
          {
            hint: "Open it without readOnly to ingest.",
          },
        ),
      );
    }
    const run = this.#queue.then(() => this.runIngest(paths, options));
    this.#queue = run.then(
      () => undefined,
      () => undefined,
    );
    return run;
  }

  private async runIngest(paths: string[], options: IngestOptions): Promise<IngestReport> {
    const started = performance.now();
    const chunks = this.#chunks!;
    const files = this.#files!;
    const signal = options.signal;
    const progress = options.onProgress ?? (() => {});
    const extraTags = checkTags(options.tags, "tags");
    signal?.throwIfAborted();
    const cwd = process.cwd();
    const scan = await scanPaths(paths ?? [], cwd, (root, index) =>
      progress({ phase: "scan", file: root, done: index + 1, total: paths.length }),
    );
    const failed = [...scan.failed];
    const known = new Map<string, FileRow>();
    for (const row of await this.guard("read the files table", () => files.query().toArray())) {
      known.set(String(row.path), {
        path: String(row.path),
        source: String(row.source),
        kind: String(row.kind),
        size: Number(row.size),
        mtimeMs: Number(row.mtimeMs),
        contentHash: String(row.contentHash),
        version: String(row.version),
        chunking: String(row.chunking),
        tags: toStrings(row.tags),
        chunks: Number(row.chunks),
        ingestedAt: String(row.ingestedAt),
      });
    }
    // Read, compare and chunk.
    const changed: { file: ScannedFile; row: FileRow; chunks: Omit<ChunkRow, "vector">[] }[] = [];
    const touched: FileRow[] = [];
    let skipped = 0;
    for (const [index, file] of scan.files.entries()) {
      signal?.throwIfAborted();
      const tags = uniqueSorted([...extraTags, file.kind]);
      const previous = known.get(file.key);
      const sameSettings =
        previous !== undefined &&
        previous.source === file.source &&
        previous.chunking === this.chunkingSignature &&
        sameList(previous.tags, tags);
      if (sameSettings && previous.size === file.size && previous.mtimeMs === file.mtimeMs) {
        skipped++;
        progress({ phase: "chunk", file: file.source, done: index + 1, total: scan.files.length });
        continue;
      }
      const read = await readTextFile(file.absolute);
      if ("reason" in read) {
        failed.push({ path: file.source, reason: read.reason });
        progress({ phase: "chunk", file: file.source, done: index + 1, total: scan.files.length });
        continue;
      }
      const contentHash = sha256(read.bytes);
      const version = sha256(contentHash, file.source, tags.join("\u0001"), this.chunkingSignature).slice(
        0,
        32,
      );
      const row: FileRow = {
        path: file.key,
        source: file.source,
        kind: file.kind,
        size: file.size,
        mtimeMs: file.mtimeMs,
        contentHash,
        version,
        chunking: this.chunkingSignature,
        tags,
        chunks: 0,
        ingestedAt: new Date().toISOString(),
      };
      if (previous !== undefined && previous.version === version) {
        // Same content, new modification time: remember it, keep the chunks.
        touched.push({ ...row, chunks: previous.chunks, ingestedAt: previous.ingestedAt });
        skipped++;
      } else {
        const rows = this.chunkFile(file, read.text, tags, version);
        row.chunks = rows.length;
        changed.push({ file, row, chunks: rows });
      }
      progress({ phase: "chunk", file: file.source, done: index + 1, total: scan.files.length });
    }
    const found = new Set(scan.files.map((file) => file.key));
    const removed = [...known.keys()].filter(
      (key) => !found.has(key) && scan.directories.some((directory) => key.startsWith(`${directory}/`)),
    );
    const pending = changed.flatMap((entry) => entry.chunks);
    const newVersions = changed.map((entry) => entry.row.version);
    const changedKeys = changed.map((entry) => entry.file.key);
    // A model learned from the corpus (the offline embedder) is fitted again on every chunk the index will
    // hold, whenever that set changes (or the stored model does not match it); every kept chunk is embedded
    // again with it. Unchanged files are not read again: their chunk texts come from the table.
    const corpus = isCorpusEmbedder(this.embedder) ? this.embedder : undefined;
    let kept: Omit<ChunkRow, "vector">[] = [];
    let refit: { fingerprint: string; documents: number } | undefined;
    if (corpus !== undefined) {
      let stale = changed.length > 0 || removed.length > 0;
      if (!stale) {
        const ids = await this.guard("read the chunk ids", () => chunks.query().select(["id"]).toArray());
        stale =
          modelFingerprint(
            corpus,
            ids.map((row) => String(row.id)),
          ) !== this.#modelFingerprint;
      }
      if (stale) {
        const leaving = new Set([...changedKeys, ...removed]);
        const replacing = new Set(newVersions);
        const existing = await this.guard("read the chunks", () =>
          chunks.query().select(CHUNK_ROW_COLUMNS).toArray(),
        );
        kept = existing
          .filter((row) => !leaving.has(String(row.file)) && !replacing.has(String(row.fileVersion)))
          .map(chunkRowOf);
        const corpusRows = [...kept, ...pending].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
        progress({ phase: "embed", done: 0, total: pending.length + kept.length });
        signal?.throwIfAborted();
        corpus.fit(
          corpusRows.map((row) => row.ftsText),
          signal === undefined ? {} : { signal },
        );
        refit = {
          fingerprint: modelFingerprint(
            corpus,
            corpusRows.map((row) => row.id),
          ),
          documents: corpusRows.length,
        };
      }
    }
    // Embed.
    const vectors: Float32Array[] = [];
    const embedBatch = Math.max(1, this.embedder.batchSize);
    for (let start = 0; start < pending.length; start += embedBatch) {
      signal?.throwIfAborted();
      const batch = pending.slice(start, start + embedBatch);
      const embedded = await this.embedder.embed(
        batch.map((chunk) => chunk.ftsText),
        signal === undefined ? {} : { signal },
      );
      for (const vector of embedded) this.checkDimensions(vector);
      vectors.push(...embedded);
      const done = Math.min(pending.length, start + batch.length);
      if (
        done === pending.length ||
        Math.floor(done / EMBED_PROGRESS_EVERY) > Math.floor(start / EMBED_PROGRESS_EVERY)
      ) {
        progress({ phase: "embed", done, total: pending.length });
      }
    }
    const keptVectors: Float32Array[] = [];
    for (let start = 0; start < kept.length; start += embedBatch) {
      signal?.throwIfAborted();
      const embedded = await this.embedder.embed(
        kept.slice(start, start + embedBatch).map((chunk) => chunk.ftsText),
        signal === undefined ? {} : { signal },
      );
      for (const vector of embedded) this.checkDimensions(vector);
      keptVectors.push(...embedded);
    }
    // Write: new chunks first, then drop what they replace, then the kept chunks' new vectors, then record the
    // files, then the model. A failure part way leaves the old chunks searchable; the files table still holds
    // the old versions (or the model's fingerprint no longer matches the chunks), so the next ingest redoes it.
    const wrote =
      pending.length > 0 ||
      changed.length > 0 ||
      removed.length > 0 ||
      touched.length > 0 ||
      refit !== undefined;
    if (wrote) {
      await this.guard(
        "write the chunks",
        async () => {
          for (const group of batches(newVersions, SQL_LIST_SIZE)) {
            await chunks.delete(inList("fileVersion", group)); // left over from an ingest that failed part way
          }
          const rows: ChunkRow[] = pending.map((chunk, index) => ({ ...chunk, vector: vectors[index]! }));
          let written = 0;
          for (const group of batches(rows, WRITE_BATCH_ROWS)) {
            signal?.throwIfAborted();
            await chunks.add(group as unknown as Record<string, unknown>[]);
            written += group.length;
            progress({ phase: "write", done: written, total: rows.length });
          }
          // Last point to stop: the old chunks are still there, next to the new ones.
          signal?.throwIfAborted();
          for (const group of batches(changedKeys, SQL_LIST_SIZE)) {
            const versions = changed
              .filter((entry) => group.includes(entry.file.key))
              .map((entry) => entry.row.version);
            await chunks.delete(`${inList("file", group)} AND NOT ${inList("fileVersion", versions)}`);
          }
          for (const group of batches(removed, SQL_LIST_SIZE)) await chunks.delete(inList("file", group));
          if (kept.length > 0) {
            // One merge per batch, each atomic: a chunk has its old vector or its new one.
            const rows: ChunkRow[] = kept.map((chunk, index) => ({ ...chunk, vector: keptVectors[index]! }));
            for (const group of batches(rows, WRITE_BATCH_ROWS * 4)) {
              await chunks
                .mergeInsert("id")
                .whenMatchedUpdateAll()
                .execute(group as unknown as Record<string, unknown>[]);
            }
          }
          const records = [...changed.map((entry) => entry.row), ...touched];
          for (const group of batches(records, WRITE_BATCH_ROWS)) {
            await files
              .mergeInsert("path")
              .whenMatchedUpdateAll()
              .whenNotMatchedInsertAll()
              .execute(group as unknown as Record<string, unknown>[]);
          }
          for (const group of batches(removed, SQL_LIST_SIZE)) await files.delete(inList("path", group));
        },
        signal,
      );
      if (refit !== undefined && corpus !== undefined) await this.writeModel(corpus, refit);
      if (pending.length > 0 || changed.length > 0 || removed.length > 0 || refit !== undefined) {
        await this.refreshIndexes();
      }
      await this.guard("flush the index to disk", async () => {
        await this.durable?.syncNew();
      });
    }
    const durationMilliseconds = performance.now() - started;
    return {
      files: changed.length,
      skipped,
      removed: removed.length,
      chunks: pending.length,
      ...(corpus === undefined ? {} : { reembedded: kept.length }),
      failed,
      durationMilliseconds,
      chunksPerSecond: durationMilliseconds > 0 ? (pending.length * 1000) / durationMilliseconds : 0,
    };
  }

  /** Replaces the stored model of a corpus embedder by its current one (one atomic overwrite). */
  private async writeModel(
    corpus: CorpusEmbedder,
    refit: { fingerprint: string; documents: number },
  ): Promise<void> {
    const connection = this.#connection!;
    const model = corpus.model();
    const rank = model?.rank ?? 2;
    const metadata: ModelMetadata = {
      fingerprint: refit.fingerprint,
      rank,
      singularValues: model?.singularValues ?? [],
      documents: refit.documents,
      fittedAt: new Date().toISOString(),
    };
    const schema = modelSchema(rank, corpus.name, metadata);
    await this.guard("write the embedding model", async () => {
      // Overwriting is one commit: a reader sees the old model or the new one.
      const mode = (await connection.tableNames()).includes(MODEL_TABLE) ? "overwrite" : "create";
      if (model === undefined || model.terms.length === 0) {
        await connection.createEmptyTable(MODEL_TABLE, schema, { mode });
      } else {
        const rows = model.terms.map((term, index) => ({
          term,
          idf: model.idf[index]!,
          vector: model.projection.subarray(index * rank, (index + 1) * rank),
        }));
        await connection.createTable(MODEL_TABLE, rows, { mode, schema });
      }
    });
    this.#modelFingerprint = refit.fingerprint;
  }

  /** Compacts the tables and rebuilds the full-text index over every chunk. */
  private async refreshIndexes(): Promise<void> {
    const chunks = this.#chunks!;
    await this.guard("compact the tables", async () => {
      await chunks.optimize();
      await this.#files!.optimize();
    });
    await this.guard("rebuild the full-text index", async () => {
      if ((await chunks.countRows()) > 0) {
        await chunks.createIndex("ftsText", { config: await ftsIndex(), replace: true });
      }
    });
  }

  private chunkFile(
    file: ScannedFile,
    text: string,
    tags: string[],
    version: string,
  ): Omit<ChunkRow, "vector">[] {
    const drafts = chunkDocument(file.kind as FileKind, text.replace(/^\uFEFF/, ""), this.chunking);
    const seen = new Set<string>();
    const rows: Omit<ChunkRow, "vector">[] = [];
    for (const draft of drafts) {
      const id = sha256(file.source, String(draft.lineStart), String(draft.lineEnd), draft.text).slice(0, 32);
      if (seen.has(id)) continue;
      seen.add(id);
      rows.push({
        id,
        source: file.source,
        file: file.key,
        fileVersion: version,
        kind: file.kind,
        section: draft.section ?? null,
        lineStart: draft.lineStart,
        lineEnd: draft.lineEnd,
        text: draft.text,
        ftsText: draft.section ? `${draft.section}\n${draft.text}` : draft.text,
        tags,
      });
    }
    return rows;
  }

  private checkDimensions(vector: Float32Array): void {
    if (this.#dimensions !== undefined && vector.length !== this.#dimensions) {
      throw new KernelForgeError(
        "docs_embedding_dimensions",
        `${this.embedder.name} produced ${vector.length}-dimensional vectors, but the docs index at ${this.location} holds ${this.#dimensions}`,
        {
          hint: "Use the embedder the index was built with, or rebuild the index (kforge docs ingest --rebuild).",
        },
      );
    }
  }

  async search(query: string, options: SearchOptions = {}): Promise<RetrievedPassage[]> {
    this.ensureOpen();
    const limit = options.limit ?? DEFAULT_SEARCH_LIMIT;
    if (!Number.isInteger(limit) || limit < 0 || limit > MAX_SEARCH_LIMIT) {
      throw new KernelForgeError("docs_invalid_option", `Invalid search limit: ${limit}`, {
        hint: `Use an integer from 0 to ${MAX_SEARCH_LIMIT}.`,
      });
    }
    const mode = options.mode ?? "hybrid";
    if (mode !== "hybrid" && mode !== "fts" && mode !== "vector") {
      throw new KernelForgeError("docs_invalid_option", `Invalid search mode: ${String(mode)}`, {
        hint: "Use hybrid, fts or vector.",
      });
    }
    const tags = checkTags(options.tags, "tag filter");
    const sources = options.sources?.map((prefix) => sourcePrefix(prefix));
    await this.#queue;
    const text = typeof query === "string" ? query.trim() : "";
    const chunks = this.#chunks;
    if (limit === 0 || text === "" || chunks === undefined) return [];
    options.signal?.throwIfAborted();
    const filter = searchFilter(sources, tags);
    if ((await this.guard("count the chunks", () => chunks.countRows())) === 0) return [];
    const candidates = mode === "hybrid" ? Math.max(HYBRID_CANDIDATES, limit * 2) : limit;
    const lists: { rows: Record<string, unknown>[]; score: (row: Record<string, unknown>) => number }[] = [];
    if (mode !== "vector") {
      const rows = await this.guard("search the full-text index", () => {
        let search = chunks
          .query()
          .fullTextSearch(text, { columns: "ftsText" })
          .select([...CHUNK_COLUMNS, "_score"])
          .limit(candidates);
        if (filter !== undefined) search = search.where(filter);
        return search.toArray();
      });
      lists.push({ rows, score: (row) => Number(row._score) });
    }
    if (mode !== "fts") {
      const [vector] = await this.embedder.embed(
        [text],
        options.signal === undefined ? {} : { signal: options.signal },
      );
      this.checkDimensions(vector!);
      const rows = await this.guard("search the vectors", () => {
        let search = chunks
          .vectorSearch(vector!)
          .distanceType("cosine")
          .select([...CHUNK_COLUMNS, "_distance"])
          .limit(candidates);
        if (filter !== undefined) search = search.where(filter);
        return search.toArray();
      });
      lists.push({ rows, score: (row) => 1 - Number(row._distance) });
    }
    options.signal?.throwIfAborted();
    if (mode !== "hybrid") {
      const [list] = lists;
      return list!.rows.slice(0, limit).map((row) => passage(row, list!.score(row)));
    }
    const fused = reciprocalRankFusion(
      lists.map((list) => list.rows),
      (row) => String(row.id),
      { limit, k: options.rrfK ?? DEFAULT_HYBRID_RRF_K },
    );
    return fused.map((entry) => passage(entry.item, entry.score));
  }

  async stats(): Promise<DocsIndexStats> {
    this.ensureOpen();
    await this.#queue;
    const chunks = this.#chunks;
    const files = this.#files;
    return {
      files: files === undefined ? 0 : await this.guard("count the files", () => files.countRows()),
      chunks: chunks === undefined ? 0 : await this.guard("count the chunks", () => chunks.countRows()),
      embedder: this.embedder.name,
      dimensions: this.#dimensions ?? this.embedder.dimensions ?? 0,
    };
  }

  close(): Promise<void> {
    if (this.#closing === undefined) {
      const pending = this.#queue;
      this.#closing = (async () => {
        await pending;
        this.#chunks?.close();
        this.#files?.close();
        this.connection?.close();
      })();
    }
    return this.#closing;
  }

  private ensureOpen(): void {
    if (this.#closing !== undefined) {
      throw new KernelForgeError("docs_index_closed", `The docs index at ${this.location} is closed`, {
        hint: "Open it again to use it.",
      });
    }
  }

  /** Runs LanceDB work, turning its errors into a KernelForgeError naming the index and the action. */
  private async guard<T>(action: string, work: () => Promise<T>, signal?: AbortSignal): Promise<T> {
    try {
      return await work();
    } catch (error) {
      if (error instanceof KernelForgeError) throw error;
      if (signal?.aborted) throw signal.reason;
      if ((error as Error)?.name === "AbortError") throw error;
      throw new KernelForgeError(
        "docs_index_failed",
        `Could not ${action} of the docs index at ${this.location}: ${describeError(error)}`,
        {
          hint: "If the index is damaged, rebuild it (kforge docs ingest --rebuild …, or delete its directory) and ingest again.",
          cause: error,
        },
      );
    }
  }
}

function passage(row: Record<string, unknown>, score: number): RetrievedPassage {
  const section = row.section;
  const chunk: DocChunk = {
    id: String(row.id),
    source: String(row.source),
    ...(section === null || section === undefined || section === "" ? {} : { section: String(section) }),
    lineStart: Number(row.lineStart),
    lineEnd: Number(row.lineEnd),
    text: String(row.text),
    tags: toStrings(row.tags),
  };
  return { chunk, score, retriever: RETRIEVER_NAME };
}

/** Where a table of a local index lives on disk. */
function tableDirectory(directory: string, name: string): string {
  return path.join(directory, `${name}.lance`);
}

async function openTable(
  connection: Connection,
  name: string,
  location: string,
  directory: string | undefined,
): Promise<{ table: Table; schema: Schema }> {
  const where = directory === undefined ? `${location} (table ${name})` : tableDirectory(directory, name);
  try {
    const table = await connection.openTable(name);
    const schema = await table.schema();
    await table.countRows();
    return { table, schema };
  } catch (error) {
    throw new KernelForgeError(
      "docs_index_corrupt",
      `The ${name} table of the docs index cannot be read: ${where}: ${describeError(error)}`,
      {
        hint: `Its files are damaged or incomplete. Rebuild the index (kforge docs ingest --rebuild …, or delete ${location}) and ingest again.`,
        cause: error,
      },
    );
  }
}

function checkLayout(schema: Schema, name: string, location: string, required: readonly string[]): void {
  const version = Number(schema.metadata.get(LAYOUT_KEY) ?? Number.NaN);
  const fields = new Set(schema.fields.map((field) => field.name));
  const missing = required.filter((field) => !fields.has(field));
  if (!(version >= 1) || missing.length > 0) {
    throw new KernelForgeError(
      "docs_index_schema_mismatch",
      `${location} is not a KernelForge docs index: its ${name} table ${missing.length > 0 ? `lacks ${missing.join(", ")}` : "has no layout version"}`,
      { hint: "Point the docs index at an empty directory or at one KernelForge created." },
    );
  }
  if (version > DOCS_LAYOUT_VERSION) {
    throw new KernelForgeError(
      "docs_index_too_new",
      `The docs index at ${location} was written by a newer version (layout ${version}; this one reads ${DOCS_LAYOUT_VERSION})`,
      { hint: "Upgrade KernelForge, or rebuild the index." },
    );
  }
}

/**
 * Opens the docs index at `options.uri`, creating the directory and its tables when missing (unless
 * `readOnly`). An existing index must have been built with the same embedder (name and dimensions), or a
 * KernelForgeError says which one it was built with. A table that cannot be read is reported as such,
 * naming its directory; nothing is written to the other one.
 */
export async function openDocsIndex(options: DocsIndexOptions): Promise<DocsIndex> {
  if (typeof options?.uri !== "string" || options.uri.trim() === "") {
    throw new KernelForgeError(
      "docs_invalid_option",
      "The docs index needs a uri (a directory or a LanceDB URI)",
      {
        hint: "For example .kforge/docs.",
      },
    );
  }
  const chunking = resolveChunkingOptions(options.chunking);
  const where = resolveLocation(options.uri);
  const location = where.kind === "local" ? where.directory : where.uri;
  const readOnly = options.readOnly === true;
  const embedderOption = options.embedder ?? { kind: "offline" as const };
  let connection: Connection | undefined;
  try {
    let durable: DurableDirectory | undefined;
    if (where.kind === "local") {
      const info = await stat(where.directory).catch(() => undefined);
      if (info !== undefined && !info.isDirectory()) {
        throw new KernelForgeError(
          "docs_index_unavailable",
          `The docs index location ${location} is not a directory`,
          {
            hint: "Choose a directory for the docs index (it is created when missing).",
          },
        );
      }
      if (info === undefined && readOnly) {
        return new LanceDocsIndex(
          location,
          undefined,
          {},
          provisionalEmbedder(embedderOption),
          undefined,
          chunking,
          undefined,
          true,
        );
      }
      if (!readOnly) {
        const created = await mkdir(where.directory, { recursive: true });
        if (options.rebuild === true) {
          for (const name of [CHUNKS_TABLE, FILES_TABLE, MODEL_TABLE]) {
            await rm(tableDirectory(where.directory, name), { recursive: true, force: true });
          }
        }
        durable = new DurableDirectory(where.directory);
        await durable.snapshot();
        if (created !== undefined) await syncPath(path.dirname(created), true);
      }
    }
    // Loaded on first use: its native binding is only needed once an index is opened.
    const { connect } = await import("@lancedb/lancedb");
    connection = await connect(location);
    const names = new Set(await connection.tableNames());
    if (options.rebuild === true && where.kind === "remote" && !readOnly) {
      for (const name of [CHUNKS_TABLE, FILES_TABLE, MODEL_TABLE]) {
        if (names.has(name)) await connection.dropTable(name);
        names.delete(name);
      }
    }
    const exists = (name: string) =>
      names.has(name) || (where.kind === "local" && existsSync(tableDirectory(where.directory, name)));
    const directory = where.kind === "local" ? where.directory : undefined;
    // Open (and check) what exists before creating anything, so a damaged table stops us before any write.
    const opened: { chunks?: { table: Table; schema: Schema }; files?: { table: Table; schema: Schema } } =
      {};
    if (exists(CHUNKS_TABLE)) opened.chunks = await openTable(connection, CHUNKS_TABLE, location, directory);
    if (exists(FILES_TABLE)) opened.files = await openTable(connection, FILES_TABLE, location, directory);
    if (opened.chunks !== undefined) {
      checkLayout(opened.chunks.schema, CHUNKS_TABLE, location, [
        "id",
        "source",
        "file",
        "fileVersion",
        "ftsText",
        "vector",
      ]);
    }
    if (opened.files !== undefined) {
      checkLayout(opened.files.schema, FILES_TABLE, location, ["path", "version", "size", "mtimeMs"]);
    }
    const storedName = opened.chunks?.schema.metadata.get(EMBEDDER_KEY);
    const storedDimensions =
      opened.chunks === undefined ? undefined : Number(opened.chunks.schema.metadata.get(DIMENSIONS_KEY));
    const embedder = isEmbedder(embedderOption)
      ? embedderOption
      : createEmbedder(withStoredSize(embedderOption, storedDimensions));
    if (storedName !== undefined && storedDimensions !== undefined) {
      if (
        storedName !== embedder.name ||
        (embedder.dimensions !== undefined && embedder.dimensions !== storedDimensions)
      ) {
        throw new KernelForgeError(
          "docs_index_embedder_mismatch",
          `The docs index at ${location} was built with the embedder ${storedName} (${storedDimensions} dimensions), not ${embedder.name}${embedder.dimensions === undefined ? "" : ` (${embedder.dimensions} dimensions)`}`,
          {
            hint: `${storedName === HASHING_EMBEDDER_NAME ? 'It was built with the hashing embedder (the offline default before the latent semantic one): set embedder to { kind: "hashing" }' : "Search it with the embedder it was built with"}, or re-ingest with --rebuild (or delete ${location}) to build it with ${embedder.name}.`,
          },
        );
      }
    }
    // The stored model of a corpus embedder, so that queries embed as the chunks were.
    let fingerprint: string | undefined;
    if (isCorpusEmbedder(embedder)) {
      const stored = exists(MODEL_TABLE)
        ? await readModel(connection, embedder, location, directory)
        : undefined;
      embedder.load(stored?.model);
      fingerprint = stored?.fingerprint;
    }
    if (readOnly) {
      const index = new LanceDocsIndex(
        location,
        connection,
        {
          ...(opened.chunks ? { chunks: opened.chunks.table } : {}),
          ...(opened.files ? { files: opened.files.table } : {}),
        },
        embedder,
        storedDimensions,
        chunking,
        undefined,
        true,
      );
      index.setModelFingerprint(fingerprint);
      return index;
    }
    let dimensions = storedDimensions ?? embedder.dimensions;
    if (dimensions === undefined) {
      // A remote model that has not said its dimensions: ask it once.
      const [probe] = await embedder.embed(["dimension probe"]);
      dimensions = probe!.length;
    }
    let filesTable = opened.files?.table;
    const chunksTable =
      opened.chunks?.table ??
      (await connection.createEmptyTable(CHUNKS_TABLE, chunksSchema(dimensions, embedder.name), {
        mode: "create",
      }));
    if (opened.chunks === undefined && filesTable !== undefined) {
      // File records without their chunks would make every file look unchanged: forget them.
      await filesTable.delete("true");
    }
    filesTable ??= await connection.createEmptyTable(FILES_TABLE, filesSchema(), { mode: "create" });
    await durable?.syncNew();
    const index = new LanceDocsIndex(
      location,
      connection,
      { chunks: chunksTable, files: filesTable },
      embedder,
      dimensions,
      chunking,
      durable,
      false,
    );
    index.setModelFingerprint(fingerprint);
    return index;
  } catch (error) {
    connection?.close();
    if (error instanceof KernelForgeError) throw error;
    throw new KernelForgeError(
      "docs_index_unavailable",
      `Cannot open the docs index at ${location}: ${describeError(error)}`,
      {
        hint:
          where.kind === "local"
            ? "Use a directory you can create and write to, or choose another location for the docs index."
            : "Check the URI and the storage credentials, or use a local directory.",
        cause: error,
      },
    );
  }
}

function provisionalEmbedder(option: EmbedderOptions | Embedder): Embedder {
  return isEmbedder(option) ? option : createEmbedder(option);
}
