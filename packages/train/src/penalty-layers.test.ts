import '@tensorflow/tfjs-backend-cpu';
import { createRandom } from '@gan/core';
import { r1Penalty } from '@gan/losses';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { beforeAll, describe, expect, it } from 'vitest';
import { applyModel } from './models.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

/** A critic with every kind of layer our models use: conv2d, BN, leakyReLU, conv2dTranspose, tanh, reshape, flatten, dense, relu, sigmoid, concatenate. */
function mixedCritic(): tfl.LayersModel {
  const init = (seed: number) => tfl.initializers.glorotUniform({ seed });
  const x = tfl.input({ shape: [4, 4, 1] });
  let h = tfl.layers.conv2d({ filters: 2, kernelSize: 3, padding: 'same', kernelInitializer: init(1) }).apply(x);
  h = tfl.layers.batchNormalization().apply(h);
  h = tfl.layers.leakyReLU({ alpha: 0.2 }).apply(h);
  h = tfl.layers
    .conv2dTranspose({ filters: 1, kernelSize: 3, strides: 2, padding: 'same', kernelInitializer: init(2) })
    .apply(h);
  h = tfl.layers.activation({ activation: 'tanh' }).apply(h);
  const flat = tfl.layers.reshape({ targetShape: [64] }).apply(h);
  const a = tfl.layers.dense({ units: 3, activation: 'relu', kernelInitializer: init(3) }).apply(flat);
  const b = tfl.layers
    .dense({ units: 2, activation: 'sigmoid', kernelInitializer: init(4) })
    .apply(tfl.layers.flatten().apply(x));
  const joined = tfl.layers.concatenate().apply([a, b] as tfl.SymbolicTensor[]);
  const logits = tfl.layers.dense({ units: 1, kernelInitializer: init(5) }).apply(joined) as tfl.SymbolicTensor;
  return tfl.model({ inputs: x, outputs: logits });
}

describe('R1 on a tfjs-layers critic', () => {
  it('has the gradient that finite differences give, for every kind of weight', () => {
    const model = mixedCritic();
    const real = tf.tensor4d(createRandom(2).normal(3 * 16, 0, 1), [3, 4, 4, 1]);
    const penalty = r1Penalty({ weight: 2 });
    const value = () =>
      tf.tidy(() => penalty.compute({ critic: (x) => applyModel(model, x, true), real, fake: real }).dataSync()[0]);
    const variables = model.trainableWeights.map((w) => w.read() as tf.Variable);
    const { grads } = tf.variableGrads(
      () => penalty.compute({ critic: (x) => applyModel(model, x, true), real, fake: real }),
      variables,
    );
    const epsilon = 1e-3;
    let checked = 0;
    for (const variable of variables) {
      const base = Array.from(variable.dataSync());
      const analytic = grads[variable.name] ? Array.from(grads[variable.name].dataSync()) : base.map(() => 0);
      // up to 4 entries of each weight
      for (const i of [0, 1, base.length - 2, base.length - 1].filter(
        (k, j, all) => k >= 0 && k < base.length && all.indexOf(k) === j,
      )) {
        const at = (delta: number) => {
          const values = base.slice();
          values[i] += delta;
          variable.assign(tf.tensor(values, variable.shape));
          return value();
        };
        const numeric = (at(epsilon) - at(-epsilon)) / (2 * epsilon);
        variable.assign(tf.tensor(base, variable.shape));
        expect(Math.abs(analytic[i] - numeric)).toBeLessThan(2e-2 * Math.max(1, Math.abs(numeric)));
        checked++;
      }
    }
    expect(checked).toBeGreaterThan(30);
    tf.dispose([real, ...Object.values(grads)]);
    model.dispose();
  });
});
