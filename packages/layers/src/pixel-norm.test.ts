import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { beforeAll, describe, expect, it } from 'vitest';
import { type PixelNorm, pixelNorm } from './pixel-norm.js';
import { registerLayers } from './register.js';
import { expectClose, predictValues, roundTrip, wave } from './testing/helpers.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
  registerLayers();
});

describe('pixelNorm', () => {
  it('divides every pixel’s feature vector by its root mean square', () => {
    // [3, 4]: mean square (9 + 16)/2 = 12.5 → [3, 4]/sqrt(12.5) = [0.848528, 1.131371].
    // [0, 2]: mean square 2 → [0, √2].
    const out = pixelNorm().apply(tf.tensor4d([3, 4, 0, 2], [1, 1, 2, 2])) as tf.Tensor;
    expect(out.shape).toEqual([1, 1, 2, 2]);
    expectClose(out.dataSync(), [0.848528, 1.131371, 0, Math.SQRT2]);
  });

  it('passes the gradient of x / rms(x)', () => {
    // f = Σ_i x_i / r, r = sqrt(Σx²/2): ∂f/∂x_j = 1/r − (Σx)·x_j / (2 r³). x = [3, 4]: r² = 12.5, r³ = 44.19417:
    // ∂/∂x_0 = 0.282843 − 7·3/88.38835 = 0.045253; ∂/∂x_1 = 0.282843 − 28/88.38835 = −0.033941.
    const layer = pixelNorm();
    const gradient = tf.grad((x: tf.Tensor) => tf.sum(layer.apply(x) as tf.Tensor))(tf.tensor2d([[3, 4]]));
    expectClose(gradient.dataSync(), [0.045253, -0.033941]);
  });

  it('keeps shapes and round-trips', async () => {
    const input = tfl.input({ shape: [2, 2, 3] });
    const output = pixelNorm({ epsilon: 1e-4 }).apply(input) as tfl.SymbolicTensor;
    expect(output.shape).toEqual([null, 2, 2, 3]);
    const model = tfl.model({ inputs: input, outputs: output });
    const { loaded } = await roundTrip(model);
    const images = wave([2, 2, 2, 3]);
    expect(predictValues(loaded, images)).toEqual(predictValues(model, images));
    expect((loaded.layers[1] as PixelNorm).epsilon).toBe(1e-4);
  });
});
