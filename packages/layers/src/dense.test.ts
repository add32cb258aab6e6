import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { beforeAll, describe, expect, it } from 'vitest';
import { conv2d } from './conv2d.js';
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

  it('runs the stock code outside a gradient tape: the fused op', async () => {
    const x = tf.randomNormal([2, 5], 0, 1, 'float32', 9);
    const { ours, stock } = twins({ units: 3, activation: 'relu' });
    const profile = await tf.profile(() => ours.apply(x) as tf.Tensor);
    expect(profile.kernelNames).toContain('_FusedMatMul');
    const yb = stock.apply(x) as tf.Tensor;
    expect(Array.from((profile.result as tf.Tensor).dataSync())).toEqual(Array.from(yb.dataSync()));
    tf.dispose([x, profile.result as tf.Tensor, yb]);
  });

  it("gives the stock layers' second-order gradients: a gradient penalty through conv and dense layers", () => {
    const init = (seed: number) => ({
      kernelInitializer: tfl.initializers.glorotUniform({ seed }),
      biasInitializer: tfl.initializers.randomNormal({ seed: seed + 10, stddev: 0.1 }),
    });
    const critic = (ours: boolean) => {
      const input = tfl.input({ shape: [6, 6, 2] });
      const convOptions = {
        filters: 3,
        kernelSize: 3,
        strides: 2,
        padding: 'same' as const,
        activation: 'tanh' as const,
      };
      let h = (ours ? conv2d : tfl.layers.conv2d)({ ...convOptions, ...init(1) }).apply(input) as tfl.SymbolicTensor;
      h = tfl.layers.flatten().apply(h) as tfl.SymbolicTensor;
      h = (ours ? dense : tfl.layers.dense)({ units: 4, activation: 'tanh', ...init(2) }).apply(
        h,
      ) as tfl.SymbolicTensor;
      h = (ours ? dense : tfl.layers.dense)({ units: 1, ...init(3) }).apply(h) as tfl.SymbolicTensor;
      return tfl.model({ inputs: input, outputs: h });
    };
    const [ours, stock] = [critic(true), critic(false)];
    stock.setWeights(ours.getWeights());
    const x = tf.randomNormal([2, 6, 6, 2], 0, 1, 'float32', 10);
    // WGAN-GP's shape: the squared norm of D's input gradient, differentiated again by D's weights
    const penalty = (model: tfl.LayersModel) =>
      tf.variableGrads(
        () => {
          const g = tf.grad((input: tf.Tensor) => tf.sum(model.apply(input, { training: true }) as tf.Tensor))(x);
          return tf.sum(tf.square(g));
        },
        model.trainableWeights.map((w) => w.read() as tf.Variable),
      );
    const a = penalty(ours);
    const b = penalty(stock);
    expect(a.value.dataSync()[0]).toBeCloseTo(b.value.dataSync()[0]!, 5);
    const [ga, gb] = [Object.values(a.grads), Object.values(b.grads)];
    // Plain tfjs gives the three kernels' gradients only, on both sides: its Tanh gradient uses the saved output,
    // which the tape does not link to the biases (@gan/losses' registerSecondOrderGradients fixes that for penalties).
    expect(ga).toHaveLength(3);
    expect(gb).toHaveLength(3);
    ga.forEach((g, i) => {
      const [va, vb] = [g.dataSync(), gb[i]!.dataSync()];
      expect(va.length).toBe(vb.length);
      for (let j = 0; j < vb.length; j++) expect(va[j]).toBeCloseTo(vb[j]!, 4);
    });
    expect(Math.max(...ga.map((g) => tf.max(tf.abs(g)).dataSync()[0]!))).toBeGreaterThan(1e-3);
    tf.dispose([x, a.value, b.value, ...ga, ...gb]);
    ours.dispose();
    stock.dispose();
  });
});
