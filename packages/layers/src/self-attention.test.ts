import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { beforeAll, describe, expect, it } from 'vitest';
import { registerLayers } from './register.js';
import { type SelfAttention, selfAttention } from './self-attention.js';
import { expectClose, predictValues, roundTrip, wave } from './testing/helpers.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
  registerLayers();
});

/**
 * One example, 1×2 positions, 1 channel: x = [1, 2]. f = x (kernel 1, bias 0), g = x, h = 2x + 1 = [3, 5].
 * Scores s_ji = g_j f_i: row j = 1: [1, 2], row j = 2: [2, 4]. Softmax rows:
 * [1/(1 + e), e/(1 + e)] = [0.268941, 0.731059] and [1/(1 + e²), e²/(1 + e²)] = [0.119203, 0.880797].
 * o = [3·0.268941 + 5·0.731059, 3·0.119203 + 5·0.880797] = [4.462117, 4.761594].
 */
function setUp(gamma: number): { layer: SelfAttention; x: tf.Tensor } {
  const layer = selfAttention();
  const x = tf.tensor4d([1, 2], [1, 1, 2, 1]);
  layer.apply(x);
  const one = tf.tensor2d([[1]]);
  layer.setWeights([one, tf.zeros([1]), one, tf.zeros([1]), tf.tensor2d([[2]]), tf.ones([1]), tf.tensor1d([gamma])]);
  return { layer, x };
}

describe('selfAttention', () => {
  it('starts as the identity (γ = 0) with SAGAN’s weight shapes', () => {
    const layer = selfAttention({ kernelInitializer: tfl.initializers.randomNormal({ seed: 1 }) });
    const x = wave([2, 2, 2, 16]);
    const out = layer.apply(x) as tf.Tensor;
    expect(Array.from(out.dataSync())).toEqual(Array.from(x.dataSync()));
    // f, g: 16 → 2 (16/8), h: 16 → 16, γ: 1.
    expect(layer.getWeights().map((w) => w.shape)).toEqual([[16, 2], [2], [16, 2], [2], [16, 16], [16], [1]]);
    expect(layer.countParams()).toBe(2 * (16 * 2 + 2) + 16 * 16 + 16 + 1);
  });

  it('computes γ·softmax(g fᵀ)·h + x', () => {
    const { layer, x } = setUp(0.5);
    // out = x + 0.5·o = [1 + 2.231059, 2 + 2.380797].
    const values = Array.from((layer.apply(x) as tf.Tensor).dataSync());
    expectClose(values, [3.231059, 4.380797]);
  });

  it('gives γ the gradient Σ o', () => {
    const { layer, x } = setUp(0);
    const gamma = layer.trainableWeights[6] as unknown as { val: tf.Variable };
    const { grads } = tf.variableGrads(() => tf.sum(layer.apply(x) as tf.Tensor) as tf.Scalar, [gamma.val]);
    expect(grads[gamma.val.name].dataSync()[0]).toBeCloseTo(4.462117 + 4.761594, 4);
  });

  it('gives symbolic shapes and round-trips with identical outputs', async () => {
    const input = tfl.input({ shape: [2, 3, 4] });
    const output = selfAttention({ attentionChannels: 3 }).apply(input) as tfl.SymbolicTensor;
    expect(output.shape).toEqual([null, 2, 3, 4]);
    const model = tfl.model({ inputs: input, outputs: output });
    const weights = model.getWeights();
    model.setWeights([...weights.slice(0, 6), tf.tensor1d([0.7])]);
    const { loaded, topology } = await roundTrip(model);
    expect(topology).toContain('"class_name":"SelfAttention"');
    const x = wave([2, 2, 3, 4]);
    const before = predictValues(model, x);
    expect(predictValues(loaded, x)).toEqual(before);
    expect(before).not.toEqual(Array.from(x.dataSync()));
    expect((loaded.layers[1] as SelfAttention).attentionChannels).toBe(3);
    expect(() => selfAttention().apply(tf.zeros([2, 4]))).toThrow(/\[n, height, width, channels\]/);
  });
});
