import type { Random } from '@gan/core';
import * as tf from '@tensorflow/tfjs-core';
import type { NoiseKind } from './types.js';

/** `count` latent vectors `[count, latentDim]` drawn from `random`: N(0, 1) or U(−1, 1). */
export function drawNoise(random: Random, kind: NoiseKind, count: number, latentDim: number): tf.Tensor2D {
  const values = kind === 'uniform' ? random.uniform(count * latentDim, -1, 1) : random.normal(count * latentDim, 0, 1);
  return tf.tensor2d(values, [count, latentDim]);
}

/** `count` class indices drawn uniformly from `[0, numClasses)`. */
export function drawLabels(random: Random, count: number, numClasses: number): tf.Tensor1D {
  const labels = new Int32Array(count);
  for (let i = 0; i < count; i++) labels[i] = random.int(numClasses);
  return tf.tensor1d(labels, 'int32');
}

/** Class indices `[n]` → float32 one-hot `[n, numClasses]`. */
export function oneHotLabels(labels: tf.Tensor1D, numClasses: number): tf.Tensor2D {
  return tf.tidy(() => tf.cast(tf.oneHot(tf.cast(labels, 'int32'), numClasses), 'float32')) as tf.Tensor2D;
}

/** Class indices `0, 1, …, numClasses − 1, 0, 1, …` for `count` examples: one class per grid column. */
export function cyclingLabels(count: number, numClasses: number): tf.Tensor1D {
  return tf.tensor1d(
    Int32Array.from({ length: count }, (_, i) => i % numClasses),
    'int32',
  );
}
