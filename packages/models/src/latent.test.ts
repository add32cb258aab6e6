import '@tensorflow/tfjs-backend-cpu';
import { createRandom } from '@gan/core';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { beforeAll, describe, expect, it } from 'vitest';
import { interpolate, interpolationPath, latentArithmetic, lerp, meanVector, slerp, truncatedNoise } from './latent.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

async function values(tensor: tf.Tensor): Promise<number[]> {
  const data = [...(await tensor.data())];
  tensor.dispose();
  return data;
}

function expectClose(actual: number[], expected: number[], digits = 6): void {
  expect(actual).toHaveLength(expected.length);
  actual.forEach((value, i) => {
    expect(value).toBeCloseTo(expected[i]!, digits);
  });
}

describe('lerp and slerp', () => {
  it('lerp at t = 0.25 is three quarters of a plus a quarter of b', async () => {
    expectClose(await values(lerp(tf.tensor1d([0, 2]), tf.tensor1d([2, 4]), 0.25)), [0.5, 2.5]);
  });

  it('slerp of orthogonal unit vectors at t = 0.5 is (a + b)/√2, on the unit circle', async () => {
    const a = tf.tensor1d([1, 0, 0]);
    const b = tf.tensor1d([0, 1, 0]);
    expectClose(await values(slerp(a, b, 0.5)), [Math.SQRT1_2, Math.SQRT1_2, 0]);
    // At t = 1/3 the angle is 30°: (cos 30°, sin 30°).
    expectClose(await values(slerp(a, b, 1 / 3)), [Math.cos(Math.PI / 6), 0.5, 0]);
    expectClose(await values(slerp(a, b, 0)), [1, 0, 0]);
    expectClose(await values(slerp(a, b, 1)), [0, 1, 0]);
    tf.dispose([a, b]);
  });

  it('slerp works row by row and falls back to lerp for parallel vectors', async () => {
    const a = tf.tensor2d([
      [2, 0],
      [1, 1],
    ]);
    const b = tf.tensor2d([
      [0, 2],
      [3, 3],
    ]);
    // Row 1: radius 2, 45°; row 2: parallel, so (1 − t)·(1, 1) + t·(3, 3).
    expectClose(await values(slerp(a, b, 0.5)), [Math.SQRT2, Math.SQRT2, 2, 2]);
    tf.dispose([a, b]);
  });

  it('rejects vectors of different shapes', () => {
    expect(() => lerp(tf.zeros([2]), tf.zeros([3]), 0.5)).toThrow(/same shape, got \[2\] and \[3\]/);
  });
});

describe('interpolationPath and interpolate', () => {
  it('goes from the first to the last vector in evenly spaced steps', async () => {
    const path = interpolationPath(tf.tensor1d([0, 0]), tf.tensor1d([3, 6]), 4, 'lerp');
    expect(path.shape).toEqual([4, 2]);
    expectClose(await values(path), [0, 0, 1, 2, 2, 4, 3, 6]);
    expect(() => interpolationPath(tf.zeros([2]), tf.ones([2]), 1)).toThrow(/steps to be an integer ≥ 2/);
  });

  it('runs a generator along the path (an identity generator returns the path)', async () => {
    const generator = tfl.sequential({
      layers: [tfl.layers.dense({ units: 2, inputShape: [2], useBias: false, kernelInitializer: 'identity' })],
    });
    const before = tf.memory().numTensors;
    const images = interpolate(generator, tf.tensor1d([1, 0]), tf.tensor1d([0, 1]), 3);
    expectClose(await values(images), [1, 0, Math.SQRT1_2, Math.SQRT1_2, 0, 1]);
    // Only the two endpoint tensors passed in remain.
    expect(tf.memory().numTensors).toBe(before + 2);
    expect(() => interpolate(generator, tf.zeros([2]), tf.ones([2]), 3, { labels: tf.ones([2]) })).toThrow(
      /takes no labels/,
    );
  });

  it('interpolates one-hot labels for a conditional generator', async () => {
    const z = tfl.input({ shape: [2] });
    const labels = tfl.input({ shape: [3] });
    const joined = tfl.layers.concatenate().apply([z, labels]) as tfl.SymbolicTensor;
    const generator = tfl.model({ inputs: [z, labels], outputs: joined });
    const from = tf.tensor1d([1, 0, 0]);
    const to = tf.tensor1d([0, 0, 1]);
    const same = tf.tensor1d([1, 1]);
    const images = interpolate(generator, same, same, 3, { labels: from, toLabels: to });
    expectClose(await values(images), [1, 1, 1, 0, 0, 1, 1, 0.5, 0, 0.5, 1, 1, 0, 0, 1]);
    expect(() => interpolate(generator, same, same, 3)).toThrow(/takes labels as a second input/);
  });
});

describe('latent arithmetic and truncated noise', () => {
  it('averages chosen vectors and computes a − b + c by hand', async () => {
    const vectors = tf.tensor2d([
      [1, 2],
      [3, 4],
      [5, 9],
    ]);
    expectClose(await values(meanVector(vectors, [0, 1])), [2, 3]);
    expectClose(await values(meanVector(vectors)), [3, 5]);
    expect(() => meanVector(vectors, [3])).toThrow(/indices in 0\.\.2/);
    const a = tf.tensor2d([
      [2, 2],
      [4, 4],
    ]); // mean (3, 3)
    expectClose(await values(latentArithmetic(a, tf.tensor1d([1, 0]), tf.tensor1d([0, 5]))), [2, 8]);
  });

  it('keeps every value within the threshold and is reproducible with a seed', async () => {
    const first = await values(truncatedNoise(createRandom(5), 50, 8, 0.5));
    expect(first).toHaveLength(400);
    expect(Math.max(...first.map(Math.abs))).toBeLessThanOrEqual(0.5);
    // Values spread over the allowed interval (not all clipped to one spot).
    expect(Math.max(...first)).toBeGreaterThan(0.4);
    expect(Math.min(...first)).toBeLessThan(-0.4);
    expect(await values(truncatedNoise(createRandom(5), 50, 8, 0.5))).toEqual(first);
    expect(() => truncatedNoise(createRandom(1), 1, 1, 0)).toThrow(/positive, finite truncation threshold/);
  });
});
