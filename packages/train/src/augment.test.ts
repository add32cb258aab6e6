import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import { createRandom } from '@gan/core';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { applyAugmentation, diffAugment, drawAugmentation } from './augment.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

// Two 8×8 one-channel images with distinct values: image i, pixel (y, x) = 100·i + 8·y + x + 1.
const n = 2;
const size = 8;
const pixel = (i: number, y: number, x: number) => 100 * i + 8 * y + x + 1;
const images = () =>
  tf.tensor4d(
    Array.from({ length: n * size * size }, (_, k) => pixel(Math.floor(k / 64), Math.floor((k % 64) / 8), k % 8)),
    [n, size, size, 1],
  );

describe('DiffAugment translation', () => {
  it('shifts each image by its drawn amount and fills the gap with zeros', () => {
    const parameters = drawAugmentation(createRandom(5), ['translation'], [n, size, size, 1]);
    const shifts = parameters.translation!;
    // at most ⌊8/8 + ½⌋ = 1 pixel each way
    for (const shift of shifts) expect(Math.abs(shift)).toBeLessThanOrEqual(1);
    expect(shifts.some((shift) => shift !== 0)).toBe(true);
    const output = applyAugmentation(images(), parameters).arraySync() as number[][][][];
    for (let i = 0; i < n; i++) {
      const [dy, dx] = [shifts[2 * i], shifts[2 * i + 1]];
      for (let y = 0; y < size; y++) {
        for (let x = 0; x < size; x++) {
          const [sy, sx] = [y - dy, x - dx];
          const expected = sy >= 0 && sy < size && sx >= 0 && sx < size ? pixel(i, sy, sx) : 0;
          expect(output[i][y][x][0]).toBe(expected);
        }
      }
    }
  });

  it('shifts by hand-picked amounts and passes the gradient back through the same shift', () => {
    const translation = Int32Array.from([1, -2, 0, 0]);
    const x = images();
    const output = applyAugmentation(x, { translation }).arraySync() as number[][][][];
    expect(output[0][0][0][0]).toBe(0); // row 0 came from row −1
    expect(output[0][1][0][0]).toBe(pixel(0, 0, 2)); // (1, 0) ← (0, 2)
    expect(output[0][1][6][0]).toBe(0); // column 6 came from column 8
    expect(output[1][3][4][0]).toBe(pixel(1, 3, 4)); // image 1 is not moved
    // d/dx Σ c·shift(x) = c shifted back: pixel (0, 2) of image 0 gets c at (1, 0); pixels shifted out get 0
    const c = tf.randomUniform([n, size, size, 1], 0, 1, 'float32', 3);
    const gradient = tf.grad((input: tf.Tensor) => tf.sum(tf.mul(c, applyAugmentation(input, { translation }))))(x);
    const g = gradient.arraySync() as number[][][][];
    const weights = c.arraySync() as number[][][][];
    expect(g[0][0][2][0]).toBeCloseTo(weights[0][1][0][0], 6);
    expect(g[0][7][3][0]).toBe(0); // row 7 moves to row 8: out of the image
    expect(g[0][0][1][0]).toBe(0); // column 1 moves to column −1
    expect(g[1][5][5][0]).toBeCloseTo(weights[1][5][5][0], 6);
    tf.dispose([x, c, gradient]);
  });
});

describe('DiffAugment cutout and color', () => {
  it('zeros one square of half the image size per image', () => {
    const parameters = drawAugmentation(createRandom(8), ['cutout'], [n, size, size, 1]);
    const output = applyAugmentation(images(), parameters).arraySync() as number[][][][];
    for (let i = 0; i < n; i++) {
      const [top, left, bottom, right] = parameters.cutout!.subarray(4 * i, 4 * i + 4);
      expect(bottom - top).toBeLessThanOrEqual(4);
      expect(bottom - top).toBeGreaterThan(0);
      for (let y = 0; y < size; y++) {
        for (let x = 0; x < size; x++) {
          const inside = y >= top && y < bottom && x >= left && x < right;
          expect(output[i][y][x][0]).toBe(inside ? 0 : pixel(i, y, x));
        }
      }
    }
  });

  it('applies brightness, saturation and contrast as in the paper, by hand', () => {
    // one 1×1 image with channels [0.2, 0.6]: brightness +0.1 → [0.3, 0.7], channel mean 0.5;
    // saturation 2 → (x − 0.5)·2 + 0.5 = [0.1, 0.9]; contrast 1.5 about the image mean 0.5 → [−0.1, 1.1]
    const x = tf.tensor4d([0.2, 0.6], [1, 1, 1, 2]);
    const output = applyAugmentation(x, {
      brightness: Float32Array.of(0.1),
      saturation: Float32Array.of(2),
      contrast: Float32Array.of(1.5),
    }).dataSync();
    expect(output[0]).toBeCloseTo(-0.1, 5);
    expect(output[1]).toBeCloseTo(1.1, 5);
    x.dispose();
  });

  it('is reproducible with a seed, rejects unknown policies and non-images, and leaks nothing', () => {
    const x = images();
    const before = tf.memory().numTensors;
    const a = diffAugment(x, ['color', 'translation', 'cutout'], createRandom(1));
    const b = diffAugment(x, ['color', 'translation', 'cutout'], createRandom(1));
    expect(Array.from(a.dataSync())).toEqual(Array.from(b.dataSync()));
    expect(tf.memory().numTensors).toBe(before + 2);
    expect(() => drawAugmentation(createRandom(1), ['flip' as 'color'], [1, 8, 8, 1])).toThrow(
      'Unknown augment policy "flip". Known policies: color, translation, cutout.',
    );
    expect(() => drawAugmentation(createRandom(1), ['color'], [4, 2])).toThrow(/Expected images \[n, h, w, c\]/);
    tf.dispose([x, a, b]);
  });
});
