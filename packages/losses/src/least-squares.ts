import * as tf from '@tensorflow/tfjs-core';
import { assertFiniteOption } from './labels.js';
import type { GanLoss } from './types.js';

export interface LeastSquaresLossConfig {
  /** Target `a` for fake examples in the discriminator's loss. Defaults to `0`. */
  fakeLabel?: number;
  /** Target `b` for real examples in the discriminator's loss. Defaults to `1`. */
  realLabel?: number;
  /** Target `c` the generator wants the discriminator to give its fakes. Defaults to `1`. */
  generatorLabel?: number;
}

/**
 * LSGAN (Mao et al. 2017, eq. 2) with the paper's ½ factors, on the raw discriminator output
 * (the "logits"; no sigmoid):
 *
 * - Discriminator: `½·mean((real − b)²) + ½·mean((fake − a)²)`
 * - Generator: `½·mean((fake − c)²)`
 *
 * Defaults to the 0-1 coding `a = 0, b = 1, c = 1` that the paper uses in its experiments.
 */
export function leastSquaresLoss(config: LeastSquaresLossConfig = {}): GanLoss {
  const a = config.fakeLabel ?? 0;
  const b = config.realLabel ?? 1;
  const c = config.generatorLabel ?? 1;
  assertFiniteOption(a, 'fakeLabel', 'leastSquaresLoss');
  assertFiniteOption(b, 'realLabel', 'leastSquaresLoss');
  assertFiniteOption(c, 'generatorLabel', 'leastSquaresLoss');
  const halfMeanSquare = (logits: tf.Tensor, target: number): tf.Scalar =>
    tf.mul(0.5, tf.mean(tf.square(tf.sub(tf.cast(logits, 'float32'), target)))) as tf.Scalar;
  return {
    name: 'least-squares',
    discriminatorLoss: (realLogits, fakeLogits) =>
      tf.tidy(() => tf.add(halfMeanSquare(realLogits, b), halfMeanSquare(fakeLogits, a))) as tf.Scalar,
    generatorLoss: (fakeLogits) => tf.tidy(() => halfMeanSquare(fakeLogits, c)),
  };
}
