import type { Dataset } from '@gan/data';
import * as tf from '@tensorflow/tfjs-core';

export interface MemoryDatasetConfig {
  /** Examples, flattened. */
  x: Float32Array;
  /** Shape of one example. */
  shape: number[];
  /** Class indices, one per example. */
  labels?: Int32Array;
  numClasses?: number;
  range?: readonly [number, number];
}

/** A tiny in-memory Dataset for tests (the real ones live in @gan/data). */
export function memoryDataset(config: MemoryDatasetConfig): Dataset {
  const exampleSize = config.shape.reduce((a, b) => a * b, 1);
  const size = config.x.length / exampleSize;
  return {
    name: 'memory',
    source: 'test fixture',
    size,
    shape: config.shape,
    range: config.range ?? [-1, 1],
    numClasses: config.numClasses,
    batchCount: (batchSize, dropLast = true) => (dropLast ? Math.floor(size / batchSize) : Math.ceil(size / batchSize)),
    async *batches({ batchSize, shuffle = true, random, dropLast = true }) {
      const order = Int32Array.from({ length: size }, (_, i) => i);
      if (shuffle && random) random.shuffle(order);
      for (let start = 0; start < size; start += batchSize) {
        const indices = order.subarray(start, Math.min(size, start + batchSize));
        if (indices.length < batchSize && dropLast) return;
        const values = new Float32Array(indices.length * exampleSize);
        for (const [i, index] of indices.entries()) {
          values.set(config.x.subarray(index * exampleSize, (index + 1) * exampleSize), i * exampleSize);
        }
        const x = tf.tensor(values, [indices.length, ...config.shape]);
        const labels = config.labels
          ? tf.tensor1d(
              Array.from(indices, (i) => config.labels![i]),
              'int32',
            )
          : undefined;
        yield { x, labels };
      }
    },
  };
}
