import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { beforeAll, describe, expect, it } from 'vitest';
import { applyModel, trainableVariables } from './models.js';
import { trainable } from './testing/weights.js';
import { minimizeIfFinite } from './update.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('minimizeIfFinite', () => {
  it('runs BatchNorm on batch statistics and updates its moving statistics under the gradient tape', async () => {
    const model = tfl.sequential({ layers: [tfl.layers.batchNormalization({ inputShape: [2], momentum: 0.9 })] });
    const optimizer = tf.train.sgd(0.1);
    const x = tf.tensor2d([
      [1, 2],
      [3, 6],
    ]);
    let normalized: number[][] = [];
    await minimizeIfFinite({
      optimizer,
      model,
      variables: trainableVariables(model, 'model'),
      objective: () => {
        const output = applyModel(model, x, true);
        normalized = output.arraySync() as number[][];
        return tf.mean(output) as tf.Scalar;
      },
    });
    // batch mean [2, 4], batch (population) variance [1, 4] → normalised [[−1, −1], [1, 1]] (ε = 1e−3 aside)
    expect(normalized[0][0]).toBeCloseTo(-1, 2);
    expect(normalized[1][1]).toBeCloseTo(1, 2);
    const [movingMean, movingVariance] = model.nonTrainableWeights.map((w) => Array.from(w.read().dataSync()));
    // moving ← 0.9·moving + 0.1·batch: mean 0.9·0 + 0.1·[2, 4] = [0.2, 0.4]; variance 0.9·1 + 0.1·[1, 4] = [1.0, 1.3]
    expect(movingMean[0]).toBeCloseTo(0.2, 5);
    expect(movingMean[1]).toBeCloseTo(0.4, 5);
    expect(movingVariance[0]).toBeCloseTo(1.0, 5);
    expect(movingVariance[1]).toBeCloseTo(1.3, 5);
    // β got the gradient of mean(output) = 1/4 per element, summed over 2 rows = 0.5: β = 0 − 0.1·0.5 = −0.05
    const beta = model.trainableWeights.find((w) => w.name.includes('beta'));
    expect(Array.from(beta!.read().dataSync())).toEqual([expect.closeTo(-0.05, 6), expect.closeTo(-0.05, 6)]);
    tf.dispose([x]);
    optimizer.dispose();
  });

  it('skips the update when the loss is not finite and releases every tensor', async () => {
    const model = tfl.sequential({ layers: [tfl.layers.dense({ inputShape: [2], units: 1 })] });
    const optimizer = tf.train.sgd(0.1);
    const x = tf.ones([3, 2]);
    const before = trainable(model);
    const tensors = tf.memory().numTensors;
    const loss = await minimizeIfFinite({
      optimizer,
      model,
      variables: trainableVariables(model, 'model'),
      objective: () => tf.mul(tf.mean(applyModel(model, x, true)), Number.NaN) as tf.Scalar,
    });
    expect(loss).toBeNaN();
    expect(trainable(model)).toEqual(before);
    expect(tf.memory().numTensors).toBe(tensors);
    tf.dispose(x);
    optimizer.dispose();
  });

  it('adds regularisation penalties, then applies weight constraints and clipping', async () => {
    const model = tfl.sequential({
      layers: [
        tfl.layers.dense({
          inputShape: [2],
          units: 2,
          useBias: false,
          kernelInitializer: tfl.initializers.constant({ value: 0.5 }),
          kernelRegularizer: tfl.regularizers.l2({ l2: 0.1 }),
        }),
        tfl.layers.dense({
          units: 1,
          useBias: false,
          kernelInitializer: 'ones',
          kernelConstraint: tfl.constraints.nonNeg(),
        }),
      ],
    });
    const x = tf.tensor2d([[1, 1]]);
    const loss = await minimizeIfFinite({
      optimizer: tf.train.sgd(1),
      model,
      variables: trainableVariables(model, 'model'),
      clip: 0.3,
      // output = 2·(0.5 + 0.5) = 2; objective 2·output → gradient 2 per last-layer weight... enough to push them negative
      objective: () => tf.mul(2, tf.sum(applyModel(model, x, true))) as tf.Scalar,
    });
    // loss = 2·2 + l2 penalty 0.1·(4 · 0.5²) = 4 + 0.1 = 4.1
    expect(loss).toBeCloseTo(4.1, 5);
    const [first, last] = trainable(model);
    // first layer: 0.5 − 1·(2·1 + 0.1·2·0.5) = 0.5 − 2.1 = −1.6 → clipped to −0.3
    expect(first).toEqual([-0.3, -0.3, -0.3, -0.3].map((v) => expect.closeTo(v, 6)));
    // last layer: 1 − 1·(2·1) = −1 → nonNeg constraint → 0 (then clipping keeps 0)
    expect(last).toEqual([0, 0]);
    tf.dispose(x);
  });
});
