export { DEFAULT_EMBEDDING_DIMENSIONS, embedKernelSource, tokenizeKernelSource } from "./embedding.js";
export {
  type ArchiveOptimizeSummary,
  LanceRunArchive,
  openRunArchive,
  type RunArchiveOptions,
} from "./lance-run-archive.js";
export { ARCHIVE_SCHEMA_VERSION, TABLE_NAMES as ARCHIVE_TABLES } from "./tables.js";
