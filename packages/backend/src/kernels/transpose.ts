import type { RunCopier } from './kernel-host.js';

// Tiles of 128 × 128 values, walked in blocks of 16 source rows × 4 source columns: each block writes 4 target
// rows. Power-of-two strides (1024 floats, say) map every row to the same cache set, and 32 rows at once thrash it
// (a 1024 × 6272 transpose took 45 ms with 32 × 32 blocks, 17 ms with 16 × 8 blocks on a Zen 5 VM). On a Zen 3 VM,
// where out-of-cache access costs more, 16 × 8 blocks over the whole matrix took 88–96 ms and these tiles 46–50 ms.
const tile = 128;
const rowBlock = 16;
const colBlock = 4;

/**
 * `target[j * rows + i] = source[i * cols + j]` for a row-major `rows × cols` matrix, in
 * cache-sized blocks (a plain double loop strides through memory on every write).
 * `sourceOffset` / `targetOffset` place the matrices inside larger arrays, and the row strides
 * let them be sub-blocks of those (defaults: packed, `cols` and `rows`).
 */
export function transpose2d(
  source: Float32Array,
  rows: number,
  cols: number,
  target: Float32Array,
  sourceOffset = 0,
  targetOffset = 0,
  sourceRowStride = cols,
  targetRowStride = rows,
): void {
  if ((rows === 1 || cols === 1) && sourceRowStride === cols && targetRowStride === rows) {
    target.set(source.subarray(sourceOffset, sourceOffset + rows * cols), targetOffset);
    return;
  }
  for (let ti = 0; ti < rows; ti += tile) {
    const tiEnd = Math.min(ti + tile, rows);
    for (let tj = 0; tj < cols; tj += tile) {
      const tjEnd = Math.min(tj + tile, cols);
      for (let i0 = ti; i0 < tiEnd; i0 += rowBlock) {
        const i1 = Math.min(i0 + rowBlock, tiEnd);
        for (let j0 = tj; j0 < tjEnd; j0 += colBlock) {
          const j1 = Math.min(j0 + colBlock, tjEnd);
          for (let i = i0; i < i1; i++) {
            let from = sourceOffset + i * sourceRowStride + j0;
            let to = targetOffset + j0 * targetRowStride + i;
            for (let j = j0; j < j1; j++) {
              target[to] = source[from];
              from += 1;
              to += targetRowStride;
            }
          }
        }
      }
    }
  }
}

/**
 * Swaps the two outer axes of a `[a, b, run]` array, moving contiguous runs:
 * `target[j][i][:] = source[i][j][:]`.
 */
export function swapOuterPair(copy: RunCopier, a: number, b: number, run: number): void {
  for (let i = 0; i < a; i++) {
    for (let j = 0; j < b; j++) copy((i * b + j) * run, (j * a + i) * run, run);
  }
}
