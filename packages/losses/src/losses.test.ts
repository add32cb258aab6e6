import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-wasm';
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { hingeLoss } from './hinge.js';
import { leastSquaresLoss } from './least-squares.js';
import { minimaxLoss } from './minimax.js';
import { nonSaturatingLoss } from './non-saturating.js';
import type { GanLoss } from './types.js';
import { wassersteinLoss } from './wasserstein.js';

// The running example: real logits [2, −1], fake logits [0.5, −3].
// softplus(x) = ln(1 + eˣ):
//   softplus(−2)  = ln(1.135335283) = 0.126928011
//   softplus(1)   = ln(3.718281828) = 1.313261688
//   softplus(2)   = 2 + softplus(−2) = 2.126928011
//   softplus(−1)  = ln(1.367879441) = 0.313261688
//   softplus(0.5) = ln(2.648721271) = 0.974076984
//   softplus(−3)  = ln(1.049787068) = 0.048587352
//   softplus(−0.5)= ln(1.606530660) = 0.474076984
//   softplus(3)   = 3 + softplus(−3) = 3.048587352
const real = [2, -1];
const fake = [0.5, -3];

function dLoss(loss: GanLoss, realValues: number[], fakeValues: number[]): number {
  return tf.tidy(() => loss.discriminatorLoss(tf.tensor1d(realValues), tf.tensor1d(fakeValues)).dataSync()[0]);
}

function gLoss(loss: GanLoss, fakeValues: number[]): number {
  return tf.tidy(() => loss.generatorLoss(tf.tensor1d(fakeValues)).dataSync()[0]);
}

// Every installed pure-JS backend; the same suite must pass on each.
describe.each(['cpu', 'wasm'])('on the %s backend', (backend) => {
  beforeAll(async () => {
    await tf.setBackend(backend);
  });

  describe('binary cross-entropy losses', () => {
    it('computes the discriminator BCE by hand', () => {
      // real → 1: −ln σ(x) = softplus(−x): mean(0.126928011, 1.313261688) = 0.720094849
      // fake → 0: −ln(1 − σ(x)) = softplus(x): mean(0.974076984, 0.048587352) = 0.511332168
      // sum (PyTorch's errD_real + errD_fake) = 1.231427017
      expect(dLoss(nonSaturatingLoss(), real, fake)).toBeCloseTo(1.231427017, 5);
      expect(dLoss(minimaxLoss(), real, fake)).toBeCloseTo(1.231427017, 5);
    });

    it('computes the non-saturating generator loss −ln D(G(z)) by hand', () => {
      // softplus(−fake): mean(softplus(−0.5), softplus(3)) = mean(0.474076984, 3.048587352) = 1.761332168
      expect(gLoss(nonSaturatingLoss(), fake)).toBeCloseTo(1.761332168, 5);
    });

    it('computes the minimax generator loss ln(1 − D(G(z))) by hand', () => {
      // −softplus(fake): −mean(0.974076984, 0.048587352) = −0.511332168
      expect(gLoss(minimaxLoss(), fake)).toBeCloseTo(-0.511332168, 5);
    });

    it('applies one-sided label smoothing to real examples only', () => {
      // real → 0.9: 0.9·softplus(−x) + 0.1·softplus(x)
      //   x = 2:  0.9·0.126928011 + 0.1·2.126928011 = 0.114235210 + 0.212692801 = 0.326928011
      //   x = −1: 0.9·1.313261688 + 0.1·0.313261688 = 1.181935519 + 0.031326169 = 1.213261688
      //   mean = 0.770094849; fake term unchanged 0.511332168; total 1.281427017
      expect(dLoss(nonSaturatingLoss({ realLabel: 0.9 }), real, fake)).toBeCloseTo(1.281427017, 5);
      expect(dLoss(minimaxLoss({ realLabel: 0.9 }), real, fake)).toBeCloseTo(1.281427017, 5);
      // the generator still aims for 1
      expect(gLoss(nonSaturatingLoss({ realLabel: 0.9 }), fake)).toBeCloseTo(1.761332168, 5);
    });

    it('rejects labels outside [0, 1]', () => {
      expect(() => nonSaturatingLoss({ realLabel: 1.5 })).toThrow(
        /realLabel of nonSaturatingLoss\(\) to be a label in \[0, 1\], got 1.5/,
      );
      expect(() => minimaxLoss({ realLabel: Number.NaN })).toThrow(/got NaN/);
    });

    it('stays finite and exact for logits of ±100', () => {
      // softplus(−100) = 3.7e−44 (0 in float32), softplus(100) = 100
      // D: real [100, −100] → mean(0, 100) = 50; fake [100, −100] → mean(100, 0) = 50; total 100
      expect(dLoss(nonSaturatingLoss(), [100, -100], [100, -100])).toBeCloseTo(100, 4);
      // D is perfect: real +100, fake −100 → loss 0
      expect(dLoss(nonSaturatingLoss(), [100, 100], [-100, -100])).toBeCloseTo(0, 6);
      // NS generator with fakes rejected at −100: softplus(100) = 100
      expect(gLoss(nonSaturatingLoss(), [-100, -100])).toBeCloseTo(100, 4);
      // minimax generator: −softplus(−100) ≈ 0, −softplus(100) = −100
      expect(gLoss(minimaxLoss(), [-100])).toBeCloseTo(0, 6);
      expect(gLoss(minimaxLoss(), [100])).toBeCloseTo(-100, 4);
    });

    it('has finite gradients at the extremes, and only the minimax generator saturates', () => {
      const extremes = tf.tensor1d([100, -100, 0]);
      const nsGrad = tf
        .grad((x: tf.Tensor) => nonSaturatingLoss().generatorLoss(x))(extremes)
        .arraySync() as number[];
      const mmGrad = tf
        .grad((x: tf.Tensor) => minimaxLoss().generatorLoss(x))(extremes)
        .arraySync() as number[];
      // d/dx mean(softplus(−x)) = −σ(−x)/3: [−0/3, −1/3, −0.5/3]
      expect(nsGrad[0]).toBeCloseTo(0, 6);
      expect(nsGrad[1]).toBeCloseTo(-1 / 3, 6);
      expect(nsGrad[2]).toBeCloseTo(-0.5 / 3, 6);
      // d/dx −mean(softplus(x)) = −σ(x)/3: [−1/3, −0/3, −0.5/3]; at x = −100 (fake confidently rejected) it vanishes
      expect(mmGrad[0]).toBeCloseTo(-1 / 3, 6);
      expect(mmGrad[1]).toBeCloseTo(0, 6);
      expect(mmGrad[2]).toBeCloseTo(-0.5 / 3, 6);

      // (separate tensors: tf.grads adds up the gradients of an input passed twice)
      const realExtremes = tf.tensor1d([100, -100, 0]);
      const fakeExtremes = tf.tensor1d([100, -100, 0]);
      const [dReal, dFake] = tf.grads((r: tf.Tensor, f: tf.Tensor) => nonSaturatingLoss().discriminatorLoss(r, f))([
        realExtremes,
        fakeExtremes,
      ]);
      // real: d/dr mean(softplus(−r)) = −σ(−r)/3 → [0, −1/3, −1/6]; fake: σ(f)/3 → [1/3, 0, 1/6]
      const realGrad = dReal.arraySync() as number[];
      const fakeGrad = dFake.arraySync() as number[];
      expect(realGrad.every(Number.isFinite) && fakeGrad.every(Number.isFinite)).toBe(true);
      expect(realGrad[1]).toBeCloseTo(-1 / 3, 6);
      expect(fakeGrad[0]).toBeCloseTo(1 / 3, 6);
      expect(fakeGrad[2]).toBeCloseTo(1 / 6, 6);
      tf.dispose([extremes, realExtremes, fakeExtremes, dReal, dFake]);
    });

    it('accepts [n, 1] logits (a dense head) and averages over every element', () => {
      const value = tf.tidy(
        () =>
          nonSaturatingLoss()
            .discriminatorLoss(tf.tensor2d(real, [2, 1]), tf.tensor2d(fake, [2, 1]))
            .dataSync()[0],
      );
      expect(value).toBeCloseTo(1.231427017, 5);
    });
  });

  describe('leastSquaresLoss', () => {
    it('computes the LSGAN losses with ½ factors by hand (a = 0, b = 1, c = 1)', () => {
      // D: ½·mean((2 − 1)², (−1 − 1)²) + ½·mean((0.5 − 0)², (−3 − 0)²)
      //  = ½·(1 + 4)/2 + ½·(0.25 + 9)/2 = 1.25 + 2.3125 = 3.5625
      expect(dLoss(leastSquaresLoss(), real, fake)).toBeCloseTo(3.5625, 5);
      // G: ½·mean((0.5 − 1)², (−3 − 1)²) = ½·(0.25 + 16)/2 = 4.0625
      expect(gLoss(leastSquaresLoss(), fake)).toBeCloseTo(4.0625, 5);
    });

    it('uses custom targets', () => {
      // a = −1, b = 1, c = 0: D = ½·(1 + 4)/2 + ½·((1.5)² + (−2)²)/2 = 1.25 + ½·(2.25 + 4)/2 = 1.25 + 1.5625 = 2.8125
      const loss = leastSquaresLoss({ fakeLabel: -1, realLabel: 1, generatorLabel: 0 });
      expect(dLoss(loss, real, fake)).toBeCloseTo(2.8125, 5);
      // G: ½·(0.25 + 9)/2 = 2.3125
      expect(gLoss(loss, fake)).toBeCloseTo(2.3125, 5);
    });

    it('is finite at ±100', () => {
      // D: ½·mean(99², 101²) + ½·mean(100², 100²) = ½·10001 + ½·10000 = 10000.5
      expect(dLoss(leastSquaresLoss(), [100, -100], [100, -100])).toBeCloseTo(10000.5, 1);
    });
  });

  describe('hingeLoss', () => {
    it('computes the hinge losses by hand', () => {
      // D: mean(relu(1 − 2), relu(1 + 1)) + mean(relu(1 + 0.5), relu(1 − 3)) = mean(0, 2) + mean(1.5, 0) = 1 + 0.75
      expect(dLoss(hingeLoss(), real, fake)).toBeCloseTo(1.75, 6);
      // G: −mean(0.5, −3) = 1.25
      expect(gLoss(hingeLoss(), fake)).toBeCloseTo(1.25, 6);
    });
  });

  describe('wassersteinLoss', () => {
    it('computes the critic and generator losses by hand', () => {
      // critic: mean(fake) − mean(real) = −1.25 − 0.5 = −1.75
      expect(dLoss(wassersteinLoss(), real, fake)).toBeCloseTo(-1.75, 6);
      // G: −mean(fake) = 1.25
      expect(gLoss(wassersteinLoss(), fake)).toBeCloseTo(1.25, 6);
    });
  });

  describe('memory', () => {
    it('leaves no tensors behind but the returned scalar', () => {
      const r = tf.tensor1d(real);
      const f = tf.tensor1d(fake);
      for (const loss of [
        nonSaturatingLoss({ realLabel: 0.9 }),
        minimaxLoss(),
        leastSquaresLoss(),
        hingeLoss(),
        wassersteinLoss(),
      ]) {
        const before = tf.memory().numTensors;
        const d = loss.discriminatorLoss(r, f);
        const g = loss.generatorLoss(f);
        expect(tf.memory().numTensors).toBe(before + 2);
        expect(d.shape).toEqual([]);
        expect(g.shape).toEqual([]);
        tf.dispose([d, g]);
      }
      tf.dispose([r, f]);
    });
  });
});
