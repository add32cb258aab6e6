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

/** Checks that `target` holds the transpose of the `rows × cols` matrix `source`. */
function expectTransposed(source: Float32Array, rows: number, cols: number, target: Float32Array): void {
  for (let i = 0; i < rows; i++) {
    for (let j = 0; j < cols; j++) expect(target[j * rows + i]).toBe(source[i * cols + j]);
  }
}

describe('transpose2d', () => {
  it('transposes matrices larger than one cache block, with ragged edges', () => {
    const rows = 37;
    const cols = 70;
    const source = Float32Array.from({ length: rows * cols }, (_, i) => i);
    const target = new Float32Array(rows * cols);
    transpose2d(source, rows, cols, target);
    expectTransposed(source, rows, cols, target);
  });

  it('transposes every small shape and shapes one past a tile (4 × 4 blocks and their remainders)', () => {
    for (const rows of [1, 2, 3, 4, 5, 6, 7, 8, 9, 129, 131]) {
      for (const cols of [1, 2, 3, 4, 5, 7, 8, 11, 130, 133]) {
        const source = Float32Array.from({ length: rows * cols }, (_, i) => i + 1);
        const target = new Float32Array(rows * cols);
        transpose2d(source, rows, cols, target);
        expectTransposed(source, rows, cols, target);
      }
    }
  });

  it('transposes across several tiles, and sub-blocks of larger arrays with offsets and strides', () => {
    const rows = 300;
    const cols = 141;
    const source = Float32Array.from({ length: rows * cols }, (_, i) => i);
    const target = new Float32Array(rows * cols);
    transpose2d(source, rows, cols, target);
    expectTransposed(source, rows, cols, target);
    // The 130 × 7 block at (2, 3) of the source, into the block at (1, 5) of a 9 × 140 target.
    const block = new Float32Array(9 * 140).fill(-1);
    transpose2d(source, 130, 7, block, 2 * cols + 3, 140 + 5, cols, 140);
    for (let r = 0; r < 9; r++) {
      for (let c = 0; c < 140; c++) {
        const inside = r >= 1 && r < 8 && c >= 5 && c < 135;
        expect(block[r * 140 + c]).toBe(inside ? (2 + c - 5) * cols + 3 + r - 1 : -1);
      }
    }
  });
});
