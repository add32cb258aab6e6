import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import { createRandom } from '@gan/core';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { registerSecondOrderGradients } from './second-order-gradients.js';

type Critic = (x: tf.Tensor, params: tf.Tensor[]) => tf.Tensor;

const random = createRandom(7);
function tensor(shape: number[], scale = 1): tf.Tensor {
  const size = shape.reduce((a, b) => a * b, 1);
  return tf.tensor(random.normal(size, 0, scale), shape);
}

/** ‖∇ₓ Σ c·critic(x)‖², the shape of every gradient penalty. */
function penalty(critic: Critic, x: tf.Tensor, params: tf.Tensor[]): tf.Scalar {
  return tf.tidy(() => {
    const gradient = tf.grad((input: tf.Tensor) => tf.sum(critic(input, params)))(x);
    return tf.sum(tf.square(gradient)) as tf.Scalar;
  });
}

/** Largest |analytic − central difference| of the penalty's gradient w.r.t. x and every parameter, relative. */
function secondOrderError(critic: Critic, x: tf.Tensor, params: tf.Tensor[]): number {
  const inputs = [x, ...params];
  const analytic = tf.tidy(() =>
    tf
      .grads((...all: tf.Tensor[]) => penalty(critic, all[0], all.slice(1)))(inputs)
      .map((g) => Array.from(g.dataSync())),
  );
  const epsilon = 1e-2;
  let worst = 0;
  for (const [k, input] of inputs.entries()) {
    const base = Array.from(input.dataSync());
    for (let i = 0; i < base.length; i++) {
      const at = (delta: number): number => {
        const values = base.slice();
        values[i] += delta;
        const moved = inputs.map((t, j) => (j === k ? tf.tensor(values, t.shape) : t));
        const value = penalty(critic, moved[0], moved.slice(1)).dataSync()[0];
        moved[k].dispose();
        return value;
      };
      const numeric = (at(epsilon) - at(-epsilon)) / (2 * epsilon);
      const error = Math.abs(numeric - analytic[k][i]) / Math.max(1, Math.abs(numeric));
      worst = Math.max(worst, error);
      if (error > 2e-2) console.log(k, i, numeric, analytic[k][i]);
    }
  }
  return worst;
}

beforeAll(async () => {
  await tf.setBackend('cpu');
  registerSecondOrderGradients();
});

const cases: [string, () => { critic: Critic; x: tf.Tensor; params: tf.Tensor[] }][] = [
  [
    'matMul + bias (dense)',
    () => ({
      critic: (x, [w, b, c]) => tf.mul(c, tf.square(tf.add(tf.matMul(x, w), b))),
      x: tensor([3, 4]),
      params: [tensor([4, 2]), tensor([2]), tensor([1, 2])],
    }),
  ],
  [
    'conv2d',
    () => ({
      critic: (x, [w, c]) => tf.mul(c, tf.square(tf.conv2d(x as tf.Tensor4D, w as tf.Tensor4D, 2, 'same'))),
      x: tensor([2, 4, 4, 2]),
      params: [tensor([3, 3, 2, 2]), tensor([2, 2, 2, 2])],
    }),
  ],
  [
    'conv2dTranspose',
    () => ({
      critic: (x, [w, c]) =>
        tf.mul(c, tf.square(tf.conv2dTranspose(x as tf.Tensor4D, w as tf.Tensor4D, [2, 4, 4, 2], 2, 'same'))),
      x: tensor([2, 2, 2, 2]),
      params: [tensor([3, 3, 2, 2]), tensor([2, 4, 4, 2])],
    }),
  ],
  [
    'relu',
    () => ({
      critic: (x, [w, c]) => tf.mul(c, tf.square(tf.relu(tf.mul(x, w)))),
      x: tensor([2, 3]),
      params: [tensor([3]), tensor([2, 3])],
    }),
  ],
  [
    'leakyRelu',
    () => ({
      critic: (x, [w, c]) => tf.mul(c, tf.square(tf.leakyRelu(tf.mul(x, w), 0.2))),
      x: tensor([2, 3]),
      params: [tensor([3]), tensor([2, 3])],
    }),
  ],
  [
    'sigmoid',
    () => ({
      critic: (x, [w, c]) => tf.mul(c, tf.sigmoid(tf.mul(x, w))),
      x: tensor([2, 3]),
      params: [tensor([3]), tensor([2, 3])],
    }),
  ],
  [
    'tanh',
    () => ({
      critic: (x, [w, c]) => tf.mul(c, tf.tanh(tf.mul(x, w))),
      x: tensor([2, 3]),
      params: [tensor([3]), tensor([2, 3])],
    }),
  ],
  [
    'reshape',
    () => ({
      critic: (x, [w, c]) => tf.mul(c, tf.tanh(tf.reshape(tf.mul(x, w), [3, 2]))),
      x: tensor([2, 3]),
      params: [tensor([3]), tensor([3, 2])],
    }),
  ],
  [
    'concat',
    () => ({
      critic: (x, [w, c]) => tf.mul(c, tf.tanh(tf.concat([tf.mul(x, w), tf.square(x)], 1))),
      x: tensor([2, 3]),
      params: [tensor([3]), tensor([2, 6])],
    }),
  ],
  [
    'label map (reshape + tile)',
    () => ({
      critic: (x, [w, c]) => tf.mul(c, tf.tanh(tf.tile(tf.reshape(tf.mul(x, w), [-1, 1, 1, 3]), [1, 2, 2, 1]))),
      x: tensor([2, 3]),
      params: [tensor([3]), tensor([2, 2, 2, 3])],
    }),
  ],
  // as tfjs-layers' BatchNormalization in training mode: batch moments, then tf.batchNorm
  [
    'batch norm on [n, c] (moments + batchNorm)',
    () => ({
      critic: (x, [gamma, beta, c]) => {
        const { mean, variance } = tf.moments(x, [0]);
        return tf.mul(c, tf.tanh(tf.batchNorm(x, mean, variance, beta, gamma, 1e-3)));
      },
      x: tensor([4, 3]),
      params: [tensor([3]), tensor([3]), tensor([4, 3])],
    }),
  ],
  [
    'batch norm on [n, h, w, c] (moments + batchNorm)',
    () => ({
      critic: (x, [gamma, beta, c]) => {
        const { mean, variance } = tf.moments(x, [0, 1, 2]);
        return tf.mul(c, tf.tanh(tf.batchNorm(x, mean, variance, beta, gamma, 1e-3)));
      },
      x: tensor([3, 2, 2, 2]),
      params: [tensor([2]), tensor([2]), tensor([3, 2, 2, 2])],
    }),
  ],
];

describe('second-order gradients on the cpu backend', () => {
  it.each(cases)('%s', (_, build) => {
    const { critic, x, params } = build();
    expect(secondOrderError(critic, x, params)).toBeLessThan(2e-2);
  });
});
