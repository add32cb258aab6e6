import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { beforeAll, describe, expect, it } from 'vitest';
import { ConditionalBatchNorm, conditionalBatchNorm } from './conditional-batch-norm.js';
import { registerLayers } from './register.js';
import { predictValues, roundTrip, wave } from './testing/helpers.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
  registerLayers();
});

// Two examples of 1×1 pixels, 2 channels: [1, 2] (class 0) and [3, 6] (class 1).
// Batch statistics: mean [2, 4], variance [1, 4] → normalized [−1, −1] and [1, 1] (ε = 1e-5 aside).
// γ = [[2, 3], [0.5, 1]], β = [[1, 0], [0, −1]] (rows are classes):
// example 0 (class 0): [−1·2 + 1, −1·3 + 0] = [−1, −3]; example 1 (class 1): [1·0.5 + 0, 1·1 − 1] = [0.5, 0].
function setUp(): { layer: ConditionalBatchNorm; x: tf.Tensor; labels: tf.Tensor } {
  const layer = conditionalBatchNorm({ numClasses: 2 });
  const x = tf.tensor4d([1, 2, 3, 6], [2, 1, 1, 2]);
  const labels = tf.tensor2d([
    [1, 0],
    [0, 1],
  ]);
  layer.apply([x, labels]);
  const [, , mean, variance] = layer.getWeights();
  layer.setWeights([
    tf.tensor2d([
      [2, 3],
      [0.5, 1],
    ]),
    tf.tensor2d([
      [1, 0],
      [0, -1],
    ]),
    mean,
    variance,
  ]);
  return { layer, x, labels };
}

function expectClose(actual: ArrayLike<number>, expected: number[], digits = 4): void {
  expect(actual.length).toBe(expected.length);
  for (let i = 0; i < expected.length; i++) expect(actual[i]).toBeCloseTo(expected[i], digits);
}

describe('conditionalBatchNorm', () => {
  it('normalizes with batch statistics and applies each label’s γ and β in training mode', () => {
    const { layer, x, labels } = setUp();
    const out = layer.apply([x, labels], { training: true }) as tf.Tensor;
    expect(out.shape).toEqual([2, 1, 1, 2]);
    expectClose(out.dataSync(), [-1, -3, 0.5, 0]);
    // Moving statistics: 0.9 · old + 0.1 · batch, with the unbiased variance (n = 2: σ²·2) as PyTorch keeps it:
    // mean 0.9·0 + 0.1·[2, 4] = [0.2, 0.4]; variance 0.9·1 + 0.1·[1, 4]·2 = [1.1, 1.7].
    const [, , mean, variance] = layer.getWeights();
    expectClose(mean.dataSync(), [0.2, 0.4], 5);
    expectClose(variance.dataSync(), [1.1, 1.7], 5);
  });

  it('uses the moving statistics in inference mode', () => {
    const { layer, x, labels } = setUp();
    // Moving mean 0, variance 1: example 0 → [1·2 + 1, 2·3] = [3, 6]; example 1 → [3·0.5, 6·1 − 1] = [1.5, 5].
    expectClose((layer.apply([x, labels]) as tf.Tensor).dataSync(), [3, 6, 1.5, 5], 4);
  });

  it('gives γ and β the gradients of their own class only', () => {
    // ∂Σout/∂γ[k, c] = Σ over examples of class k of x̂[n, c]: class 0 → [−1, −1], class 1 → [1, 1];
    // ∂Σout/∂β[k, c] = number of examples of class k = 1.
    const { layer, x, labels } = setUp();
    const { grads } = tf.variableGrads(
      () => tf.sum(layer.apply([x, labels], { training: true }) as tf.Tensor) as tf.Scalar,
      layer.trainableWeights.map((w) => (w as unknown as { val: tf.Variable }).val),
    );
    const [gammaGrad, betaGrad] = layer.trainableWeights.map(
      (w) => grads[(w as unknown as { val: tf.Variable }).val.name],
    );
    expectClose(gammaGrad.dataSync(), [-1, -1, 1, 1], 3);
    expectClose(betaGrad.dataSync(), [1, 1, 1, 1], 5);
  });

  it('gives symbolic shapes, rejects wrong inputs and round-trips', async () => {
    const features = tfl.input({ shape: [2, 2, 3] });
    const labels = tfl.input({ shape: [4] });
    const output = conditionalBatchNorm({ numClasses: 4, momentum: 0.8 }).apply([
      features,
      labels,
    ]) as tfl.SymbolicTensor;
    expect(output.shape).toEqual([null, 2, 2, 3]);
    const model = tfl.model({ inputs: [features, labels], outputs: output });
    const images = wave([2, 2, 2, 3]);
    const oneHot = tf.tensor2d([
      [0, 1, 0, 0],
      [0, 0, 0, 1],
    ]);
    tf.dispose(model.apply([images, oneHot], { training: true }) as tf.Tensor);
    // Non-trivial γ so that the label matters in the compared outputs.
    const weights = model.getWeights();
    model.setWeights([wave([4, 3], 2), wave([4, 3], 3), weights[2], weights[3]]);
    const { loaded, topology } = await roundTrip(model);
    expect(topology).toContain('"class_name":"ConditionalBatchNorm"');
    expect(predictValues(loaded, [images, oneHot])).toEqual(predictValues(model, [images, oneHot]));
    expect(
      predictValues(model, [
        images,
        tf.tensor2d([
          [1, 0, 0, 0],
          [0, 0, 0, 1],
        ]),
      ]),
    ).not.toEqual(predictValues(model, [images, oneHot]));
    const restored = loaded.layers.find((l) => l instanceof ConditionalBatchNorm) as ConditionalBatchNorm;
    expect(restored.momentum).toBe(0.8);
    expect(() => conditionalBatchNorm({ numClasses: 3 }).apply([features, labels])).toThrow(/one-hot labels \[n, 3\]/);
    expect(() => conditionalBatchNorm({ numClasses: 0 })).toThrow(/positive integer/);
  });
});
