import { GanError } from '@gan/core';
import { trace, traceSqrtProduct } from './linalg.js';
import type { GaussianStatistics } from './statistics.js';

/**
 * The Fréchet distance between the Gaussians `N(μ₁, Σ₁)` and `N(μ₂, Σ₂)`:
 * `‖μ₁ − μ₂‖² + tr Σ₁ + tr Σ₂ − 2 tr √(Σ₁ Σ₂)`. With Inception-v3 pool features of real and generated images this is
 * the FID of Heusel et al. (2017); with other features, say which (it is only comparable under one protocol).
 * Computed in float64; `tr √(Σ₁ Σ₂)` via the symmetric `√Σ₁ Σ₂ √Σ₁` (an eigendecomposition; see `linalg.ts`).
 */
export function frechetDistance(first: GaussianStatistics, second: GaussianStatistics): number {
  if (first.dim !== second.dim) {
    throw new GanError(
      'SHAPE_MISMATCH',
      `Expected statistics of features of the same length, got ${first.dim} and ${second.dim}. Use one feature network for both sets.`,
    );
  }
  const n = first.dim;
  let meanTerm = 0;
  for (let i = 0; i < n; i++) meanTerm += (first.mean[i]! - second.mean[i]!) ** 2;
  const cross = traceSqrtProduct(first.covariance, second.covariance, n);
  const distance = meanTerm + trace(first.covariance, n) + trace(second.covariance, n) - 2 * cross;
  // Rounding can make the distance of identical statistics a hair below 0.
  return Math.max(distance, 0);
}
