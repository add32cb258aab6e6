import type { RunCopier } from '../kernel-host.js';

// Tiles of 128 × 128 values (so that a tile's source and target rows stay in cache and TLB), moved in 4 × 4 blocks
// with every index written out: JavaScript spends more on index arithmetic than on memory here. Both choices were
// timed against the alternatives (one value per inner-loop step; blocks over the whole matrix, where power-of-two
// strides map every row to one cache set): see bench/RESULTS.md.
const tile = 128;

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
  const ss = sourceRowStride;
  const ts = targetRowStride;
  for (let ti = 0; ti < rows; ti += tile) {
    const tiEnd = Math.min(ti + tile, rows);
    const blockRowsEnd = ti + ((tiEnd - ti) & ~3);
    for (let tj = 0; tj < cols; tj += tile) {
      const tjEnd = Math.min(tj + tile, cols);
      const blockColsEnd = tj + ((tjEnd - tj) & ~3);
      for (let i = ti; i < blockRowsEnd; i += 4) {
        for (let j = tj; j < blockColsEnd; j += 4) {
          const a = sourceOffset + i * ss + j;
          const b = a + ss;
          const c = b + ss;
          const d = c + ss;
          const o = targetOffset + j * ts + i;
          const p = o + ts;
          const q = p + ts;
          const r = q + ts;
          target[o] = source[a]!;
          target[o + 1] = source[b]!;
          target[o + 2] = source[c]!;
          target[o + 3] = source[d]!;
          target[p] = source[a + 1]!;
          target[p + 1] = source[b + 1]!;
          target[p + 2] = source[c + 1]!;
          target[p + 3] = source[d + 1]!;
          target[q] = source[a + 2]!;
          target[q + 1] = source[b + 2]!;
          target[q + 2] = source[c + 2]!;
          target[q + 3] = source[d + 2]!;
          target[r] = source[a + 3]!;
          target[r + 1] = source[b + 3]!;
          target[r + 2] = source[c + 3]!;
          target[r + 3] = source[d + 3]!;
        }
        // The tile's last columns (fewer than 4).
        for (let j = blockColsEnd; j < tjEnd; j++) {
          const from = sourceOffset + i * ss + j;
          const to = targetOffset + j * ts + i;
          target[to] = source[from]!;
          target[to + 1] = source[from + ss]!;
          target[to + 2] = source[from + 2 * ss]!;
          target[to + 3] = source[from + 3 * ss]!;
        }
      }
      // The tile's last rows (fewer than 4).
      for (let i = blockRowsEnd; i < tiEnd; i++) {
        let from = sourceOffset + i * ss + tj;
        let to = targetOffset + tj * ts + i;
        for (let j = tj; j < tjEnd; j++) {
          target[to] = source[from]!;
          from += 1;
          to += ts;
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
