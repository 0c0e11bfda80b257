/** The constant k of reciprocal-rank fusion: a document at rank r of a list earns 1 / (k + r). */
export const RRF_K = 60;

export interface FusedResult<T> {
  key: string;
  /** The item as found in the first list that holds it. */
  item: T;
  /** Σ over the lists of 1 / (k + rank), rank counted from 1. */
  score: number;
  /** The item's rank in each list (1-based), undefined where the list lacks it. */
  ranks: (number | undefined)[];
}

/**
 * Reciprocal-rank fusion (Cormack, Clarke & Büttcher, 2009) of ranked lists: each item scores the sum over
 * the lists of 1 / (k + rank), and the fused list is sorted by that score, best first. Only ranks count,
 * so lists whose scores are on different scales (BM25, cosine) combine without calibration. Ties are broken
 * by the best single rank, then by first appearance (list order, then rank), which keeps the result
 * deterministic. An item repeated within one list counts at its best rank there.
 */
export function reciprocalRankFusion<T>(
  lists: readonly (readonly T[])[],
  key: (item: T) => string,
  options: { k?: number; limit?: number } = {},
): FusedResult<T>[] {
  const k = options.k ?? RRF_K;
  if (!(k >= 0) || !Number.isFinite(k)) throw new RangeError(`RRF k must be a finite number ≥ 0, not ${k}`);
  const fused = new Map<string, FusedResult<T> & { order: number }>();
  let order = 0;
  lists.forEach((list, listIndex) => {
    list.forEach((item, position) => {
      const id = key(item);
      let entry = fused.get(id);
      if (entry === undefined) {
        entry = { key: id, item, score: 0, ranks: lists.map(() => undefined), order: order++ };
        fused.set(id, entry);
      }
      if (entry.ranks[listIndex] !== undefined) return;
      const rank = position + 1;
      entry.ranks[listIndex] = rank;
      entry.score += 1 / (k + rank);
    });
  });
  const best = (entry: FusedResult<T>) =>
    Math.min(...entry.ranks.map((rank) => rank ?? Number.POSITIVE_INFINITY));
  const sorted = [...fused.values()].sort(
    (a, b) => b.score - a.score || best(a) - best(b) || a.order - b.order,
  );
  const limited = options.limit === undefined ? sorted : sorted.slice(0, Math.max(0, options.limit));
  return limited.map(({ order: _order, ...entry }) => entry);
}
