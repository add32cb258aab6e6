import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-wasm';
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { stableSoftplus } from './softplus.js';

// Every installed pure-JS backend; the same suite must pass on each.
describe.each(['cpu', 'wasm'])('on the %s backend', (backend) => {
  beforeAll(async () => {
    await tf.setBackend(backend);
  });

  describe('stableSoftplus', () => {
    it('matches ln(1 + eˣ) and stays finite at the extremes', () => {
      const x = [-100, -3, -0.5, 0, 0.5, 3, 100];
      const values = tf.tidy(() => Array.from(stableSoftplus(tf.tensor1d(x)).dataSync()));
      // ln(1 + e⁻¹⁰⁰) = 3.7e−44 → 0; ln 2 = 0.693147181; ln(1 + e¹⁰⁰) = 100 + ln(1 + e⁻¹⁰⁰) = 100
      const expected = [0, 0.048587352, 0.474076984, Math.LN2, 0.974076984, 3.048587352, 100];
      for (const [i, v] of values.entries()) expect(v).toBeCloseTo(expected[i], 5);
    });

    it('has the gradient σ(x), including at 0', () => {
      const gradient = tf.tidy(() =>
        Array.from(
          tf
            .grad((x: tf.Tensor) => tf.sum(stableSoftplus(x)))(tf.tensor1d([-100, 0, 2, 100]))
            .dataSync(),
        ),
      );
      // σ(−100) ≈ 0, σ(0) = 0.5, σ(2) = 1/(1 + e⁻²) = 0.880797078, σ(100) = 1
      expect(gradient[0]).toBeCloseTo(0, 6);
      expect(gradient[1]).toBeCloseTo(0.5, 6);
      expect(gradient[2]).toBeCloseTo(0.880797078, 6);
      expect(gradient[3]).toBeCloseTo(1, 6);
    });
  });
});
