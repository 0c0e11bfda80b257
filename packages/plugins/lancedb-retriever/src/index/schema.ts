import { Field, FixedSizeList, Float32, Float64, Int32, List, Schema, Utf8 } from "apache-arrow";

/** Version of the table layout, kept in each table's schema metadata. */
export const DOCS_LAYOUT_VERSION = 1;
export const LAYOUT_KEY = "kernelforge.docs.layout";
export const EMBEDDER_KEY = "kernelforge.docs.embedder";
export const DIMENSIONS_KEY = "kernelforge.docs.dimensions";

export const CHUNKS_TABLE = "chunks";
export const FILES_TABLE = "files";
/** The latent semantic model of the offline embedder (absent with other embedders). */
export const MODEL_TABLE = "model";
/** Schema metadata of the model table: JSON of `ModelMetadata`. */
export const MODEL_KEY = "kernelforge.docs.model";

/** What the model table records besides its terms. */
export interface ModelMetadata {
  /** Hash of the embedder name and the sorted ids of the chunks the model was fitted on. */
  fingerprint: string;
  rank: number;
  singularValues: number[];
  documents: number;
  fittedAt: string;
}

const text = (name: string, nullable = false) => new Field(name, new Utf8(), nullable);
const int32 = (name: string) => new Field(name, new Int32(), false);
const float64 = (name: string) => new Field(name, new Float64(), false);
const textList = (name: string) => new Field(name, new List(new Field("item", new Utf8(), true)), false);

/**
 * One row per chunk: where it comes from (`source` as shown, `file` the absolute key, `fileVersion` the
 * ingested version of the file), its section and line span, its text, the text the full-text index reads
 * (`ftsText`: section path, then text), its tags and its vector.
 */
export function chunksSchema(dimensions: number, embedder: string): Schema {
  return new Schema(
    [
      text("id"),
      text("source"),
      text("file"),
      text("fileVersion"),
      text("kind"),
      text("section", true),
      int32("lineStart"),
      int32("lineEnd"),
      text("text"),
      text("ftsText"),
      textList("tags"),
      new Field("vector", new FixedSizeList(dimensions, new Field("item", new Float32(), true)), false),
    ],
    new Map([
      [LAYOUT_KEY, String(DOCS_LAYOUT_VERSION)],
      [EMBEDDER_KEY, embedder],
      [DIMENSIONS_KEY, String(dimensions)],
    ]),
  );
}

/**
 * One row per ingested file: its key (absolute path), source, kind, size and modification time (the fast
 * check for "unchanged"), content hash, the version its chunks carry (content, source, tags and chunking
 * together), the chunking settings and tags it was ingested with, its chunk count and when.
 */
export function filesSchema(): Schema {
  return new Schema(
    [
      text("path"),
      text("source"),
      text("kind"),
      float64("size"),
      float64("mtimeMs"),
      text("contentHash"),
      text("version"),
      text("chunking"),
      textList("tags"),
      int32("chunks"),
      text("ingestedAt"),
    ],
    new Map([[LAYOUT_KEY, String(DOCS_LAYOUT_VERSION)]]),
  );
}

/**
 * One row per term of the offline embedder's latent semantic model: the term, its idf and its row of the
 * projection U_k (`rank` components). The embedder's name and the `ModelMetadata` are in the schema metadata.
 */
export function modelSchema(rank: number, embedder: string, metadata: ModelMetadata): Schema {
  return new Schema(
    [
      text("term"),
      float64("idf"),
      new Field("vector", new FixedSizeList(rank, new Field("item", new Float32(), true)), false),
    ],
    new Map([
      [LAYOUT_KEY, String(DOCS_LAYOUT_VERSION)],
      [EMBEDDER_KEY, embedder],
      [MODEL_KEY, JSON.stringify(metadata)],
    ]),
  );
}

/** Every column of the chunks table but the vector. */
export const CHUNK_ROW_COLUMNS = [
  "id",
  "source",
  "file",
  "fileVersion",
  "kind",
  "section",
  "lineStart",
  "lineEnd",
  "text",
  "ftsText",
  "tags",
];

/** Columns a search reads back (not the vector). */
export const CHUNK_COLUMNS = ["id", "source", "section", "lineStart", "lineEnd", "text", "tags"];
