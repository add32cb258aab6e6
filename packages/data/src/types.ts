import type { Random } from '@gan/core';
import type * as tf from '@tensorflow/tfjs-core';

/** One batch of real examples. The consumer owns (and must dispose) the tensors. */
export interface Batch {
  /** Examples, `[batchSize, ...dataset.shape]`, float32 in `dataset.range`. */
  x: tf.Tensor;
  /** Class indices, `[batchSize]`, int32; present when the dataset is labelled. */
  labels?: tf.Tensor1D;
}

export interface BatchOptions {
  /** Examples per batch. */
  batchSize: number;
  /** Shuffle the order each pass. Defaults to `true`. */
  shuffle?: boolean;
  /** The random source used for shuffling. Defaults to a source seeded from `Math.random()`. */
  random?: Random;
  /** Drop the last batch when it is smaller than `batchSize`. Defaults to `true`. */
  dropLast?: boolean;
}

/** A finite dataset that can be iterated in batches any number of times (one pass = one epoch). */
export interface Dataset {
  /** A short name: `mnist`, `shapes`, `ring`, a folder name… */
  readonly name: string;
  /** Where the examples came from, for the user (`t10k files in /data/mnist`, `built-in synthetic set`). */
  readonly source: string;
  /** Number of examples. */
  readonly size: number;
  /** Shape of one example, e.g. `[28, 28, 1]` or `[2]`. */
  readonly shape: readonly number[];
  /** Value range of `x`: `[0, 1]` or `[-1, 1]`. */
  readonly range: readonly [number, number];
  /** Number of classes when labelled, else `undefined`. */
  readonly numClasses?: number;
  /** Class names when labelled, index = label. */
  readonly classNames?: readonly string[];
  /** Number of batches one pass yields for a batch size (with drop-last unless told otherwise). */
  batchCount(batchSize: number, dropLast?: boolean): number;
  /** One pass over the data. */
  batches(options: BatchOptions): AsyncIterable<Batch>;
}

/** Where values are mapped: `[0, 1]` (sigmoid generators) or `[-1, 1]` (tanh generators). */
export type ValueRange = readonly [0, 1] | readonly [-1, 1];
