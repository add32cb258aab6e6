import { formatValue, invalidArgument, isPositiveInteger } from '@gan/core';
import type * as tf from '@tensorflow/tfjs-core';
import { meanAndStd, readMatrix } from './feature-matrix.js';

/** Options of {@link inceptionScore}. */
export interface InceptionScoreConfig {
  /** Number of equal splits the score is computed on (mean ± std over splits). Defaults to `10`. */
  splits?: number;
}

/** Inception Score: mean and spread over the splits. */
export interface InceptionScore {
  /** Mean of `exp(E[KL(p(y|x) ‖ p(y))])` over the splits. */
  mean: number;
  /** Population standard deviation over the splits (as the original code, `numpy.std`). */
  std: number;
  /** Number of splits. */
  splits: number;
}

/**
 * Inception Score (Salimans et al., 2016) from class probabilities `[n, classes]` (rows of a softmax):
 * for each of `splits` consecutive equal parts, `exp(mean_x KL(p(y|x) ‖ p(y)))` with `p(y)` the part's mean;
 * returns the mean and std over the parts. Ranges from 1 to the number of classes; computed in float64
 * (`0 · log 0 = 0`). The last `n mod splits` rows are left out, as in the original code.
 */
export async function inceptionScore(
  probabilities: tf.Tensor2D,
  config: InceptionScoreConfig = {},
): Promise<InceptionScore> {
  const { values, rows, dim } = await readMatrix(probabilities, 'class probabilities');
  const splits = config.splits ?? 10;
  const size = Math.floor(rows / splits);
  if (!isPositiveInteger(splits) || size < 1) {
    throw invalidArgument(
      'splits',
      `a positive integer no larger than the ${rows} samples`,
      formatValue(splits),
      'Pass fewer splits or more samples.',
    );
  }
  const scores: number[] = [];
  const marginal = new Float64Array(dim);
  for (let s = 0; s < splits; s++) {
    const start = s * size;
    marginal.fill(0);
    for (let r = start; r < start + size; r++) for (let k = 0; k < dim; k++) marginal[k] += values[r * dim + k]!;
    for (let k = 0; k < dim; k++) marginal[k]! /= size;
    let divergence = 0;
    for (let r = start; r < start + size; r++) {
      for (let k = 0; k < dim; k++) {
        const p = values[r * dim + k]!;
        if (p > 0) divergence += p * (Math.log(p) - Math.log(marginal[k]!));
      }
    }
    scores.push(Math.exp(divergence / size));
  }
  return { ...meanAndStd(scores), splits };
}
