import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import { createRandom } from '@gan/core';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { createPenalty, type GanPenalty, gradientPenalty, r1Penalty, r2Penalty } from './penalties.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

// A linear critic D(x) = x·w with w = [3, 4]: ∇ₓD = w, ‖∇ₓD‖ = 5 for every input.
const linearCritic = (w: tf.Tensor) => (x: tf.Tensor) => tf.matMul(x, tf.reshape(w, [2, 1]));
const real = () =>
  tf.tensor2d([
    [1, 2],
    [0, -1],
  ]);
const fake = () =>
  tf.tensor2d([
    [5, 5],
    [-2, 1],
  ]);
const alpha = () => tf.tensor1d([0.25, 0.75]);

function penaltyAndGradient(penalty: GanPenalty, w: tf.Tensor): { value: number; gradient: number[] } {
  return tf.tidy(() => {
    const { value, grad } = tf.valueAndGrad((weights: tf.Tensor) =>
      penalty.compute({ critic: linearCritic(weights), real: real(), fake: fake(), alpha: alpha() }),
    )(w);
    return { value: value.dataSync()[0], gradient: Array.from(grad.dataSync()) };
  });
}

describe('gradient penalties on a linear critic, by hand', () => {
  const w = tf.tensor1d([3, 4]);

  it('WGAN-GP: λ(‖w‖ − 1)² with gradient 2λ(‖w‖ − 1)·w/‖w‖', () => {
    // 10·(5 − 1)² = 160; gradient 2·10·4·[3, 4]/5 = [48, 64]
    const { value, gradient } = penaltyAndGradient(gradientPenalty(), w);
    expect(value).toBeCloseTo(160, 3);
    expect(gradient[0]).toBeCloseTo(48, 3);
    expect(gradient[1]).toBeCloseTo(64, 3);
    // weight 1: (5 − 1)² = 16
    expect(penaltyAndGradient(gradientPenalty({ weight: 1 }), w).value).toBeCloseTo(16, 4);
  });

  it('R1 and R2: γ/2·‖w‖² with gradient γ·w', () => {
    for (const penalty of [r1Penalty(), r2Penalty(), createPenalty({ kind: 'r1', weight: 10 })]) {
      const { value, gradient } = penaltyAndGradient(penalty, w);
      expect(value).toBeCloseTo(125, 3); // 10/2·25
      expect(gradient[0]).toBeCloseTo(30, 3);
      expect(gradient[1]).toBeCloseTo(40, 3);
    }
  });

  it('rejects a missing alpha, bad weights and unknown kinds', () => {
    const p = gradientPenalty();
    expect(() => p.compute({ critic: linearCritic(w), real: real(), fake: fake() })).toThrow(
      /Expected interpolation weights alpha/,
    );
    expect(() => r1Penalty({ weight: Number.NaN })).toThrow(/weight of r1Penalty\(\) to be a finite number/);
    expect(() => createPenalty({ kind: 'l2' as 'gp' })).toThrow('Unknown penalty kind "l2". Known kinds: gp, r1, r2.');
  });
});

describe('the penalties of a tiny nonlinear critic match finite differences', () => {
  // D(x) = v·leakyRelu(tanh(x·W + b)·s), x ∈ ℝ³, 4 hidden units: every op of the check has a second derivative
  const random = createRandom(3);
  const W = Array.from(random.normal(12, 0, 0.8));
  const b = Array.from(random.normal(4, 0, 0.3));
  const v = Array.from(random.normal(4, 0, 1));
  const x0 = Array.from(random.normal(6, 0, 1));
  const x1 = Array.from(random.normal(6, 0, 1));
  const critic = (weights: tf.Tensor) => (x: tf.Tensor) => {
    const hidden = tf.tanh(tf.add(tf.matMul(x, tf.reshape(weights, [3, 4])), b));
    return tf.matMul(tf.leakyRelu(tf.mul(hidden, 1.5), 0.2), tf.tensor2d(v, [4, 1]));
  };
  const compute = (penalty: GanPenalty, weights: number[]): number =>
    tf.tidy(
      () =>
        penalty
          .compute({
            critic: critic(tf.tensor1d(weights)),
            real: tf.tensor2d(x0, [2, 3]),
            fake: tf.tensor2d(x1, [2, 3]),
            alpha: tf.tensor1d([0.3, 0.6]),
          })
          .dataSync()[0],
    );

  it.each([
    ['gp', gradientPenalty({ weight: 1 })],
    ['r1', r1Penalty({ weight: 1 })],
    ['r2', r2Penalty({ weight: 1 })],
  ] as const)('%s', (_, penalty) => {
    const analytic = tf.tidy(() =>
      Array.from(
        tf
          .grad((weights: tf.Tensor) =>
            penalty.compute({
              critic: critic(weights),
              real: tf.tensor2d(x0, [2, 3]),
              fake: tf.tensor2d(x1, [2, 3]),
              alpha: tf.tensor1d([0.3, 0.6]),
            }),
          )(tf.tensor1d(W))
          .dataSync(),
      ),
    );
    const epsilon = 2e-3;
    for (let i = 0; i < W.length; i++) {
      const plus = W.slice();
      const minus = W.slice();
      plus[i] += epsilon;
      minus[i] -= epsilon;
      const numeric = (compute(penalty, plus) - compute(penalty, minus)) / (2 * epsilon);
      expect(Math.abs(analytic[i] - numeric)).toBeLessThan(1e-2 * Math.max(1, Math.abs(numeric)));
    }
  });

  it('leaves no tensors behind but the result', () => {
    const before = tf.memory().numTensors;
    const weights = tf.tensor1d(W);
    const r = tf.tensor2d(x0, [2, 3]);
    const f = tf.tensor2d(x1, [2, 3]);
    const a = tf.tensor1d([0.3, 0.6]);
    const c = critic(weights);
    const result = gradientPenalty().compute({ critic: (x) => tf.tidy(() => c(x)), real: r, fake: f, alpha: a });
    expect(tf.memory().numTensors).toBe(before + 5);
    tf.dispose([weights, r, f, a, result]);
  });
});
