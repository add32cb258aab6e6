import * as tf from '@tensorflow/tfjs-core';

/**
 * `softplus(x) = log(1 + exp(x))`, computed as `max(x, 0) + log1p(exp(−|x|))` so that it is exact and
 * finite for any finite `x` on every backend (no `exp` of a large number, no `log` of 0), with the
 * analytic gradient `sigmoid(x)` (also finite everywhere, and correct at `x = 0`, where the gradients of
 * `max` and `|x|` alone would give 0).
 *
 * The binary cross-entropy terms of a GAN are softplus forms of the logit `x`:
 * `−log σ(x) = softplus(−x)` and `−log(1 − σ(x)) = softplus(x)`.
 */
export const stableSoftplus: (x: tf.Tensor) => tf.Tensor = tf.customGrad((x, save) => {
  const input = x as tf.Tensor;
  (save as tf.GradSaveFunc)([input]);
  const value = tf.add(tf.relu(input), tf.log1p(tf.exp(tf.neg(tf.abs(input)))));
  return {
    value,
    gradFunc: (dy, saved) => tf.mul(dy, tf.sigmoid(saved[0] as tf.Tensor)),
  };
}) as (x: tf.Tensor) => tf.Tensor;
