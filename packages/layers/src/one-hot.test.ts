import '@tensorflow/tfjs-backend-cpu';
import { GanError } from '@gan/core';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { beforeAll, describe, expect, it } from 'vitest';
import { OneHot, oneHot } from './one-hot.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('oneHot', () => {
  it('turns float class indices [n] into float one-hot rows', () => {
    const out = oneHot({ numClasses: 4 }).apply(tf.tensor1d([2, 0, 3])) as tf.Tensor;
    expect(out.dtype).toBe('float32');
    expect(out.arraySync()).toEqual([
      [0, 0, 1, 0],
      [1, 0, 0, 0],
      [0, 0, 0, 1],
    ]);
  });

  it('accepts [n, 1], rounds near-integers and zeroes out-of-range indices', () => {
    const out = oneHot({ numClasses: 3 }).apply(tf.tensor2d([[0.9999], [1.0001], [7], [-1]])) as tf.Tensor;
    expect(out.arraySync()).toEqual([
      [0, 1, 0],
      [0, 1, 0],
      [0, 0, 0],
      [0, 0, 0],
    ]);
  });

  it('gives symbolic shapes for [n] and [n, 1] inputs', () => {
    const layer = oneHot({ numClasses: 10 });
    expect((layer.apply(tfl.input({ shape: [1] })) as tfl.SymbolicTensor).shape).toEqual([null, 10]);
    expect((oneHot({ numClasses: 5 }).apply(tfl.input({ shape: [] })) as tfl.SymbolicTensor).shape).toEqual([null, 5]);
  });

  it('rejects bad class counts and inputs that are not indices', () => {
    expect(() => oneHot({ numClasses: 0 })).toThrow(GanError);
    expect(() => oneHot({ numClasses: 3 }).apply(tf.zeros([2, 3]))).toThrow(/\[n\] or \[n, 1\]/);
  });

  it('round-trips its config', () => {
    const config = oneHot({ numClasses: 7 }).getConfig();
    expect(config.numClasses).toBe(7);
    expect(new OneHot(config as never).numClasses).toBe(7);
    expect(OneHot.className).toBe('OneHot');
  });
});
