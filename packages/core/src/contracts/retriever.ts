import type { ApiVersion } from "../api-version.js";
import type { RetrievedPassage } from "../domain/doc-chunk.js";
import type { GemmTask } from "../domain/gemm-task.js";
import type { CallOptions } from "./call-options.js";

export interface RetrievalQuery {
  text: string;
  /** The task being worked on, when the query is for a generation. */
  task?: GemmTask;
  /** Most passages wanted. */
  limit: number;
  /** Restrict to sources (path prefixes) or tags. */
  filter?: { sources?: string[]; tags?: string[] };
}

/**
 * Finds documentation passages for a query. Several retrievers may be loaded at once (a multi-binding); the
 * run loop merges their results.
 *
 * Invariants: returns at most `limit` passages, best first, each naming its source; an empty index returns an
 * empty list, not an error.
 */
export interface Retriever {
  readonly apiVersion: ApiVersion;
  readonly name: string;
  retrieve(query: RetrievalQuery, options?: CallOptions): Promise<RetrievedPassage[]>;
}
