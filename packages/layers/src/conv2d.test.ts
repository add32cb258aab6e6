import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { beforeAll, describe, expect, it } from 'vitest';
import { Conv2D, conv2d } from './conv2d.js';
import { registerLayers } from './register.js';
import { roundTrip } from './testing/helpers.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
  registerLayers();
});

/** The layer's output and the gradients of its weights (kernel, then bias) for a fixed input, and the kernels that ran. */
async function trainingPass(layer: tfl.layers.Layer, x: tf.Tensor) {
  const variables = layer.trainableWeights.map((w) => w.read() as tf.Variable);
  let y: tf.Tensor | undefined;
  let grads: tf.Tensor[] = [];
  const profile = await tf.profile(() => {
    const result = tf.variableGrads(() => {
      y = tf.keep(layer.apply(x, { training: true }) as tf.Tensor);
      return tf.sum(tf.square(y));
    }, variables);
    grads = variables.map((v) => tf.keep(result.grads[v.name]!));
    return tf.scalar(0);
  });
  return { y: y!, kernels: profile.kernelNames, grads };
}

/** Expects the gradients of `a` and `b` to agree to 4 decimals, weight by weight. */
function expectSameGradients(a: tf.Tensor[], b: tf.Tensor[]): void {
  expect(a.map((g) => g.shape)).toEqual(b.map((g) => g.shape));
  a.forEach((g, i) => {
    const [ga, gb] = [g.dataSync(), b[i]!.dataSync()];
    for (let j = 0; j < gb.length; j++) expect(ga[j]).toBeCloseTo(gb[j]!, 4);
  });
}

describe('Conv2D', () => {
  it("is tfjs's layer under its class name and config, and a saved stock layer loads as it", async () => {
    const options = { filters: 3, kernelSize: 4, strides: 2, padding: 'same' as const, useBias: false };
    const ours = conv2d(options);
    expect(Conv2D.className).toBe('Conv2D');
    expect(ours.getConfig()).toEqual({ ...tfl.layers.conv2d(options).getConfig(), name: ours.name });
    const model = tfl.sequential({ layers: [tfl.layers.conv2d({ ...options, inputShape: [8, 8, 2] })] });
    const { loaded } = await roundTrip(model);
    expect(loaded.layers[0]).toBeInstanceOf(Conv2D);
    loaded.dispose();
    model.dispose();
  });

  it('trains a bias-free linear convolution to the same values and kernel gradient, without the unneeded input gradient', async () => {
    const options = { filters: 3, kernelSize: 4, strides: 2, padding: 'same' as const, useBias: false };
    const kernelInitializer = tfl.initializers.glorotUniform({ seed: 1 });
    const x = tf.randomNormal([2, 8, 8, 2], 0, 1, 'float32', 7);
    const ours = conv2d({ ...options, kernelInitializer });
    const stock = tfl.layers.conv2d(options);
    ours.build([null, 8, 8, 2]);
    stock.build([null, 8, 8, 2]);
    stock.setWeights(ours.getWeights());
    const a = await trainingPass(ours, x);
    const b = await trainingPass(stock, x);
    expect(Array.from(a.y.dataSync())).toEqual(Array.from(b.y.dataSync()));
    expectSameGradients(a.grads, b.grads);
    // The stock layer's fused op computes the input's gradient too; the input is no variable here.
    expect(b.kernels).toContain('Conv2DBackpropInput');
    expect(a.kernels).not.toContain('Conv2DBackpropInput');
    tf.dispose([x, a.y, b.y, ...a.grads, ...b.grads]);
  });

  it('trains with a bias or an activation to the same values and gradients, still without the input gradient', async () => {
    const x = tf.randomNormal([1, 6, 6, 2], 0, 1, 'float32', 8);
    // tfjs fuses a bias and a linear activation (then tanh as an op of its own); with relu it fuses only outside a tape
    for (const [options, stockFuses] of [
      [{ filters: 2, kernelSize: 3, useBias: true }, true],
      [{ filters: 2, kernelSize: 3, useBias: false, activation: 'relu' as const }, false],
      [{ filters: 2, kernelSize: 3, useBias: true, activation: 'tanh' as const, padding: 'same' as const }, true],
    ] as const) {
      const kernelInitializer = tfl.initializers.glorotUniform({ seed: 2 });
      const biasInitializer = tfl.initializers.randomNormal({ seed: 3 });
      const ours = conv2d({ ...options, kernelInitializer, biasInitializer });
      const stock = tfl.layers.conv2d(options);
      ours.build([null, 6, 6, 2]);
      stock.build([null, 6, 6, 2]);
      stock.setWeights(ours.getWeights());
      const a = await trainingPass(ours, x);
      const b = await trainingPass(stock, x);
      expect(Array.from(a.y.dataSync())).toEqual(Array.from(b.y.dataSync()));
      expect(a.grads).toHaveLength(options.useBias ? 2 : 1);
      expectSameGradients(a.grads, b.grads);
      expect(b.kernels.includes('Conv2DBackpropInput')).toBe(stockFuses);
      expect(a.kernels).not.toContain('Conv2DBackpropInput');
      tf.dispose([a.y, b.y, ...a.grads, ...b.grads]);
    }
    x.dispose();
  });

  it('runs the stock code outside a gradient tape: the fused op', async () => {
    const x = tf.randomNormal([1, 6, 6, 2], 0, 1, 'float32', 9);
    const options = { filters: 2, kernelSize: 3, useBias: true, activation: 'relu' as const };
    const ours = conv2d({ ...options, biasInitializer: tfl.initializers.randomNormal({ seed: 4 }) });
    const stock = tfl.layers.conv2d(options);
    ours.build([null, 6, 6, 2]);
    stock.build([null, 6, 6, 2]);
    stock.setWeights(ours.getWeights());
    const profile = await tf.profile(() => ours.apply(x) as tf.Tensor);
    expect(profile.kernelNames).toContain('FusedConv2D');
    const yb = stock.apply(x) as tf.Tensor;
    expect(Array.from((profile.result as tf.Tensor).dataSync())).toEqual(Array.from(yb.dataSync()));
    tf.dispose([x, profile.result as tf.Tensor, yb]);
  });
});
