import * as tf from '@tensorflow/tfjs-core';

type Values = Float32Array | Int32Array | Uint8Array;

/**
 * Writes `source` (of `shape`) repeated `reps` times along each axis into `target`, by copying
 * each innermost row once and then doubling whole blocks with `copyWithin` (the stock wasm Tile
 * computes an index per element).
 */
export function tileInto(source: Values, shape: readonly number[], reps: readonly number[], target: Values): void {
  const rank = shape.length;
  if (rank === 0) {
    target[0] = source[0];
    return;
  }
  const outShape = shape.map((d, i) => d * reps[i]);
  const inStrides = tf.util.computeStrides(shape as number[]).concat([1]);
  const outStrides = tf.util.computeStrides(outShape).concat([1]);
  const fill = (axis: number, from: number, to: number) => {
    const size = shape[axis];
    if (axis === rank - 1) {
      target.set(source.subarray(from, from + size), to);
    } else {
      for (let i = 0; i < size; i++) fill(axis + 1, from + i * inStrides[axis], to + i * outStrides[axis]);
    }
    const block = size * outStrides[axis];
    repeatBlock(target, to, block, reps[axis]);
  };
  fill(0, 0, 0);
}

/** `target[start, start + block)` → repeated `times` times in place, doubling each copy. */
function repeatBlock(target: Values, start: number, block: number, times: number): void {
  let filled = 1;
  while (filled < times) {
    const copies = Math.min(filled, times - filled);
    target.copyWithin(start + filled * block, start, start + copies * block);
    filled += copies;
  }
}
