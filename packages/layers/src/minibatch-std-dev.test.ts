import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { beforeAll, describe, expect, it } from 'vitest';
import { type MinibatchStdDev, minibatchStdDev } from './minibatch-std-dev.js';
import { registerLayers } from './register.js';
import { expectClose, predictValues, roundTrip, wave } from './testing/helpers.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
  registerLayers();
});

// Two examples of 1×1 pixels with 2 channels: [1, 2] and [3, 6].
// Channel 0: mean 2, population std |1 − 2| = 1; channel 1: mean 4, std 2 → mean std 1.5.
const x = () => tf.tensor4d([1, 2, 3, 6], [2, 1, 1, 2]);

describe('minibatchStdDev', () => {
  it('appends the mean over features of the batch standard deviation as a channel', () => {
    const out = minibatchStdDev().apply(x()) as tf.Tensor;
    expect(out.shape).toEqual([2, 1, 1, 3]);
    const values = Array.from(out.dataSync());
    expectClose(values, [1, 2, 1.5, 3, 6, 1.5]);
  });

  it('passes the right gradient to the inputs', () => {
    // sum(out) = Σx + 2·s (one s per example), s = ½ Σ_c std_c, ∂std_c/∂x_nc = (x_nc − mean_c) / (2 · std_c):
    // ∂/∂x[0] = 1 + 2·½·(1 − 2)/(2·1) = 0.5; ∂/∂x[0, c1] = 1 + (2 − 4)/(2·2) = 0.5; example 1: 1.5 and 1.5.
    const layer = minibatchStdDev();
    const gradient = tf.grad((input: tf.Tensor) => tf.sum(layer.apply(input) as tf.Tensor))(x());
    expectClose(gradient.dataSync(), [0.5, 0.5, 1.5, 1.5], 4);
  });

  it('works on [n, features], gives symbolic shapes and round-trips', async () => {
    expect((minibatchStdDev().apply(tf.tensor2d([[1], [3]])) as tf.Tensor).arraySync()).toEqual([
      [1, 1],
      [3, 1],
    ]);
    const input = tfl.input({ shape: [2, 2, 3] });
    const output = minibatchStdDev({ epsilon: 1e-6 }).apply(input) as tfl.SymbolicTensor;
    expect(output.shape).toEqual([null, 2, 2, 4]);
    const model = tfl.model({ inputs: input, outputs: output });
    const { loaded } = await roundTrip(model);
    const images = wave([3, 2, 2, 3]);
    expect(predictValues(loaded, images)).toEqual(predictValues(model, images));
    expect((loaded.layers[1] as MinibatchStdDev).epsilon).toBe(1e-6);
    expect(() => minibatchStdDev().apply(tf.zeros([3]))).toThrow(/rank ≥ 2/);
  });
});
