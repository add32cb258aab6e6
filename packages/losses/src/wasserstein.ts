import * as tf from '@tensorflow/tfjs-core';
import type { GanLoss } from './types.js';

/**
 * The Wasserstein GAN loss (Arjovsky et al. 2017) on the raw critic output:
 *
 * - Critic (discriminator): `mean(fake) − mean(real)` (the negated estimate of the Wasserstein-1 distance)
 * - Generator: `−mean(fake)`
 *
 * The estimate only means something when the critic is (roughly) 1-Lipschitz: pair this loss with
 * weight clipping (`trainGan({ discriminatorWeightClip: 0.01 })` in `@gan/train`), spectral
 * normalisation or a gradient penalty, several critic steps per generator step (`discriminatorSteps: 5`),
 * and a critic without batch normalisation. Without a constraint the critic's outputs grow without bound.
 */
export function wassersteinLoss(): GanLoss {
  return {
    name: 'wasserstein',
    discriminatorLoss: (realLogits, fakeLogits) =>
      tf.tidy(() =>
        tf.sub(tf.mean(tf.cast(fakeLogits, 'float32')), tf.mean(tf.cast(realLogits, 'float32'))),
      ) as tf.Scalar,
    generatorLoss: (fakeLogits) => tf.tidy(() => tf.neg(tf.mean(tf.cast(fakeLogits, 'float32')))) as tf.Scalar,
  };
}
