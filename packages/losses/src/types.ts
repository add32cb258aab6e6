import type * as tf from '@tensorflow/tfjs-core';

/**
 * A GAN objective computed from discriminator logits (pre-sigmoid scores). Both functions return a
 * scalar mean over the batch and are differentiable (call them inside `optimizer.minimize`).
 */
export interface GanLoss {
  /**
   * The name it is registered under: `minimax`, `non-saturating`, `least-squares`, `hinge`, `wasserstein`,
   * `relativistic`, `relativistic-average`.
   */
  readonly name: string;
  /**
   * Whether `generatorLoss` needs the discriminator's logits for real examples too (the relativistic
   * losses). Absent means `false`.
   */
  readonly needsRealLogits?: boolean;
  discriminatorLoss(realLogits: tf.Tensor, fakeLogits: tf.Tensor): tf.Scalar;
  /** `realLogits` is used only by losses with `needsRealLogits`. */
  generatorLoss(fakeLogits: tf.Tensor, realLogits?: tf.Tensor): tf.Scalar;
}
