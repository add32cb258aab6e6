import type * as tf from '@tensorflow/tfjs-core';

/**
 * A GAN objective computed from discriminator logits (pre-sigmoid scores). Both functions return a
 * scalar mean over the batch and are differentiable (call them inside `optimizer.minimize`).
 */
export interface GanLoss {
  /** The name it is registered under: `minimax`, `non-saturating`, `least-squares`, `hinge`, `wasserstein`. */
  readonly name: string;
  discriminatorLoss(realLogits: tf.Tensor, fakeLogits: tf.Tensor): tf.Scalar;
  generatorLoss(fakeLogits: tf.Tensor): tf.Scalar;
}
