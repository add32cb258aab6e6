import { formatValue, GanError, invalidArgument } from '@gan/core';
import * as tf from '@tensorflow/tfjs-core';

/**
 * The mean softmax cross-entropy of class logits `[n, numClasses]` against one-hot labels `[n, numClasses]`:
 * `−mean_i Σ_k labels[i, k] · logSoftmax(classLogits)[i, k]`. Computed through `logSoftmax`, so it stays
 * finite for logits of any size. The auxiliary-classifier term of ACGAN (Odena et al. 2017).
 */
export function classCrossEntropy(classLogits: tf.Tensor, oneHotLabels: tf.Tensor): tf.Scalar {
  if (classLogits.rank !== 2 || classLogits.shape.some((size, axis) => size !== oneHotLabels.shape[axis])) {
    throw new GanError(
      'SHAPE_MISMATCH',
      `Expected class logits [n, numClasses] of the same shape as the one-hot labels [${oneHotLabels.shape.join(', ')}], got [${classLogits.shape.join(', ')}].`,
    );
  }
  return tf.tidy(() => tf.neg(tf.mean(tf.sum(tf.mul(oneHotLabels, tf.logSoftmax(classLogits)), -1))) as tf.Scalar);
}

/** Checks `auxiliaryWeight` (finite, ≥ 0) and applies its default, `1`. */
export function auxiliaryWeightOf(weight: number | undefined): number {
  const value = weight ?? 1;
  if (!(Number.isFinite(value) && value >= 0)) {
    throw invalidArgument('auxiliaryWeight', 'a finite number ≥ 0', formatValue(weight));
  }
  return value;
}
