import * as tf from '@tensorflow/tfjs-core';
import { stableSoftplus } from './softplus.js';

/**
 * Mean binary cross-entropy of sigmoid(logits) against a constant label `y`:
 * `−[y·log σ(x) + (1 − y)·log(1 − σ(x))] = y·softplus(−x) + (1 − y)·softplus(x)`.
 */
export function binaryCrossEntropyFromLogits(logits: tf.Tensor, label: number): tf.Scalar {
  return tf.tidy(() => {
    const x = tf.cast(logits, 'float32');
    if (label === 1) return tf.mean(stableSoftplus(tf.neg(x)));
    if (label === 0) return tf.mean(stableSoftplus(x));
    return tf.mean(tf.add(tf.mul(label, stableSoftplus(tf.neg(x))), tf.mul(1 - label, stableSoftplus(x))));
  }) as tf.Scalar;
}

/**
 * The discriminator's BCE loss, the sum of two means as in PyTorch's DCGAN tutorial
 * (`errD = errD_real + errD_fake`): `BCE(real, realLabel) + BCE(fake, 0)`.
 */
export function bceDiscriminatorLoss(realLogits: tf.Tensor, fakeLogits: tf.Tensor, realLabel: number): tf.Scalar {
  return tf.tidy(() =>
    tf.add(binaryCrossEntropyFromLogits(realLogits, realLabel), binaryCrossEntropyFromLogits(fakeLogits, 0)),
  ) as tf.Scalar;
}
