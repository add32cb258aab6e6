import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { flipLabels } from './label-noise.js';
import { nonSaturatingLoss } from './non-saturating.js';
import { relativisticAverageLoss, relativisticLoss } from './relativistic.js';

// real logits [2, −1] (mean 0.5), fake logits [0.5, −3] (mean −1.25)
const real = [2, -1];
const fake = [0.5, -3];

function value(f: () => tf.Scalar): number {
  return tf.tidy(() => f().dataSync()[0]);
}

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('relativisticLoss (RSGAN)', () => {
  it('compares real and fake pairwise, by hand', () => {
    const loss = relativisticLoss();
    // D: mean(softplus(fake − real)) = mean(softplus(−1.5), softplus(−2)) = mean(0.201413278, 0.126928011)
    expect(value(() => loss.discriminatorLoss(tf.tensor1d(real), tf.tensor1d(fake)))).toBeCloseTo(0.164170645, 5);
    // G: mean(softplus(real − fake)) = mean(softplus(1.5), softplus(2)) = mean(1.701413278, 2.126928011)
    expect(value(() => loss.generatorLoss(tf.tensor1d(fake), tf.tensor1d(real)))).toBeCloseTo(1.914170645, 5);
    expect(loss.needsRealLogits).toBe(true);
  });

  it('stays finite for logits of ±100 and asks for real logits in the generator loss', () => {
    const loss = relativisticLoss();
    // softplus(−200) = 0, softplus(200) = 200
    expect(value(() => loss.discriminatorLoss(tf.tensor1d([100]), tf.tensor1d([-100])))).toBeCloseTo(0, 6);
    expect(value(() => loss.generatorLoss(tf.tensor1d([-100]), tf.tensor1d([100])))).toBeCloseTo(200, 3);
    expect(() => loss.generatorLoss(tf.tensor1d(fake))).toThrow(/Expected real logits/);
  });
});

describe('relativisticAverageLoss (RaGAN)', () => {
  it("compares with the other batch's mean, by hand", () => {
    const loss = relativisticAverageLoss();
    // D: ½·[mean(softplus(−(real + 1.25))) + mean(softplus(fake − 0.5))]
    //  = ½·[mean(softplus(−3.25), softplus(−0.25)) + mean(softplus(0), softplus(−3.5))]
    //  = ½·[mean(0.038041372, 0.575939420) + mean(0.693147181, 0.029750418)] = 0.334219598
    expect(value(() => loss.discriminatorLoss(tf.tensor1d(real), tf.tensor1d(fake)))).toBeCloseTo(0.334219598, 5);
    // G: ½·[mean(softplus(−(fake − 0.5))) + mean(softplus(real + 1.25))]
    //  = ½·[mean(softplus(0), softplus(3.5)) + mean(softplus(3.25), softplus(0.25))] = 2.084219598
    expect(value(() => loss.generatorLoss(tf.tensor1d(fake), tf.tensor1d(real)))).toBeCloseTo(2.084219598, 5);
  });
});

describe('flipLabels', () => {
  it('swaps the flagged real and fake logits, so the loss sees their labels flipped', () => {
    const [flippedReal, flippedFake] = flipLabels(tf.tensor1d(real), tf.tensor1d(fake), tf.tensor1d([1, 0]));
    expect(Array.from(flippedReal.dataSync())).toEqual([0.5, -1]);
    expect(Array.from(flippedFake.dataSync())).toEqual([2, -3]);
    // BCE: mean(softplus(−0.5), softplus(1)) + mean(softplus(2), softplus(−3))
    //    = mean(0.474076984, 1.313261688) + mean(2.126928011, 0.048587352) = 1.981427017
    expect(value(() => nonSaturatingLoss().discriminatorLoss(flippedReal, flippedFake))).toBeCloseTo(1.981427017, 5);
    tf.dispose([flippedReal, flippedFake]);
  });

  it('works on [n, 1] logits and passes gradients to both sides', () => {
    const r = tf.tensor2d(real, [2, 1]);
    const f = tf.tensor2d(fake, [2, 1]);
    const [dReal, dFake] = tf.grads((a: tf.Tensor, b: tf.Tensor) => {
      const [x, y] = flipLabels(a, b, tf.tensor1d([0, 1]));
      return tf.sum(tf.add(tf.mul(x, 2), tf.mul(y, 3)));
    })([r, f]);
    // example 0 kept: ∂/∂real₀ = 2, ∂/∂fake₀ = 3; example 1 swapped: ∂/∂real₁ = 3, ∂/∂fake₁ = 2
    expect(Array.from(dReal.dataSync())).toEqual([2, 3]);
    expect(Array.from(dFake.dataSync())).toEqual([3, 2]);
    tf.dispose([r, f, dReal, dFake]);
  });
});
