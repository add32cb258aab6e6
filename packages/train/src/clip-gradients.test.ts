import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { beforeAll, describe, expect, it } from 'vitest';
import { clipByGlobalNorm } from './clip-gradients.js';
import { applyModel, trainableVariables } from './models.js';
import { trainable } from './testing/weights.js';
import { minimizeIfFinite } from './update.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('clipByGlobalNorm', () => {
  it('scales all gradients together to the maximum norm, and leaves short ones alone', () => {
    const grads = { a: tf.tensor1d([3, 0]), b: tf.tensor1d([0, 4]) }; // global norm 5
    const clipped = clipByGlobalNorm(grads, 1);
    expect(Array.from(clipped.a.dataSync())).toEqual([expect.closeTo(0.6, 6), 0]);
    expect(Array.from(clipped.b.dataSync())).toEqual([0, expect.closeTo(0.8, 6)]);
    const kept = clipByGlobalNorm(grads, 10);
    expect(Array.from(kept.b.dataSync())).toEqual([0, 4]);
    tf.dispose([grads.a, grads.b, clipped.a, clipped.b, kept.a, kept.b]);
  });

  it('limits the norm of the update minimizeIfFinite applies', async () => {
    // y = x·w + b; loss = mean(y) · 100 has a gradient far longer than 0.5; with SGD(lr 1), Δweights = −clipped gradient
    const model = tfl.sequential({ layers: [tfl.layers.dense({ inputShape: [3], units: 1 })] });
    const x = tf.tensor2d([[1, 2, 3]]);
    const before = trainable(model).flat();
    const optimizer = tf.train.sgd(1);
    await minimizeIfFinite({
      optimizer,
      model,
      variables: trainableVariables(model, 'model'),
      clipGradientNorm: 0.5,
      objective: () => tf.mul(100, tf.mean(applyModel(model, x, true))) as tf.Scalar,
    });
    const after = trainable(model).flat();
    const update = after.map((v, i) => v - before[i]);
    expect(Math.hypot(...update)).toBeCloseTo(0.5, 4);
    // the direction is the gradient's: [x, 1]·100 → [1, 2, 3, 1]/√15 · 0.5, negated
    expect(update[2]).toBeCloseTo((-3 / Math.sqrt(15)) * 0.5, 4);
    tf.dispose([x]);
    optimizer.dispose();
  });
});
