import { createHash } from "node:crypto";
import {
  API_VERSION,
  type CallOptions,
  pluginOptionsToken,
  type RetrievalQuery,
  type RetrievedPassage,
  type Retriever,
  throwIfAborted,
} from "@kernelforge/core";
import { inject, injectable } from "inversify";
import { type KeywordRetrieverOptions, PLUGIN_NAME } from "./options.js";

/** Lower-cased words of three or more letters, digits, dots or dashes. */
function words(text: string): Set<string> {
  return new Set(text.toLowerCase().match(/[a-z0-9][a-z0-9.\-_]{2,}/g) ?? []);
}

/**
 * Scores each note by the number of distinct query words it contains and returns the best first.
 * Deliberately simple: it shows the shape of a Retriever, not a good search.
 */
@injectable()
export class KeywordRetriever implements Retriever {
  readonly apiVersion = API_VERSION;
  readonly name = PLUGIN_NAME;

  constructor(
    @inject(pluginOptionsToken<KeywordRetrieverOptions>(PLUGIN_NAME))
    private readonly options: KeywordRetrieverOptions,
  ) {}

  async retrieve(query: RetrievalQuery, options: CallOptions = {}): Promise<RetrievedPassage[]> {
    throwIfAborted(options.signal);
    const wanted = words(query.text);
    const scored: RetrievedPassage[] = [];
    for (const note of this.options.notes) {
      if (query.filter?.sources && !query.filter.sources.some((prefix) => note.source.startsWith(prefix)))
        continue;
      if (query.filter?.tags && !query.filter.tags.some((tag) => note.tags.includes(tag))) continue;
      const have = words(note.text);
      let matches = 0;
      for (const word of wanted) if (have.has(word)) matches++;
      if (matches < this.options.minimumMatches) continue;
      const lines = note.text.split("\n").length;
      scored.push({
        retriever: this.name,
        score: matches,
        chunk: {
          id: createHash("sha256").update(`${note.source}\0${note.text}`).digest("hex").slice(0, 16),
          source: note.source,
          lineStart: 1,
          lineEnd: lines,
          text: note.text,
          tags: note.tags,
        },
      });
    }
    scored.sort((a, b) => b.score - a.score || a.chunk.source.localeCompare(b.chunk.source));
    return scored.slice(0, query.limit);
  }
}
