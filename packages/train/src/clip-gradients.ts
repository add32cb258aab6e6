import * as tf from '@tensorflow/tfjs-core';

/**
 * Scales every gradient by `min(1, maxNorm / globalNorm)`, where `globalNorm` is the L2 norm of all the
 * gradients together (PyTorch's `clip_grad_norm_`). Returns new tensors; the caller disposes both maps.
 */
export function clipByGlobalNorm(grads: tf.NamedTensorMap, maxNorm: number): tf.NamedTensorMap {
  return tf.tidy(() => {
    const names = Object.keys(grads);
    const squares = names.map((name) => tf.sum(tf.square(grads[name])));
    const norm = tf.sqrt(tf.addN(squares));
    const scale = tf.minimum(1, tf.div(maxNorm, tf.maximum(norm, 1e-12)));
    const clipped: tf.NamedTensorMap = {};
    for (const name of names) clipped[name] = tf.mul(grads[name], scale);
    return clipped;
  });
}

/** The L2 norm of all the gradients together (what {@link clipByGlobalNorm} compares with its limit). */
export function globalNorm(grads: tf.NamedTensorMap): tf.Scalar {
  return tf.tidy(() => tf.sqrt(tf.addN(Object.values(grads).map((g) => tf.sum(tf.square(g))))) as tf.Scalar);
}
