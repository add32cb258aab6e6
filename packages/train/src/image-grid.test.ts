import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { imageGrid } from './image-grid.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('imageGrid', () => {
  it('tiles images row by row with padding and blank cells', () => {
    // three 2×2 grey images in [0, 1]: image k has pixels k1, k2, k3, k4 = (k·4 + 1..4)/16
    const values = Array.from({ length: 12 }, (_, i) => (i + 1) / 16);
    const images = tf.tensor4d(values, [3, 2, 2, 1]);
    const grid = imageGrid(images, { columns: 2, padding: 1, range: [0, 1] });
    // 2 rows × 2 columns of (2 + 1)-pixel cells plus a closing pad: 7 × 7
    expect(grid.shape).toEqual([7, 7, 1]);
    const a = (i: number) => (i + 1) / 16;
    const expected = [
      [0, 0, 0, 0, 0, 0, 0],
      [0, a(0), a(1), 0, a(4), a(5), 0],
      [0, a(2), a(3), 0, a(6), a(7), 0],
      [0, 0, 0, 0, 0, 0, 0],
      [0, a(8), a(9), 0, 0, 0, 0],
      [0, a(10), a(11), 0, 0, 0, 0],
      [0, 0, 0, 0, 0, 0, 0],
    ];
    expect((grid.arraySync() as number[][][]).map((row) => row.map((pixel) => pixel[0]))).toEqual(
      expected.map((row) => row.map((v) => expect.closeTo(v, 6))),
    );
    tf.dispose([images, grid]);
  });

  it('maps [−1, 1] to [0, 1], clips, and keeps colour channels', () => {
    const images = tf.tensor4d([-1, 0, 1, 2, -1, 0.5], [2, 1, 1, 3]);
    const grid = imageGrid(images, { padding: 0, padValue: 1 });
    // columns = ceil(√2) = 2, one row: [1, 2, 3]
    expect(grid.shape).toEqual([1, 2, 3]);
    expect(Array.from(grid.dataSync())).toEqual([0, 0.5, 1, 1, 0, 0.75]);
    tf.dispose([images, grid]);
  });

  it('defaults to a square layout with 2-pixel padding and frees its intermediates', () => {
    const images = tf.zeros([64, 28, 28, 1]) as tf.Tensor4D;
    const before = tf.memory().numTensors;
    const grid = imageGrid(images);
    // 8 × 8 cells of 30 pixels + 2 = 242
    expect(grid.shape).toEqual([242, 242, 1]);
    expect(tf.memory().numTensors).toBe(before + 1);
    tf.dispose([images, grid]);
  });

  it('rejects non-image input', () => {
    const points = tf.zeros([4, 2]);
    expect(() => imageGrid(points as unknown as tf.Tensor4D)).toThrow(
      'Expected images of shape [n, h, w, c], got [4, 2].',
    );
    points.dispose();
  });
});
