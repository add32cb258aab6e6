import { GanError, positiveInteger } from '@gan/core';

/** Mean and covariance of a set of feature vectors: the Gaussian that the Fréchet distance compares. */
export interface GaussianStatistics {
  /** Length `dim` of each feature vector. */
  dim: number;
  /** Number of vectors the statistics were computed from. */
  count: number;
  /** Mean vector, length `dim`. */
  mean: Float64Array;
  /** Unbiased covariance (divided by `count − 1`, as `numpy.cov`), row-major `dim × dim`. */
  covariance: Float64Array;
}

/** Accumulates {@link GaussianStatistics} batch by batch in float64, so 50 000 samples need only `dim²` numbers. */
export interface RunningStatistics {
  /** Length of each feature vector. */
  readonly dim: number;
  /** Number of vectors added so far. */
  readonly count: number;
  /** Adds `values.length / dim` vectors (row-major `[rows, dim]`). */
  add(values: ArrayLike<number>): void;
  /** The statistics of every vector added so far (a copy). Needs at least 2 vectors. */
  statistics(): GaussianStatistics;
}

function checkRows(values: ArrayLike<number>, dim: number): number {
  const rows = values.length / dim;
  if (!Number.isInteger(rows)) {
    throw new GanError(
      'SHAPE_MISMATCH',
      `Expected feature values of shape [n, ${dim}] (a multiple of ${dim} values), got ${values.length} values.`,
    );
  }
  return rows;
}

/**
 * Running mean and covariance of feature vectors of length `dim`, merged batch by batch with the pairwise
 * update of Chan et al.: each batch's own mean and scatter (sum of outer products of deviations from the batch
 * mean) are combined with the totals so far, which keeps float64 precise even for large offsets.
 */
export function runningStatistics(dim: number): RunningStatistics {
  positiveInteger(dim, 'the feature length dim');
  let count = 0;
  const mean = new Float64Array(dim);
  // Upper triangle (and diagonal) of the scatter matrix, row-major dim × dim; mirrored on read.
  const scatter = new Float64Array(dim * dim);
  const batchMean = new Float64Array(dim);
  const deviation = new Float64Array(dim);
  return {
    dim,
    get count() {
      return count;
    },
    add(values) {
      const rows = checkRows(values, dim);
      if (rows === 0) return;
      batchMean.fill(0);
      for (let r = 0; r < rows; r++) for (let i = 0; i < dim; i++) batchMean[i] += Number(values[r * dim + i]);
      for (let i = 0; i < dim; i++) batchMean[i]! /= rows;
      for (let r = 0; r < rows; r++) {
        for (let i = 0; i < dim; i++) deviation[i] = Number(values[r * dim + i]) - batchMean[i]!;
        for (let i = 0; i < dim; i++) {
          const di = deviation[i]!;
          if (di === 0) continue;
          const row = i * dim;
          for (let j = i; j < dim; j++) scatter[row + j] += di * deviation[j]!;
        }
      }
      const total = count + rows;
      const weight = (count * rows) / total;
      for (let i = 0; i < dim; i++) deviation[i] = batchMean[i]! - mean[i]!;
      if (count > 0) {
        for (let i = 0; i < dim; i++) {
          const row = i * dim;
          for (let j = i; j < dim; j++) scatter[row + j] += weight * deviation[i]! * deviation[j]!;
        }
      }
      for (let i = 0; i < dim; i++) mean[i] += (deviation[i]! * rows) / total;
      count = total;
    },
    statistics() {
      if (count < 2) {
        throw new GanError(
          'INVALID_ARGUMENT',
          `A covariance needs at least 2 feature vectors, got ${count}. Evaluate more samples.`,
        );
      }
      const covariance = new Float64Array(dim * dim);
      for (let i = 0; i < dim; i++) {
        for (let j = i; j < dim; j++) {
          const value = scatter[i * dim + j]! / (count - 1);
          covariance[i * dim + j] = value;
          covariance[j * dim + i] = value;
        }
      }
      return { dim, count, mean: Float64Array.from(mean), covariance };
    },
  };
}

/** Mean and unbiased covariance of row-major `[n, dim]` features in two passes (mean first), in float64. */
export function gaussianStatistics(values: ArrayLike<number>, dim: number): GaussianStatistics {
  const count = checkRows(values, dim);
  if (count < 2) {
    throw new GanError('INVALID_ARGUMENT', `A covariance needs at least 2 feature vectors, got ${count}.`);
  }
  const mean = new Float64Array(dim);
  for (let r = 0; r < count; r++) for (let i = 0; i < dim; i++) mean[i] += Number(values[r * dim + i]);
  for (let i = 0; i < dim; i++) mean[i]! /= count;
  const covariance = new Float64Array(dim * dim);
  for (let r = 0; r < count; r++) {
    for (let i = 0; i < dim; i++) {
      const di = Number(values[r * dim + i]) - mean[i]!;
      for (let j = i; j < dim; j++) covariance[i * dim + j] += di * (Number(values[r * dim + j]) - mean[j]!);
    }
  }
  for (let i = 0; i < dim; i++) {
    for (let j = i; j < dim; j++) {
      const value = covariance[i * dim + j]! / (count - 1);
      covariance[i * dim + j] = value;
      covariance[j * dim + i] = value;
    }
  }
  return { dim, count, mean, covariance };
}
