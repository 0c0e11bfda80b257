import { definePlugin, TOKENS } from "@kernelforge/core";
import { ContainerModule } from "inversify";
import { lanceDbRetrieverOptionsSchema, PLUGIN_NAME } from "./options.js";
import { LanceDbRetriever } from "./retriever.js";

export * from "./chunking/index.js";
export * from "./embedding/index.js";
export {
  DEFAULT_HYBRID_RRF_K,
  DEFAULT_SEARCH_LIMIT,
  type DocsIndex,
  type DocsIndexOptions,
  type DocsIndexStats,
  type IngestOptions,
  type IngestProgress,
  type IngestReport,
  openDocsIndex,
  type SearchOptions,
} from "./index/docs-index.js";
export { MAX_FILE_BYTES } from "./index/scan.js";
export * from "./options.js";
export { sourceOf, sourcePrefix } from "./paths.js";
export { LanceDbRetriever, taskQueryWords } from "./retriever.js";
export * from "./search/rrf.js";

export default definePlugin({
  name: PLUGIN_NAME,
  apiVersion: "v1",
  description:
    "Retriever over CUDA documentation ingested into LanceDB: BM25 full text, vectors, and their reciprocal-rank fusion",
  configSchema: lanceDbRetrieverOptionsSchema,
  module: new ContainerModule(({ bind }) => {
    bind(TOKENS.retriever).to(LanceDbRetriever).inSingletonScope();
  }),
});
