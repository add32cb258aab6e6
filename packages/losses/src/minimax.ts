import * as tf from '@tensorflow/tfjs-core';
import { bceDiscriminatorLoss } from './binary-cross-entropy.js';
import { assertLabel } from './labels.js';
import { stableSoftplus } from './softplus.js';
import type { GanLoss } from './types.js';

export interface MinimaxLossConfig {
  /**
   * Target label for real examples in the discriminator's cross-entropy; `0.9` gives one-sided label
   * smoothing (Salimans et al. 2016). Defaults to `1`.
   */
  realLabel?: number;
}

/**
 * The original minimax GAN objective (Goodfellow et al. 2014), from logits.
 *
 * - Discriminator: binary cross-entropy, real → `realLabel`, fake → 0:
 *   `mean(softplus(−real)) + mean(softplus(fake))` (for `realLabel = 1`).
 * - Generator: minimizes `log(1 − D(G(z)))`, i.e. `mean(−softplus(fake))`.
 *
 * The generator's gradient vanishes when D confidently rejects fakes (early in training), which is why
 * {@link nonSaturatingLoss} is the usual choice; this one is here for comparison and teaching.
 */
export function minimaxLoss(config: MinimaxLossConfig = {}): GanLoss {
  const realLabel = config.realLabel ?? 1;
  assertLabel(realLabel, 'realLabel', 'minimaxLoss');
  return {
    name: 'minimax',
    discriminatorLoss: (realLogits, fakeLogits) => bceDiscriminatorLoss(realLogits, fakeLogits, realLabel),
    // log(1 − σ(x)) = −softplus(x)
    generatorLoss: (fakeLogits) =>
      tf.tidy(() => tf.neg(tf.mean(stableSoftplus(tf.cast(fakeLogits, 'float32'))))) as tf.Scalar,
  };
}
