import {
  API_VERSION,
  type CallOptions,
  type GemmTask,
  pluginOptionsToken,
  type RetrievalQuery,
  type RetrievedPassage,
  type Retriever,
  throwIfAborted,
} from "@kernelforge/core";
import { inject, injectable } from "inversify";
import { type DocsIndex, openDocsIndex } from "./index/docs-index.js";
import { type LanceDbRetrieverOptions, PLUGIN_NAME, RETRIEVER_NAME } from "./options.js";

/**
 * Words for a task that a query may not say itself: the B layout (`nn`: B stored K×N, n contiguous;
 * `linear`: B stored N×K, k contiguous, i.e. transposed) and the target architecture (`sm90`). Only the
 * words missing from `text` are returned.
 */
export function taskQueryWords(task: GemmTask, text = ""): string {
  const lower = text.toLowerCase();
  const words =
    task.layout === "linear"
      ? ["fp16", "B transposed", "N x K", "k contiguous", task.arch]
      : ["fp16", "B row-major", "K x N", "n contiguous", task.arch];
  return words.filter((word) => !lower.includes(word.toLowerCase())).join(" ");
}

/**
 * The Retriever of this plugin: searches the docs index at `options.uri` (opened read-only on first use; a
 * missing or empty index gives no passages) in `options.mode`. A query's filter replaces the configured
 * `sources`/`tags` for what it names. With a task, the layout and architecture words are added to the query.
 */
@injectable()
export class LanceDbRetriever implements Retriever {
  readonly apiVersion = API_VERSION;
  readonly name = RETRIEVER_NAME;
  #index: Promise<DocsIndex> | undefined;

  constructor(
    @inject(pluginOptionsToken<LanceDbRetrieverOptions>(PLUGIN_NAME))
    private readonly options: LanceDbRetrieverOptions,
  ) {}

  async retrieve(query: RetrievalQuery, options: CallOptions = {}): Promise<RetrievedPassage[]> {
    throwIfAborted(options.signal);
    const limit = Math.floor(query.limit);
    if (!(limit > 0)) return [];
    const base = query.text?.trim() ?? "";
    const text = query.task === undefined ? base : `${base} ${taskQueryWords(query.task, base)}`.trim();
    if (text === "") return [];
    const index = await this.open();
    const stats = await index.stats();
    if (stats.chunks === 0) {
      // Nothing ingested yet (or no index at all): look again next time.
      this.#index = undefined;
      await index.close();
      return [];
    }
    const sources = query.filter?.sources ?? this.options.sources;
    const tags = query.filter?.tags ?? this.options.tags;
    const passages = await index.search(text, {
      limit: Math.min(limit, 1000),
      mode: this.options.mode,
      ...(sources === undefined ? {} : { sources }),
      ...(tags === undefined ? {} : { tags }),
      ...(options.signal === undefined ? {} : { signal: options.signal }),
    });
    throwIfAborted(options.signal);
    return passages.slice(0, limit);
  }

  /** Closes the index if it is open (a later call opens it again). */
  async close(): Promise<void> {
    const index = this.#index;
    this.#index = undefined;
    if (index !== undefined) await (await index.catch(() => undefined))?.close();
  }

  private open(): Promise<DocsIndex> {
    if (this.#index === undefined) {
      const opening = openDocsIndex({
        uri: this.options.uri,
        embedder: this.options.embedder,
        readOnly: true,
      });
      this.#index = opening;
      opening.catch(() => {
        if (this.#index === opening) this.#index = undefined;
      });
    }
    return this.#index;
  }
}
