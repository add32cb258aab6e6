import * as tf from '@tensorflow/tfjs-core';

/**
 * Label noise for the discriminator: where `flip[i]` is 1, example `i` of the real batch is scored as fake
 * and example `i` of the fake batch as real (their logits swap places), so each example's label is flipped
 * with the probability that `flip` is 1. Works with every loss (the loss sees ordinary batches) and keeps
 * the gradient. `flip` is `[n]` of 0/1; the logits are `[n, …]`. Returns `[realLogits, fakeLogits]`.
 */
export function flipLabels(realLogits: tf.Tensor, fakeLogits: tf.Tensor, flip: tf.Tensor): [tf.Tensor, tf.Tensor] {
  return tf.tidy(() => {
    const shape = [realLogits.shape[0], ...realLogits.shape.slice(1).map(() => 1)];
    const mask = tf.reshape(tf.cast(flip, 'float32'), shape);
    const keep = tf.sub(1, mask);
    return [
      tf.add(tf.mul(keep, realLogits), tf.mul(mask, fakeLogits)),
      tf.add(tf.mul(keep, fakeLogits), tf.mul(mask, realLogits)),
    ];
  });
}
