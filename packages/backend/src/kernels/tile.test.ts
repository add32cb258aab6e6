import { describe, expect, it } from 'vitest';
import { tileInto } from './tile.js';
import { transpose2d } from './transpose.js';

describe('tileInto', () => {
  it('repeats a 2×2 matrix 2× down and 3× across', () => {
    const target = new Float32Array(24);
    tileInto(new Float32Array([1, 2, 3, 4]), [2, 2], [2, 3], target);
    // rows of the result: [1 2 1 2 1 2], [3 4 3 4 3 4], then the same two rows again
    expect(Array.from(target)).toEqual([1, 2, 1, 2, 1, 2, 3, 4, 3, 4, 3, 4, 1, 2, 1, 2, 1, 2, 3, 4, 3, 4, 3, 4]);
  });

  it('broadcasts a per-channel vector over a whole activation (odd repeat counts)', () => {
    const target = new Int32Array(5 * 3 * 2);
    tileInto(new Int32Array([7, 9]), [1, 1, 2], [5, 3, 1], target);
    expect(Array.from(target)).toEqual(Array.from({ length: 15 }, () => [7, 9]).flat());
  });
});

describe('transpose2d', () => {
  it('transposes matrices larger than one cache block, with ragged edges', () => {
    const rows = 37;
    const cols = 70;
    const source = Float32Array.from({ length: rows * cols }, (_, i) => i);
    const target = new Float32Array(rows * cols);
    transpose2d(source, rows, cols, target);
    for (let i = 0; i < rows; i++) {
      for (let j = 0; j < cols; j++) expect(target[j * rows + i]).toBe(i * cols + j);
    }
  });
});
