import { GanError } from '@gan/core';

/** A square matrix of size `n × n`, row-major, in float64. */
export type SquareMatrix = Float64Array;

/** Eigenvalues and eigenvectors of a symmetric matrix. */
export interface SymmetricEigen {
  /** The `n` eigenvalues, in the order of the columns of `vectors` (not sorted). */
  values: Float64Array;
  /** Row-major `n × n` matrix whose column `j` is the unit eigenvector of `values[j]`. */
  vectors: Float64Array;
}

function checkSquare(matrix: ArrayLike<number>, n: number, what: string): void {
  if (!Number.isInteger(n) || n < 1 || matrix.length !== n * n) {
    throw new GanError(
      'SHAPE_MISMATCH',
      `Expected ${what} to be a ${n}×${n} matrix (${n * n} values, row-major), got ${matrix.length} values.`,
    );
  }
}

/**
 * Householder reduction of the symmetric matrix in `v` (rows) to tridiagonal form: on return `d` holds the
 * diagonal, `e` the subdiagonal (in `e[1..]`) and `v` the orthogonal transformation (the tred2 of EISPACK, in the
 * form of the public-domain JAMA library).
 */
function tridiagonalize(v: Float64Array[], d: Float64Array, e: Float64Array): void {
  const n = d.length;
  for (let j = 0; j < n; j++) d[j] = v[n - 1]![j]!;
  for (let i = n - 1; i > 0; i--) {
    let scale = 0;
    let h = 0;
    for (let k = 0; k < i; k++) scale += Math.abs(d[k]!);
    if (scale === 0) {
      e[i] = d[i - 1]!;
      for (let j = 0; j < i; j++) {
        d[j] = v[i - 1]![j]!;
        v[i]![j] = 0;
        v[j]![i] = 0;
      }
    } else {
      for (let k = 0; k < i; k++) {
        d[k]! /= scale;
        h += d[k]! * d[k]!;
      }
      let f = d[i - 1]!;
      let g = Math.sqrt(h);
      if (f > 0) g = -g;
      e[i] = scale * g;
      h -= f * g;
      d[i - 1] = f - g;
      for (let j = 0; j < i; j++) e[j] = 0;
      for (let j = 0; j < i; j++) {
        f = d[j]!;
        v[j]![i] = f;
        g = e[j]! + v[j]![j]! * f;
        for (let k = j + 1; k <= i - 1; k++) {
          g += v[k]![j]! * d[k]!;
          e[k]! += v[k]![j]! * f;
        }
        e[j] = g;
      }
      f = 0;
      for (let j = 0; j < i; j++) {
        e[j]! /= h;
        f += e[j]! * d[j]!;
      }
      const hh = f / (h + h);
      for (let j = 0; j < i; j++) e[j]! -= hh * d[j]!;
      for (let j = 0; j < i; j++) {
        f = d[j]!;
        g = e[j]!;
        for (let k = j; k <= i - 1; k++) v[k]![j]! -= f * e[k]! + g * d[k]!;
        d[j] = v[i - 1]![j]!;
        v[i]![j] = 0;
      }
    }
    d[i] = h;
  }
  for (let i = 0; i < n - 1; i++) {
    v[n - 1]![i] = v[i]![i]!;
    v[i]![i] = 1;
    const h = d[i + 1]!;
    if (h !== 0) {
      for (let k = 0; k <= i; k++) d[k] = v[k]![i + 1]! / h;
      for (let j = 0; j <= i; j++) {
        let g = 0;
        for (let k = 0; k <= i; k++) g += v[k]![i + 1]! * v[k]![j]!;
        for (let k = 0; k <= i; k++) v[k]![j]! -= g * d[k]!;
      }
    }
    for (let k = 0; k <= i; k++) v[k]![i + 1] = 0;
  }
  for (let j = 0; j < n; j++) {
    d[j] = v[n - 1]![j]!;
    v[n - 1]![j] = 0;
  }
  v[n - 1]![n - 1] = 1;
  e[0] = 0;
}

/**
 * Implicit QL iterations on the tridiagonal `d`, `e` (the tql2 of EISPACK / JAMA), accumulating into `w`, the
 * TRANSPOSE of JAMA's `V` (row `i` of `w` is eigenvector `i`), so that each rotation touches two contiguous rows.
 */
function diagonalize(w: Float64Array[], d: Float64Array, e: Float64Array): void {
  const n = d.length;
  for (let i = 1; i < n; i++) e[i - 1] = e[i]!;
  e[n - 1] = 0;
  let f = 0;
  let largest = 0;
  const eps = 2 ** -52;
  for (let l = 0; l < n; l++) {
    largest = Math.max(largest, Math.abs(d[l]!) + Math.abs(e[l]!));
    let m = l;
    while (m < n && Math.abs(e[m]!) > eps * largest) m++;
    if (m > l) {
      let iterations = 0;
      do {
        iterations += 1;
        if (iterations > 100) {
          throw new GanError(
            'INVALID_ARGUMENT',
            'The eigensolver did not converge in 100 iterations; check the matrix for huge or tiny values.',
          );
        }
        let g = d[l]!;
        let p = (d[l + 1]! - g) / (2 * e[l]!);
        let r = Math.hypot(p, 1);
        if (p < 0) r = -r;
        d[l] = e[l]! / (p + r);
        d[l + 1] = e[l]! * (p + r);
        const dl1 = d[l + 1]!;
        let h = g - d[l]!;
        for (let i = l + 2; i < n; i++) d[i]! -= h;
        f += h;
        p = d[m]!;
        let c = 1;
        let c2 = c;
        let c3 = c;
        const el1 = e[l + 1]!;
        let s = 0;
        let s2 = 0;
        for (let i = m - 1; i >= l; i--) {
          c3 = c2;
          c2 = c;
          s2 = s;
          g = c * e[i]!;
          h = c * p;
          r = Math.hypot(p, e[i]!);
          e[i + 1] = s * r;
          s = e[i]! / r;
          c = p / r;
          p = c * d[i]! - s * g;
          d[i + 1] = h + s * (c * g + s * d[i]!);
          const rowI = w[i]!;
          const rowNext = w[i + 1]!;
          for (let k = 0; k < n; k++) {
            h = rowNext[k]!;
            rowNext[k] = s * rowI[k]! + c * h;
            rowI[k] = c * rowI[k]! - s * h;
          }
        }
        p = (-s * s2 * c3 * el1 * e[l]!) / dl1;
        e[l] = s * p;
        d[l] = c * p;
      } while (Math.abs(e[l]!) > eps * largest);
    }
    d[l] = d[l]! + f;
    e[l] = 0;
  }
}

/**
 * Eigen-decomposition of the symmetric `n × n` matrix `matrix` (row-major; only its symmetric part is used) in
 * float64: Householder reduction to tridiagonal form, then implicit QL iterations (EISPACK tred2 + tql2, as in
 * the public-domain JAMA library). O(n³).
 */
export function symmetricEigen(matrix: ArrayLike<number>, n: number): SymmetricEigen {
  checkSquare(matrix, n, 'the matrix');
  const v: Float64Array[] = [];
  for (let i = 0; i < n; i++) {
    const row = new Float64Array(n);
    for (let j = 0; j < n; j++) row[j] = 0.5 * (Number(matrix[i * n + j]) + Number(matrix[j * n + i]));
    v.push(row);
  }
  if (!v.every((row) => row.every(Number.isFinite))) {
    throw new GanError(
      'INVALID_ARGUMENT',
      'Expected a matrix of finite values, got NaN or Infinity. Check the features.',
    );
  }
  const values = new Float64Array(n);
  const subdiagonal = new Float64Array(n);
  tridiagonalize(v, values, subdiagonal);
  const w = v.map((_, i) => Float64Array.from(v, (row) => row[i]!));
  diagonalize(w, values, subdiagonal);
  const vectors = new Float64Array(n * n);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) vectors[i * n + j] = w[j]![i]!;
  return { values, vectors };
}

/** `V diag(f(λ)) Vᵀ` for a symmetric eigen-decomposition. */
function applySpectral(eigen: SymmetricEigen, n: number, f: (value: number) => number): SquareMatrix {
  const { values, vectors } = eigen;
  const scaled = new Float64Array(n);
  for (let j = 0; j < n; j++) scaled[j] = f(values[j]!);
  const out = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let k = i; k < n; k++) {
      let sum = 0;
      for (let j = 0; j < n; j++) sum += vectors[i * n + j]! * scaled[j]! * vectors[k * n + j]!;
      out[i * n + k] = sum;
      out[k * n + i] = sum;
    }
  }
  return out;
}

/**
 * The principal square root of a symmetric positive semi-definite `n × n` matrix (row-major): the symmetric PSD
 * `S` with `S S = matrix`. Eigenvalues that rounding made slightly negative are taken as 0.
 */
export function sqrtmSymmetric(matrix: ArrayLike<number>, n: number): SquareMatrix {
  return applySpectral(symmetricEigen(matrix, n), n, (value) => Math.sqrt(Math.max(value, 0)));
}

/** The product `a b` of two row-major `n × n` matrices. */
export function matmulSquare(a: ArrayLike<number>, b: ArrayLike<number>, n: number): SquareMatrix {
  const out = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let k = 0; k < n; k++) {
      const aik = Number(a[i * n + k]);
      if (aik === 0) continue;
      for (let j = 0; j < n; j++) out[i * n + j] += aik * Number(b[k * n + j]);
    }
  }
  return out;
}

/** The trace of a row-major `n × n` matrix. */
export function trace(matrix: ArrayLike<number>, n: number): number {
  let sum = 0;
  for (let i = 0; i < n; i++) sum += Number(matrix[i * n + i]);
  return sum;
}

/**
 * `tr √(A B)` for symmetric PSD `A` and `B` — the cross term of the Fréchet distance — computed as
 * `tr √(√A B √A)`: `√A B √A` is similar to `A B` (same eigenvalues) but symmetric PSD, so its square root needs only
 * a symmetric eigensolver and never goes complex (scipy's `sqrtm(A @ B)` can return tiny imaginary parts).
 */
export function traceSqrtProduct(a: ArrayLike<number>, b: ArrayLike<number>, n: number): number {
  checkSquare(a, n, 'the first covariance');
  checkSquare(b, n, 'the second covariance');
  const rootA = sqrtmSymmetric(a, n);
  const middle = matmulSquare(matmulSquare(rootA, b, n), rootA, n);
  const { values } = symmetricEigen(middle, n);
  let sum = 0;
  for (const value of values) sum += Math.sqrt(Math.max(value, 0));
  return sum;
}
