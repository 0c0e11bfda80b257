/** A passage of documentation as stored by a retriever, with where it came from. */
export interface DocChunk {
  /** Stable id (hash of source and span). */
  id: string;
  /** File path or URL the passage was taken from. */
  source: string;
  /** Heading path or declaration the passage belongs to, e.g. `cp.async > Pipelining`. */
  section?: string;
  /** 1-based inclusive line span in the source. */
  lineStart: number;
  lineEnd: number;
  text: string;
  tags: string[];
}

/** A chunk returned for a query, with the retriever's score (higher is better; scales differ per retriever). */
export interface RetrievedPassage {
  chunk: DocChunk;
  score: number;
  /** Name of the retriever that found it. */
  retriever: string;
}
