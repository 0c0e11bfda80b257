const FNV_OFFSET_BASIS = 0x811c9dc5;
const FNV_PRIME = 0x01000193;

/** 32-bit FNV-1a over the UTF-16 code units of `text` (its bytes, for ASCII text). */
function fnv1a(text: string): number {
  let hash = FNV_OFFSET_BASIS;
  for (let index = 0; index < text.length; index++) {
    hash ^= text.charCodeAt(index);
    hash = Math.imul(hash, FNV_PRIME);
  }
  return hash >>> 0;
}

/** The finalizer of MurmurHash3: spreads every bit of `hash` over the result (its lowest bit gives the sign). */
function mix(hash: number): number {
  let value = hash;
  value ^= value >>> 16;
  value = Math.imul(value, 0x85ebca6b);
  value ^= value >>> 13;
  value = Math.imul(value, 0xc2b2ae35);
  value ^= value >>> 16;
  return value >>> 0;
}

/**
 * Signed feature hashing, the embedding behind the lexical vectors of the run archive and the docs index: each
 * feature's weight is added to bucket `FNV-1a(feature) mod dimensions` with a sign from a second hash (so that
 * collisions do not all add up in one direction), and the vector is L2-normalized. Deterministic on every
 * platform. Returns undefined when the features give a vector of length zero (no features), so that callers
 * choose what an empty text embeds to.
 */
export function hashFeatures(
  weights: Iterable<readonly [feature: string, weight: number]>,
  dimensions: number,
): Float32Array | undefined {
  const sums = new Float64Array(dimensions);
  for (const [feature, weight] of weights) {
    const hash = fnv1a(feature);
    const sign = mix(hash) & 1 ? -1 : 1;
    const bucket = hash % dimensions;
    sums[bucket] = (sums[bucket] ?? 0) + sign * weight;
  }
  let squared = 0;
  for (const value of sums) squared += value * value;
  if (squared === 0) return undefined;
  const norm = Math.sqrt(squared);
  const vector = new Float32Array(dimensions);
  for (let index = 0; index < dimensions; index++) vector[index] = (sums[index] ?? 0) / norm;
  return vector;
}
