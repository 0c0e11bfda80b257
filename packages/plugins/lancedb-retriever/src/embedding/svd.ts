/**
 * Truncated singular value decomposition of a sparse matrix by the randomized range finder of Halko,
 * Martinsson & Tropp (2011, algorithms 4.4 and 5.1), in plain TypeScript over Float64Arrays: no native code,
 * no dependency, deterministic for a given seed.
 */

/**
 * A sparse `rows × columns` matrix stored by column (compressed sparse columns): the entries of column `j` are
 * `rowIndex[columnStart[j] .. columnStart[j + 1])` with their `values`. In latent semantic analysis a column is
 * a document and a row a term.
 */
export interface SparseColumns {
  rows: number;
  columns: number;
  columnStart: Int32Array;
  rowIndex: Int32Array;
  values: Float64Array;
}

export interface TruncatedSvd {
  /** Rank actually computed: at most the rank asked for, the rows and the columns. */
  rank: number;
  /** Left singular vectors, `rows × rank`, row-major (row i holds the i-th row of U). */
  u: Float64Array;
  /** Singular values, largest first. */
  singularValues: Float64Array;
  /** Right singular vectors, `columns × rank`, row-major. */
  v: Float64Array;
}

export interface SvdOptions {
  /** Extra random directions beyond the rank (p in the paper). Default 10. */
  oversampling?: number;
  /** Power iterations (q): each sharpens the spectrum that the range finder sees. Default 3. */
  powerIterations?: number;
  /** Seed of the Gaussian test matrix. Default 1. */
  seed?: number;
  /** Checked between the expensive steps. */
  signal?: AbortSignal;
}

/** mulberry32: a small, fast, seedable 32-bit generator (uniform in [0, 1)). */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Standard normal numbers (Box–Muller) from a seeded uniform generator. */
function gaussianFill(out: Float64Array, seed: number): void {
  const uniform = seededRandom(seed);
  for (let index = 0; index < out.length; index += 2) {
    const radius = Math.sqrt(-2 * Math.log(1 - uniform()));
    const angle = 2 * Math.PI * uniform();
    out[index] = radius * Math.cos(angle);
    if (index + 1 < out.length) out[index + 1] = radius * Math.sin(angle);
  }
}

/** `A · X` for `X` of `A.columns × width` (row-major): a `A.rows × width` matrix, row-major. */
export function multiply(a: SparseColumns, x: Float64Array, width: number): Float64Array {
  const out = new Float64Array(a.rows * width);
  for (let column = 0; column < a.columns; column++) {
    const source = column * width;
    for (let entry = a.columnStart[column]!; entry < a.columnStart[column + 1]!; entry++) {
      const value = a.values[entry]!;
      const target = a.rowIndex[entry]! * width;
      for (let c = 0; c < width; c++) out[target + c]! += value * x[source + c]!;
    }
  }
  return out;
}

/** `Aᵀ · X` for `X` of `A.rows × width` (row-major): a `A.columns × width` matrix, row-major. */
export function multiplyTransposed(a: SparseColumns, x: Float64Array, width: number): Float64Array {
  const out = new Float64Array(a.columns * width);
  for (let column = 0; column < a.columns; column++) {
    const target = column * width;
    for (let entry = a.columnStart[column]!; entry < a.columnStart[column + 1]!; entry++) {
      const value = a.values[entry]!;
      const source = a.rowIndex[entry]! * width;
      for (let c = 0; c < width; c++) out[target + c]! += value * x[source + c]!;
    }
  }
  return out;
}

/**
 * Orthonormalizes the columns of `x` (`rows × width`, row-major) in place by Cholesky QR, done twice
 * (CholeskyQR2: the second pass restores the orthogonality the first loses to rounding). A column that is
 * (numerically) a combination of the ones before it becomes zero.
 */
export function orthonormalizeColumns(x: Float64Array, rows: number, width: number): void {
  for (let pass = 0; pass < 2; pass++) choleskyQrPass(x, rows, width);
}

function choleskyQrPass(x: Float64Array, rows: number, width: number): void {
  // Gram matrix G = XᵀX (upper triangle).
  const gram = new Float64Array(width * width);
  for (let row = 0; row < rows; row++) {
    const base = row * width;
    for (let a = 0; a < width; a++) {
      const value = x[base + a]!;
      if (value === 0) continue;
      const gramRow = a * width;
      for (let b = a; b < width; b++) gram[gramRow + b]! += value * x[base + b]!;
    }
  }
  // G = RᵀR, R upper triangular; a pivot that is not clearly positive marks a dependent column.
  let largest = 0;
  for (let a = 0; a < width; a++) largest = Math.max(largest, gram[a * width + a]!);
  const tolerance = largest * 1e-13;
  const r = new Float64Array(width * width);
  const dead = new Uint8Array(width);
  for (let a = 0; a < width; a++) {
    let pivot = gram[a * width + a]!;
    for (let p = 0; p < a; p++) pivot -= r[p * width + a]! * r[p * width + a]!;
    if (!(pivot > tolerance)) {
      dead[a] = 1;
      continue;
    }
    const diagonal = Math.sqrt(pivot);
    r[a * width + a] = diagonal;
    for (let b = a + 1; b < width; b++) {
      let sum = gram[a * width + b]!;
      for (let p = 0; p < a; p++) sum -= r[p * width + a]! * r[p * width + b]!;
      r[a * width + b] = sum / diagonal;
    }
  }
  // Rᵀ stored row by row, so that the substitution below reads it contiguously.
  const rt = new Float64Array(width * width);
  for (let a = 0; a < width; a++) for (let b = a; b < width; b++) rt[b * width + a] = r[a * width + b]!;
  // Each row q of Q solves q · R = x.
  for (let row = 0; row < rows; row++) {
    const base = row * width;
    for (let b = 0; b < width; b++) {
      if (dead[b]) {
        x[base + b] = 0;
        continue;
      }
      let sum = x[base + b]!;
      const rtRow = b * width;
      for (let a = 0; a < b; a++) sum -= x[base + a]! * rt[rtRow + a]!;
      x[base + b] = sum / rt[rtRow + b]!;
    }
  }
}

/**
 * Eigen-decomposition of a symmetric `size × size` matrix (row-major, overwritten) by cyclic Jacobi rotations.
 * Returns the eigenvalues and the eigenvectors as the columns of a row-major matrix, sorted by eigenvalue,
 * largest first.
 */
export function symmetricEigen(
  matrix: Float64Array,
  size: number,
): { values: Float64Array; vectors: Float64Array } {
  const a = matrix;
  const vectors = new Float64Array(size * size);
  for (let index = 0; index < size; index++) vectors[index * size + index] = 1;
  for (let sweep = 0; sweep < 100; sweep++) {
    let off = 0;
    let diagonal = 0;
    for (let p = 0; p < size; p++) {
      diagonal += a[p * size + p]! * a[p * size + p]!;
      for (let q = p + 1; q < size; q++) off += a[p * size + q]! * a[p * size + q]!;
    }
    if (off <= 1e-30 * Math.max(diagonal, 1e-300)) break;
    for (let p = 0; p < size - 1; p++) {
      for (let q = p + 1; q < size; q++) {
        const apq = a[p * size + q]!;
        if (apq === 0) continue;
        const app = a[p * size + p]!;
        const aqq = a[q * size + q]!;
        const theta = (aqq - app) / (2 * apq);
        const t = Math.sign(theta || 1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
        const c = 1 / Math.sqrt(t * t + 1);
        const s = t * c;
        for (let k = 0; k < size; k++) {
          const akp = a[k * size + p]!;
          const akq = a[k * size + q]!;
          a[k * size + p] = c * akp - s * akq;
          a[k * size + q] = s * akp + c * akq;
        }
        for (let k = 0; k < size; k++) {
          const apk = a[p * size + k]!;
          const aqk = a[q * size + k]!;
          a[p * size + k] = c * apk - s * aqk;
          a[q * size + k] = s * apk + c * aqk;
        }
        for (let k = 0; k < size; k++) {
          const vkp = vectors[k * size + p]!;
          const vkq = vectors[k * size + q]!;
          vectors[k * size + p] = c * vkp - s * vkq;
          vectors[k * size + q] = s * vkp + c * vkq;
        }
      }
    }
  }
  const order = Array.from({ length: size }, (_, index) => index).sort(
    (x, y) => a[y * size + y]! - a[x * size + x]! || x - y,
  );
  const values = new Float64Array(size);
  const sorted = new Float64Array(size * size);
  order.forEach((from, to) => {
    values[to] = a[from * size + from]!;
    for (let k = 0; k < size; k++) sorted[k * size + to] = vectors[k * size + from]!;
  });
  return { values, vectors: sorted };
}

/**
 * The leading `rank` singular triplets of a sparse matrix A ≈ U Σ Vᵀ, by a randomized range finder run on the
 * smaller side of A (say the columns, n ≤ m): Z = orth(Aᵀ Ω) with Ω a seeded Gaussian `m × (rank +
 * oversampling)` matrix, then q power iterations Z = orth(Aᵀ (A Z)), which approximate the leading right
 * singular subspace; then B = A Z (`m × l`), the eigen-decomposition BᵀB = W Λ Wᵀ of the small l × l matrix,
 * and Σ = Λ^½, U = B W Σ⁻¹, V = Z W (exact for A Z Zᵀ, the projection of A on that subspace). Only n-sided
 * matrices are orthonormalized (CholeskyQR2), which keeps the dense work at O(n l²) per iteration. Each
 * singular vector's sign is fixed so that the largest component of U's column is positive, which makes the
 * result reproducible. Cost: 2q + 2 sparse products with l vectors and q + 1 orthonormalizations.
 */
export function randomizedSvd(a: SparseColumns, rank: number, options: SvdOptions = {}): TruncatedSvd {
  const oversampling = options.oversampling ?? 10;
  const powerIterations = options.powerIterations ?? 3;
  const limit = Math.min(a.rows, a.columns);
  const target = Math.max(0, Math.min(rank, limit));
  const width = Math.min(limit, target + oversampling);
  if (target === 0 || width === 0) {
    return { rank: 0, u: new Float64Array(0), singularValues: new Float64Array(0), v: new Float64Array(0) };
  }
  // Work on A' = A (tall: rows ≥ columns) or Aᵀ (when A is wide), so that Z lives on the short side.
  const transpose = a.rows < a.columns;
  const tall = transpose ? a.columns : a.rows;
  const short = transpose ? a.rows : a.columns;
  const times = (x: Float64Array) => (transpose ? multiplyTransposed(a, x, width) : multiply(a, x, width));
  const timesTransposed = (x: Float64Array) =>
    transpose ? multiply(a, x, width) : multiplyTransposed(a, x, width);
  const omega = new Float64Array(tall * width);
  gaussianFill(omega, options.seed ?? 1);
  let z = timesTransposed(omega);
  orthonormalizeColumns(z, short, width);
  for (let iteration = 0; iteration < powerIterations; iteration++) {
    options.signal?.throwIfAborted();
    z = timesTransposed(times(z));
    orthonormalizeColumns(z, short, width);
  }
  options.signal?.throwIfAborted();
  const b = times(z); // tall × width
  const small = new Float64Array(width * width);
  for (let row = 0; row < tall; row++) {
    const base = row * width;
    for (let i = 0; i < width; i++) {
      const value = b[base + i]!;
      if (value === 0) continue;
      for (let j = i; j < width; j++) small[i * width + j]! += value * b[base + j]!;
    }
  }
  for (let i = 0; i < width; i++) for (let j = 0; j < i; j++) small[i * width + j] = small[j * width + i]!;
  const eigen = symmetricEigen(small, width);
  // Keep the directions with a non-negligible singular value.
  const top = Math.max(eigen.values[0]!, 0);
  let kept = 0;
  while (kept < target && eigen.values[kept]! > top * 1e-20 && eigen.values[kept]! > 0) kept++;
  const singularValues = new Float64Array(kept);
  for (let c = 0; c < kept; c++) singularValues[c] = Math.sqrt(eigen.values[c]!);
  const project = (x: Float64Array, rows: number, scale: boolean): Float64Array => {
    const out = new Float64Array(rows * kept);
    for (let row = 0; row < rows; row++) {
      for (let i = 0; i < width; i++) {
        const value = x[row * width + i]!;
        if (value === 0) continue;
        for (let c = 0; c < kept; c++) out[row * kept + c]! += value * eigen.vectors[i * width + c]!;
      }
      if (scale) for (let c = 0; c < kept; c++) out[row * kept + c]! /= singularValues[c]!;
    }
    return out;
  };
  const tallVectors = project(b, tall, true); // B W Σ⁻¹
  const shortVectors = project(z, short, false); // Z W
  const u = transpose ? shortVectors : tallVectors;
  const v = transpose ? tallVectors : shortVectors;
  // Sign convention: the largest-magnitude component of each left singular vector is positive.
  for (let c = 0; c < kept; c++) {
    let best = 0;
    for (let row = 0; row < a.rows; row++) {
      if (Math.abs(u[row * kept + c]!) > Math.abs(best)) best = u[row * kept + c]!;
    }
    if (best < 0) {
      for (let row = 0; row < a.rows; row++) u[row * kept + c] = -u[row * kept + c]!;
      for (let row = 0; row < a.columns; row++) v[row * kept + c] = -v[row * kept + c]!;
    }
  }
  return { rank: kept, u, singularValues, v };
}
