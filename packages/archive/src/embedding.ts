/**
 * A lexical embedding of CUDA C++ source: token feature hashing, no model involved.
 *
 * The source is tokenized (comments dropped; identifiers, numbers, string and character literals, operators and
 * punctuation kept), every token (unigram) and every pair of adjacent tokens (bigram) is hashed with 32-bit
 * FNV-1a into one of `dimensions` buckets with a hash-derived sign, each feature is weighted by sublinear term
 * frequency (1 + ln count), and the vector is L2-normalized. Two sources are close when they use the same
 * identifiers, constants and local token sequences: a kernel with one tile size changed stays close to its
 * original, while a kernel with a different structure lands far away. It knows nothing about semantics: two
 * kernels that compute the same thing with different code are far apart.
 */

import { hashFeatures } from "@kernelforge/core";

/** Dimensions of the embedding unless the archive is opened with another value. */
export const DEFAULT_EMBEDDING_DIMENSIONS = 256;

/** Comments and literals, matched left to right so that a `//` inside a string is not taken for a comment. */
const COMMENTS_AND_LITERALS = /\/\/[^\n]*|\/\*[\s\S]*?(?:\*\/|$)|"(?:\\.|[^"\\\n])*"|'(?:\\.|[^'\\\n])*'/g;

const TOKEN = new RegExp(
  [
    /"(?:\\.|[^"\\\n])*"/.source, // string literal
    /'(?:\\.|[^'\\\n])*'/.source, // character literal
    /[A-Za-z_][A-Za-z0-9_]*/.source, // identifier or keyword
    /0[xX][0-9A-Fa-f]+[uUlL]*/.source, // hexadecimal integer
    /(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?[A-Za-z]*/.source, // decimal number with its suffix
    /<<=|>>=|->\*|\.\.\.|::|->|\+\+|--|<<|>>|<=|>=|==|!=|&&|\|\||[-+*/%&|^]=/.source, // multi-character operators
    /[^\sA-Za-z0-9_]/.source, // any other single character
  ].join("|"),
  "g",
);

/** The tokens the embedding is computed from, in source order, with comments removed. */
export function tokenizeKernelSource(source: string): string[] {
  const code = source.replace(COMMENTS_AND_LITERALS, (match) => (match.startsWith("/") ? " " : match));
  return code.match(TOKEN) ?? [];
}

/**
 * Embeds CUDA source as a unit vector of `dimensions` floats (see the module comment for the method). Equal
 * sources give equal vectors on every platform. A source with no tokens gives the zero vector.
 */
export function embedKernelSource(source: string, dimensions = DEFAULT_EMBEDDING_DIMENSIONS): Float32Array {
  if (!Number.isInteger(dimensions) || dimensions < 1) {
    throw new RangeError(`embedding dimensions must be a positive integer, not ${dimensions}`);
  }
  const tokens = tokenizeKernelSource(source);
  const counts = new Map<string, number>();
  for (let index = 0; index < tokens.length; index++) {
    const unigram = `1\u0001${tokens[index]}`;
    counts.set(unigram, (counts.get(unigram) ?? 0) + 1);
    if (index > 0) {
      const bigram = `2\u0001${tokens[index - 1]}\u0001${tokens[index]}`;
      counts.set(bigram, (counts.get(bigram) ?? 0) + 1);
    }
  }
  const weights = [...counts].map(([feature, count]) => [feature, 1 + Math.log(count)] as const);
  return hashFeatures(weights, dimensions) ?? new Float32Array(dimensions);
}
