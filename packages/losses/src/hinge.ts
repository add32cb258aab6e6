import * as tf from '@tensorflow/tfjs-core';
import type { GanLoss } from './types.js';

/**
 * The hinge loss of Geometric GAN / SAGAN / BigGAN (Lim & Ye 2017; Miyato et al. 2018), on the raw
 * discriminator output:
 *
 * - Discriminator: `mean(relu(1 − real)) + mean(relu(1 + fake))`
 * - Generator: `−mean(fake)`
 */
export function hingeLoss(): GanLoss {
  return {
    name: 'hinge',
    discriminatorLoss: (realLogits, fakeLogits) =>
      tf.tidy(() =>
        tf.add(
          tf.mean(tf.relu(tf.sub(1, tf.cast(realLogits, 'float32')))),
          tf.mean(tf.relu(tf.add(1, tf.cast(fakeLogits, 'float32')))),
        ),
      ) as tf.Scalar,
    generatorLoss: (fakeLogits) => tf.tidy(() => tf.neg(tf.mean(tf.cast(fakeLogits, 'float32')))) as tf.Scalar,
  };
}
