/** Turns texts into unit vectors of one fixed length. */
export interface Embedder {
  /** Identifies the embedding (method and model); stored with an index, which refuses another one. */
  readonly name: string;
  /** Length of the vectors; undefined until known (a remote model reports it with its first answer). */
  readonly dimensions: number | undefined;
  /** Texts sent per call to `embed` by the index while ingesting. */
  readonly batchSize: number;
  /** One L2-normalized vector per text, in order. */
  embed(texts: readonly string[], options?: { signal?: AbortSignal }): Promise<Float32Array[]>;
}

/** Scales a vector to unit L2 norm in place; a zero vector is left as it is. Returns it. */
export function normalizeInPlace(vector: Float32Array): Float32Array {
  let squared = 0;
  for (let index = 0; index < vector.length; index++) squared += vector[index]! * vector[index]!;
  if (squared === 0 || !Number.isFinite(squared)) return vector;
  const scale = 1 / Math.sqrt(squared);
  for (let index = 0; index < vector.length; index++) vector[index]! *= scale;
  return vector;
}

/** Mean of token vectors (mean pooling), as a new Float32Array. */
export function meanPool(tokens: readonly (readonly number[])[]): Float32Array {
  const width = tokens[0]?.length ?? 0;
  const sum = new Float64Array(width);
  for (const token of tokens) for (let index = 0; index < width; index++) sum[index]! += token[index] ?? 0;
  const out = new Float32Array(width);
  for (let index = 0; index < width; index++) out[index] = sum[index]! / Math.max(1, tokens.length);
  return out;
}
