import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { beforeAll, describe, expect, it } from 'vitest';
import { Dense, dense } from './dense.js';
import { registerLayers } from './register.js';
import { roundTrip } from './testing/helpers.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
  registerLayers();
});

/**
 * The layer's output for `x` and the gradients of Σ y² with respect to `wrt` (the layer's weights, by index, and/or
 * its input), with the kernels that pass ran.
 */
async function trainingPass(layer: tfl.layers.Layer, x: tf.Tensor, weights: number[], input: boolean) {
  const xVariable = input ? tf.variable(x) : undefined;
  const wrt = [
    ...weights.map((i) => layer.trainableWeights[i]!.read() as tf.Variable),
    ...(xVariable ? [xVariable] : []),
  ];
  let y: tf.Tensor | undefined;
  let grads: tf.Tensor[] = [];
  const profile = await tf.profile(() => {
    const result = tf.variableGrads(() => {
      y = tf.keep(layer.apply(xVariable ?? x, { training: true }) as tf.Tensor);
      return tf.sum(tf.square(y));
    }, wrt);
    grads = wrt.map((v) => tf.keep(result.grads[v.name]!));
    return tf.scalar(0);
  });
  xVariable?.dispose();
  return { y: y!, grads, kernels: profile.kernels.map((k) => k.name) };
}

function twins(options: Parameters<typeof tfl.layers.dense>[0]) {
  const kernelInitializer = tfl.initializers.glorotUniform({ seed: 1 });
  const biasInitializer = tfl.initializers.randomNormal({ seed: 2 });
  const ours = dense({ ...options, kernelInitializer, biasInitializer });
  const stock = tfl.layers.dense(options);
  ours.build([null, 5]);
  stock.build([null, 5]);
  stock.setWeights(ours.getWeights());
  return { ours, stock };
}

describe('Dense', () => {
  it("is tfjs's layer under its class name and config, and a saved stock layer loads as it", async () => {
    const options = { units: 3, useBias: true };
    const ours = dense(options);
    expect(Dense.className).toBe('Dense');
    expect(ours.getConfig()).toEqual({ ...tfl.layers.dense(options).getConfig(), name: ours.name });
    const model = tfl.sequential({ layers: [tfl.layers.dense({ ...options, inputShape: [4] })] });
    const { loaded } = await roundTrip(model);
    expect(loaded.layers[0]).toBeInstanceOf(Dense);
    loaded.dispose();
    model.dispose();
  });

  it('trains to the same outputs and gradients as the stock layer, with and without bias and activation', async () => {
    const x = tf.randomNormal([4, 5], 0, 1, 'float32', 7);
    for (const options of [
      { units: 3 },
      { units: 3, useBias: false },
      { units: 3, activation: 'relu' as const },
      { units: 3, activation: 'tanh' as const, useBias: false },
    ]) {
      const { ours, stock } = twins(options);
      const weights = ours.trainableWeights.map((_, i) => i);
      const a = await trainingPass(ours, x, weights, true);
      const b = await trainingPass(stock, x, weights, true);
      expect(Array.from(a.y.dataSync())).toEqual(Array.from(b.y.dataSync()));
      expect(a.grads).toHaveLength(b.grads.length);
      a.grads.forEach((g, i) => {
        const [ga, gb] = [g.dataSync(), b.grads[i]!.dataSync()];
        expect(ga.length).toBe(gb.length);
        for (let j = 0; j < gb.length; j++) expect(ga[j]).toBeCloseTo(gb[j]!, 5);
      });
      tf.dispose([a.y, b.y, ...a.grads, ...b.grads]);
    }
    x.dispose();
  });

  it("computes only the gradients its tape asks for: the input's alone runs one product, not the kernel's", async () => {
    const x = tf.randomNormal([4, 5], 0, 1, 'float32', 8);
    const { ours, stock } = twins({ units: 3 });
    // Only the input's gradient, as for a discriminator's layer in a generator step.
    const a = await trainingPass(ours, x, [], true);
    const b = await trainingPass(stock, x, [], true);
    expect(Array.from(a.grads[0]!.dataSync())).toEqual(Array.from(b.grads[0]!.dataSync()));
    const products = (kernels: string[]) => kernels.filter((k) => k === 'BatchMatMul' || k === '_FusedMatMul').length;
    // the forward product and dy · Wᵀ; the stock layer's fused op also runs xᵀ · dy
    expect(products(a.kernels)).toBe(2);
    expect(products(b.kernels)).toBe(3);
    tf.dispose([a.y, b.y, ...a.grads, ...b.grads]);
    x.dispose();
  });

  it('runs the stock code outside a gradient tape', () => {
    const x = tf.randomNormal([2, 5], 0, 1, 'float32', 9);
    const { ours, stock } = twins({ units: 3, activation: 'relu' });
    const ya = ours.apply(x) as tf.Tensor;
    const yb = stock.apply(x) as tf.Tensor;
    expect(Array.from(ya.dataSync())).toEqual(Array.from(yb.dataSync()));
    tf.dispose([x, ya, yb]);
  });
});
