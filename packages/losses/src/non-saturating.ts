import * as tf from '@tensorflow/tfjs-core';
import { bceDiscriminatorLoss } from './binary-cross-entropy.js';
import { assertLabel } from './labels.js';
import { stableSoftplus } from './softplus.js';
import type { GanLoss } from './types.js';

export interface NonSaturatingLossConfig {
  /**
   * Target label for real examples in the discriminator's cross-entropy; `0.9` gives one-sided label
   * smoothing (Salimans et al. 2016). The generator's target stays 1. Defaults to `1`.
   */
  realLabel?: number;
}

/**
 * The non-saturating GAN loss (Goodfellow et al. 2014, §3), from logits. This is what PyTorch's DCGAN
 * tutorial computes with `BCELoss` and label 1 for the generator.
 *
 * - Discriminator: binary cross-entropy, real → `realLabel`, fake → 0:
 *   `mean(softplus(−real)) + mean(softplus(fake))` (for `realLabel = 1`).
 * - Generator: minimizes `−log D(G(z))`, i.e. `mean(softplus(−fake))`.
 */
export function nonSaturatingLoss(config: NonSaturatingLossConfig = {}): GanLoss {
  const realLabel = config.realLabel ?? 1;
  assertLabel(realLabel, 'realLabel', 'nonSaturatingLoss');
  return {
    name: 'non-saturating',
    discriminatorLoss: (realLogits, fakeLogits) => bceDiscriminatorLoss(realLogits, fakeLogits, realLabel),
    // −log σ(x) = softplus(−x)
    generatorLoss: (fakeLogits) =>
      tf.tidy(() => tf.mean(stableSoftplus(tf.neg(tf.cast(fakeLogits, 'float32'))))) as tf.Scalar,
  };
}
