import { formatShape, GanError } from '@gan/core';
import type * as tf from '@tensorflow/tfjs-core';

/** Reads a `[n, dim]` tensor of features (or probabilities) into JS, checking its rank. */
export async function readMatrix(
  tensor: tf.Tensor,
  what: string,
): Promise<{ values: Float32Array; rows: number; dim: number }> {
  if (tensor.rank !== 2) {
    throw new GanError(
      'SHAPE_MISMATCH',
      `Expected ${what} of shape [n, dim], got ${formatShape(tensor.shape)}. Flatten or pool the feature maps first.`,
    );
  }
  const [rows, dim] = tensor.shape as [number, number];
  return { values: (await tensor.data()) as Float32Array, rows, dim };
}

/** Sums a tensor's values in float64 on the JS side (float32 sums of a million terms lose digits). */
export async function sumFloat64(tensor: tf.Tensor, skipDiagonal = false): Promise<number> {
  const values = await tensor.data();
  const n = tensor.shape[1] ?? 0;
  let sum = 0;
  for (let i = 0; i < values.length; i++) {
    if (skipDiagonal && i % n === Math.floor(i / n)) continue;
    sum += values[i]!;
  }
  return sum;
}

/** Mean and population standard deviation (divided by `n`, as `numpy.std`) of `values`. */
export function meanAndStd(values: readonly number[]): { mean: number; std: number } {
  const mean = values.reduce((a, b) => a + b, 0) / values.length;
  const variance = values.reduce((a, b) => a + (b - mean) ** 2, 0) / values.length;
  return { mean, std: Math.sqrt(variance) };
}
