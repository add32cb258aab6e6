import { GanError } from '@gan/core';
import * as tf from '@tensorflow/tfjs-core';
import { stableSoftplus } from './softplus.js';
import type { GanLoss } from './types.js';

function checkedPair(realLogits: tf.Tensor, fakeLogits: tf.Tensor | undefined, name: string): [tf.Tensor, tf.Tensor] {
  if (fakeLogits === undefined) {
    throw new GanError(
      'INVALID_ARGUMENT',
      `Expected real logits for the generator's ${name} loss, got none. Call generatorLoss(fakeLogits, realLogits).`,
    );
  }
  return [tf.cast(realLogits, 'float32'), tf.cast(fakeLogits, 'float32')];
}

/**
 * The relativistic standard GAN loss (RSGAN, Jolicoeur-Martineau 2018), from logits: real and fake
 * examples are compared pairwise (`real[i] − fake[i]`, so both batches have the same size).
 *
 * - Discriminator: `mean(softplus(−(real − fake)))` = BCE(σ(real − fake), 1)
 * - Generator: `mean(softplus(−(fake − real)))`
 *
 * The generator's loss needs real logits: `generatorLoss(fakeLogits, realLogits)`.
 */
export function relativisticLoss(): GanLoss {
  return {
    name: 'relativistic',
    needsRealLogits: true,
    discriminatorLoss: (realLogits, fakeLogits) =>
      tf.tidy(() => {
        const [real, fake] = checkedPair(realLogits, fakeLogits, 'relativistic');
        return tf.mean(stableSoftplus(tf.sub(fake, real)));
      }) as tf.Scalar,
    generatorLoss: (fakeLogits, realLogits) =>
      tf.tidy(() => {
        const [fake, real] = checkedPair(fakeLogits, realLogits, 'relativistic');
        return tf.mean(stableSoftplus(tf.sub(real, fake)));
      }) as tf.Scalar,
  };
}

/** `½·[BCE(a − mean(b), 1) + BCE(b − mean(a), 0)]` from logits. */
function averageRelativistic(a: tf.Tensor, b: tf.Tensor): tf.Scalar {
  const first = tf.mean(stableSoftplus(tf.neg(tf.sub(a, tf.mean(b)))));
  const second = tf.mean(stableSoftplus(tf.sub(b, tf.mean(a))));
  return tf.mul(0.5, tf.add(first, second)) as tf.Scalar;
}

/**
 * The relativistic average GAN loss (RaGAN, Jolicoeur-Martineau 2018), from logits, halved as in the
 * paper's code:
 *
 * - Discriminator: `½·[mean(softplus(−(real − mean(fake)))) + mean(softplus(fake − mean(real)))]`
 * - Generator: `½·[mean(softplus(−(fake − mean(real)))) + mean(softplus(real − mean(fake)))]`
 *
 * The generator's loss needs real logits: `generatorLoss(fakeLogits, realLogits)`.
 */
export function relativisticAverageLoss(): GanLoss {
  return {
    name: 'relativistic-average',
    needsRealLogits: true,
    discriminatorLoss: (realLogits, fakeLogits) =>
      tf.tidy(() => averageRelativistic(...checkedPair(realLogits, fakeLogits, 'relativistic-average'))),
    generatorLoss: (fakeLogits, realLogits) =>
      tf.tidy(() => averageRelativistic(...checkedPair(fakeLogits, realLogits, 'relativistic-average'))),
  };
}
