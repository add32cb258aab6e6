import { describe, expect, it } from 'vitest';
import { frechetDistance } from './frechet.js';
import { matmulSquare, sqrtmSymmetric, symmetricEigen, traceSqrtProduct } from './linalg.js';
import cases from './testing/sqrtm-cases.json';

function maxAbsDifference(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let largest = 0;
  for (let i = 0; i < a.length; i++) largest = Math.max(largest, Math.abs(a[i]! - b[i]!));
  return largest;
}

function maxAbs(a: ArrayLike<number>): number {
  let largest = 0;
  for (let i = 0; i < a.length; i++) largest = Math.max(largest, Math.abs(a[i]!));
  return largest;
}

describe('symmetricEigen', () => {
  it('finds the eigenvalues of a 2×2 matrix by hand: [[2, 1], [1, 2]] has 1 and 3', () => {
    const { values, vectors } = symmetricEigen([2, 1, 1, 2], 2);
    expect([...values].sort()).toEqual([expect.closeTo(1, 14), expect.closeTo(3, 14)]);
    // Each column is a unit eigenvector: A v = λ v.
    for (let j = 0; j < 2; j++) {
      const v = [vectors[j]!, vectors[2 + j]!];
      expect(2 * v[0]! + v[1]!).toBeCloseTo(values[j]! * v[0]!, 14);
      expect(v[0]! ** 2 + v[1]! ** 2).toBeCloseTo(1, 14);
    }
  });

  it('reconstructs the matrix as V diag(λ) Vᵀ', () => {
    const { n, a } = cases.cases[5]!;
    const { values, vectors } = symmetricEigen(a, n);
    const scaled = new Float64Array(n * n);
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) scaled[i * n + j] = vectors[i * n + j]! * values[j]!;
    const transposed = new Float64Array(n * n);
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) transposed[i * n + j] = vectors[j * n + i]!;
    expect(maxAbsDifference(matmulSquare(scaled, transposed, n), a)).toBeLessThan(1e-12 * maxAbs(a));
  });

  it('rejects a matrix of the wrong size or with NaN', () => {
    expect(() => symmetricEigen([1, 2, 3], 2)).toThrow(/Expected the matrix to be a 2×2 matrix \(4 values/);
    expect(() => symmetricEigen([1, Number.NaN, Number.NaN, 1], 2)).toThrow(/finite values/);
  });
});

describe('sqrtmSymmetric against scipy.linalg.sqrtm (src/testing/sqrtm-cases.json)', () => {
  for (const testCase of cases.cases) {
    it(`matches on a ${testCase.n}×${testCase.n} PSD matrix`, () => {
      const root = sqrtmSymmetric(testCase.a, testCase.n);
      // The 8×8 case has rank 4: √ of its zero eigenvalues turns rounding (1e-16) into 1e-8 in both solvers.
      const tolerance = testCase.n === 8 ? 1e-7 : 1e-9;
      expect(maxAbsDifference(root, testCase.sqrtA)).toBeLessThan(tolerance * Math.max(1, maxAbs(testCase.sqrtA)));
      // And it squares back to the matrix.
      expect(maxAbsDifference(matmulSquare(root, root, testCase.n), testCase.a)).toBeLessThan(
        1e-10 * maxAbs(testCase.a),
      );
    });
  }
});

describe('traceSqrtProduct and frechetDistance against scipy (pytorch-fid formula)', () => {
  for (const testCase of cases.cases) {
    it(`match on ${testCase.n}-dimensional Gaussians`, () => {
      const { n } = testCase;
      // The 8×8 case has rank 4: the product's zero eigenvalues make √ amplify rounding to ~1e-8 in both codes.
      const digits = n === 8 ? 7 : 8;
      expect(traceSqrtProduct(testCase.a, testCase.b, n)).toBeCloseTo(testCase.traceSqrtAB, digits);
      const distance = frechetDistance(
        { dim: n, count: 100, mean: Float64Array.from(testCase.mu1), covariance: Float64Array.from(testCase.a) },
        { dim: n, count: 100, mean: Float64Array.from(testCase.mu2), covariance: Float64Array.from(testCase.b) },
      );
      expect(distance).toBeCloseTo(testCase.frechetDistance, digits - 1);
    });
  }

  it('is ‖μ₁ − μ₂‖² + (σ₁ − σ₂)² in one dimension, and 0 for identical statistics', () => {
    const first = { dim: 1, count: 10, mean: Float64Array.of(0), covariance: Float64Array.of(1) };
    const second = { dim: 1, count: 10, mean: Float64Array.of(1), covariance: Float64Array.of(4) };
    expect(frechetDistance(first, second)).toBeCloseTo(1 + (1 - 2) ** 2, 12);
    const { n, a } = cases.cases[6]!;
    const stats = { dim: n, count: 10, mean: new Float64Array(n), covariance: Float64Array.from(a) };
    expect(frechetDistance(stats, stats)).toBeLessThan(1e-9);
  });

  it('rejects statistics of different feature lengths', () => {
    const first = { dim: 1, count: 10, mean: Float64Array.of(0), covariance: Float64Array.of(1) };
    const second = { dim: 2, count: 10, mean: new Float64Array(2), covariance: Float64Array.of(1, 0, 0, 1) };
    expect(() => frechetDistance(first, second)).toThrow(/same length, got 1 and 2/);
  });
});
