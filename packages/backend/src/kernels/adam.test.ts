import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-wasm';
import { type AdamUpdateAttrs, adamUpdateKernelName } from '@gan/core';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registerTrainingKernels, unregisterTrainingKernels } from '../register-training-kernels.js';
import { adamCase } from '../testing/adam.js';

/** tfjs AdamOptimizer's update, op by op, as the reference. */
function stockUpdate(w: tf.Tensor, g: tf.Tensor, m: tf.Tensor, v: tf.Tensor, a: AdamUpdateAttrs): tf.Tensor[] {
  return tf.tidy(() => {
    const m2 = tf.add(tf.mul(m, a.beta1), tf.mul(g, 1 - a.beta1));
    const v2 = tf.add(tf.mul(v, a.beta2), tf.mul(tf.square(g), 1 - a.beta2));
    const step = tf.div(tf.div(m2, a.biasCorrection1), tf.add(tf.sqrt(tf.div(v2, a.biasCorrection2)), a.epsilon));
    return [tf.add(tf.mul(step, -a.learningRate), w), m2, v2];
  });
}

describe.each(['wasm', 'cpu'] as const)('fused Adam update kernel on %s', (backend) => {
  beforeAll(async () => {
    registerTrainingKernels();
    await tf.setBackend(backend);
  });
  afterAll(() => unregisterTrainingKernels());

  it.each([[[1]], [[7]], [[33, 17]], [[4, 4, 3, 5]], [[3, 333]]])(
    'updates a %j variable as tfjs Adam does',
    async (shape) => {
      // Step 3 of β₁ 0.5, β₂ 0.999: bias corrections 1 − β³.
      const c = adamCase(shape, shape.length * 10 + shape[0]!, 3);
      const [w, g, m, v, attrs] = [c.variable, c.gradient, c.firstMoment, c.secondMoment, c.attrs];
      const size = w.size;
      const fused = c.run();
      const expected = stockUpdate(w, g, m, v, attrs);
      expect(fused.map((t) => t.shape)).toEqual([shape, shape, shape]);
      for (let k = 0; k < 3; k++) {
        const got = await fused[k]!.data();
        const want = await expected[k]!.data();
        for (let i = 0; i < size; i++) {
          expect(Math.abs(got[i]! - want[i]!), `output ${k}[${i}]`).toBeLessThanOrEqual(
            1e-6 * Math.max(1e-3, Math.abs(want[i]!)),
          );
        }
      }
      // The step moved w: the comparison is not between unchanged copies.
      expect(Math.abs((await fused[0]!.data())[0]! - (await w.data())[0]!)).toBeGreaterThan(1e-5);
      tf.dispose([w, g, m, v, ...fused, ...expected]);
    },
  );

  it('rejects inputs of different shapes or dtypes, and missing attributes, with what it got', () => {
    const w = tf.zeros([3]);
    const g = tf.zeros([4]);
    const n = tf.zeros([3], 'int32');
    const attrs = {
      learningRate: 1e-3,
      beta1: 0.9,
      beta2: 0.999,
      epsilon: 1e-7,
      biasCorrection1: 0.1,
      biasCorrection2: 0.001,
    };
    const run = (inputs: Record<string, tf.Tensor>, a: object) => () =>
      tf.engine().runKernel(adamUpdateKernelName, inputs as never, a as never);
    expect(run({ variable: w, gradient: g, firstMoment: w, secondMoment: w }, attrs)).toThrow(
      /expects float32 variable, gradient, firstMoment and secondMoment of one shape, got float32\[3\], float32\[4\]/,
    );
    expect(run({ variable: w, gradient: n, firstMoment: w, secondMoment: w }, attrs)).toThrow(
      /got float32\[3\], int32\[3\]/,
    );
    expect(run({ variable: w, gradient: w, firstMoment: w, secondMoment: w }, {})).toThrow(
      /expects a finite learningRate, got undefined/,
    );
    expect(
      run({ variable: w, gradient: w, firstMoment: w, secondMoment: w }, { ...attrs, biasCorrection2: 0 }),
    ).toThrow(/expects a finite biasCorrection2 > 0, got 0/);
    tf.dispose([w, g, n]);
  });
});
