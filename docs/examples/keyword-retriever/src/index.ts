import { definePlugin, TOKENS } from "@kernelforge/core";
import { ContainerModule } from "inversify";
import { KeywordRetriever } from "./keyword-retriever.js";
import { keywordRetrieverOptionsSchema, PLUGIN_NAME } from "./options.js";

export { KeywordRetriever } from "./keyword-retriever.js";
export { type KeywordRetrieverOptions, keywordRetrieverOptionsSchema } from "./options.js";

/** The plugin object the loader reads: a name, the API version, the options schema and the bindings. */
export default definePlugin({
  name: PLUGIN_NAME,
  // The plugin API this package was written for, as a literal: a core speaking another version refuses it.
  apiVersion: "v1",
  description: "Keyword retriever over short notes written in the config",
  configSchema: keywordRetrieverOptionsSchema,
  module: new ContainerModule(({ bind }) => {
    bind(TOKENS.retriever).to(KeywordRetriever).inSingletonScope();
  }),
});
