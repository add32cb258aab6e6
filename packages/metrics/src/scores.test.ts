import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { inceptionScore } from './inception-score.js';
import { kernelInceptionDistance } from './kernel-inception-distance.js';
import { precisionRecall } from './precision-recall.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('kernelInceptionDistance', () => {
  it('computes the unbiased MMD² with the cubic kernel by hand', async () => {
    // k(x, y) = (x·y / 2 + 1)³. Kxx off-diagonal: 1, 1 → 1; Kyy: 1, 1 → 1; Kxy: 3.375, 1, 3.375, 1 → 2·8.75/4.
    const real = tf.tensor2d([
      [1, 0],
      [0, 1],
    ]);
    const fake = tf.tensor2d([
      [1, 1],
      [0, 0],
    ]);
    const before = tf.memory().numTensors;
    const result = await kernelInceptionDistance(real, fake, { subsets: 3, seed: 1 });
    expect(tf.memory().numTensors).toBe(before);
    expect(result.mean).toBeCloseTo(1 + 1 - 4.375, 10);
    expect(result.std).toBeCloseTo(0, 10);
    expect(result.subsetSize).toBe(2);
    tf.dispose([real, fake]);
  });

  it('is near 0 for two samples of one distribution and large for different ones', async () => {
    const a = tf.randomNormal([200, 8], 0, 1, 'float32', 1) as tf.Tensor2D;
    const b = tf.randomNormal([200, 8], 0, 1, 'float32', 2) as tf.Tensor2D;
    const c = tf.randomNormal([200, 8], 1, 1, 'float32', 3) as tf.Tensor2D;
    const same = await kernelInceptionDistance(a, b, { subsets: 5, subsetSize: 100, seed: 1 });
    const different = await kernelInceptionDistance(a, c, { subsets: 5, subsetSize: 100, seed: 1 });
    expect(Math.abs(same.mean)).toBeLessThan(0.1);
    expect(different.mean).toBeGreaterThan(1);
    expect(different.std).toBeGreaterThan(0);
    tf.dispose([a, b, c]);
  });

  it('rejects features of different lengths', async () => {
    const a = tf.zeros([4, 2]) as tf.Tensor2D;
    const b = tf.zeros([4, 3]) as tf.Tensor2D;
    await expect(kernelInceptionDistance(a, b)).rejects.toThrow(/same dim, got \[4, 2\] and \[4, 3\]/);
    tf.dispose([a, b]);
  });
});

describe('inceptionScore', () => {
  it('is the number of classes for confident, balanced predictions and 1 for uniform ones', async () => {
    const confident = tf.tensor2d([
      [1, 0],
      [0, 1],
      [1, 0],
      [0, 1],
    ]);
    expect((await inceptionScore(confident, { splits: 2 })).mean).toBeCloseTo(2, 12);
    const uniform = tf.fill([6, 3], 1 / 3) as tf.Tensor2D;
    const result = await inceptionScore(uniform, { splits: 3 });
    expect(result.mean).toBeCloseTo(1, 6);
    expect(result.splits).toBe(3);
    tf.dispose([confident, uniform]);
  });

  it('computes exp(KL) by hand for soft predictions, and the spread over splits', async () => {
    const soft = tf.tensor2d([
      [0.9, 0.1],
      [0.1, 0.9],
      [1, 0],
      [1, 0],
    ]);
    const result = await inceptionScore(soft, { splits: 2 });
    const first = Math.exp(0.9 * Math.log(0.9 / 0.5) + 0.1 * Math.log(0.1 / 0.5));
    const second = 1; // both rows are the marginal
    expect(result.mean).toBeCloseTo((first + second) / 2, 6);
    expect(result.std).toBeCloseTo((first - second) / 2, 6);
    await expect(inceptionScore(soft, { splits: 5 })).rejects.toThrow(/no larger than the 4 samples/);
    soft.dispose();
  });
});

describe('precisionRecall', () => {
  it('counts samples inside the k-NN balls of the other set, by hand', async () => {
    // Real points 0, 1, 2, 3 (k = 1: every radius is 1); fake points 0.5 and 10 (radius 9.5 each).
    const real = tf.tensor2d([[0], [1], [2], [3]]);
    const fake = tf.tensor2d([[0.5], [10]]);
    const result = await precisionRecall(real, fake, { k: 1, blockSize: 3 });
    expect(result.precision).toBe(0.5); // 0.5 lies within 1 of 0; 10 lies outside every real ball
    expect(result.recall).toBe(1); // all real points lie within 9.5 of 0.5
    await expect(precisionRecall(real, fake, { k: 2 })).rejects.toThrow(/Expected k to be an integer/);
    tf.dispose([real, fake]);
  });
});
