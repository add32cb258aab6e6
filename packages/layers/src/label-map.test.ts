import '@tensorflow/tfjs-backend-cpu';
import { GanError } from '@gan/core';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { beforeAll, describe, expect, it } from 'vitest';
import { LabelMap, labelMap } from './label-map.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('labelMap', () => {
  it('tiles each one-hot row over height × width', () => {
    const labels = tf.tensor2d([
      [0, 1, 0],
      [1, 0, 0],
    ]);
    const out = labelMap({ height: 2, width: 3 }).apply(labels) as tf.Tensor;
    expect(out.shape).toEqual([2, 2, 3, 3]);
    const values = out.arraySync() as number[][][][];
    for (let y = 0; y < 2; y++) {
      for (let x = 0; x < 3; x++) {
        expect(values[0][y][x]).toEqual([0, 1, 0]);
        expect(values[1][y][x]).toEqual([1, 0, 0]);
      }
    }
  });

  it('gives symbolic shapes for the functional API and concatenates with an image', () => {
    const labels = tfl.input({ shape: [10] });
    const image = tfl.input({ shape: [28, 28, 1] });
    const maps = labelMap({ height: 28, width: 28 }).apply(labels) as tfl.SymbolicTensor;
    expect(maps.shape).toEqual([null, 28, 28, 10]);
    const joined = tfl.layers.concatenate().apply([image, maps]) as tfl.SymbolicTensor;
    expect(joined.shape).toEqual([null, 28, 28, 11]);
  });

  it('passes gradients back to the labels (summed over the map)', () => {
    const layer = labelMap({ height: 2, width: 2 });
    const grad = tf.grad((labels: tf.Tensor) => tf.sum(layer.apply(labels) as tf.Tensor))(tf.tensor2d([[1, 0]]));
    expect(grad.arraySync()).toEqual([[4, 4]]);
  });

  it('rejects bad sizes and inputs of the wrong rank', () => {
    expect(() => labelMap({ height: 0, width: 2 })).toThrow(GanError);
    expect(() => labelMap({ height: 2, width: 1.5 })).toThrow(/positive integer/);
    expect(() => labelMap({ height: 2, width: 2 }).apply(tf.zeros([2, 2, 2]))).toThrow(/\[n, numClasses\]/);
  });

  it('round-trips its config', () => {
    const layer = labelMap({ height: 4, width: 5, name: 'maps' });
    const config = layer.getConfig();
    expect(config).toMatchObject({ height: 4, width: 5, name: 'maps' });
    const copy = new LabelMap(config as never);
    expect(copy.computeOutputShape([null, 3])).toEqual([null, 4, 5, 3]);
    expect(LabelMap.className).toBe('LabelMap');
  });
});
