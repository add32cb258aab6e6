import { createRandom, formatShape, GanError, invalidArgument, isPositiveInteger, positiveInteger } from '@gan/core';
import * as tf from '@tensorflow/tfjs-core';
import { checkRange, pixelTable } from './range.js';
import type { Batch, BatchOptions, Dataset } from './types.js';

export interface ArrayDatasetConfig {
  /**
   * All examples, one after the other in C order (`size · prod(shape)` values).
   * A `Uint8Array` holds pixel bytes 0–255 and is mapped linearly to `range` when batched
   * (`[0, 1]`: v / 255; `[-1, 1]`: v / 127.5 − 1). A `Float32Array` is used as-is: its values are
   * taken to lie in `range` already.
   */
  x: Float32Array | Uint8Array;
  /** Shape of one example, e.g. `[28, 28, 1]` or `[2]`. */
  shape: readonly number[];
  /** One class index per example (in `0 .. numClasses − 1`). Defaults to none (unlabelled). */
  labels?: Int32Array | Uint8Array;
  /** Number of classes. Defaults to `classNames.length`, else the largest label + 1. */
  numClasses?: number;
  /** Class names, index = label. Defaults to none. */
  classNames?: readonly string[];
  /** Value range of the batched `x`. Defaults to `[0, 1]`. */
  range?: readonly [number, number];
  /** A short name for messages. Defaults to `'array'`. */
  name?: string;
  /** Where the data came from, for the user. Defaults to `'in-memory arrays'`. */
  source?: string;
}

/** A {@link Dataset} backed by arrays in memory; every other dataset of @gan/data is one. */
export interface ArrayDataset extends Dataset {
  /** The stored examples (bytes or floats, as given). */
  readonly x: Float32Array | Uint8Array;
  /** The stored labels, when labelled. */
  readonly labels?: Int32Array | Uint8Array;
}

function checkShape(shape: readonly number[]): number {
  if (shape.length === 0 || !shape.every(isPositiveInteger)) {
    throw invalidArgument(
      'the example shape',
      'a non-empty list of positive integers such as [28, 28, 1]',
      formatShape(shape),
    );
  }
  return shape.reduce((a, b) => a * b, 1);
}

function checkLabels(labels: Int32Array | Uint8Array, size: number, numClasses: number): void {
  if (labels.length !== size) {
    throw new GanError(
      'SHAPE_MISMATCH',
      `Expected one label per example (${size}), got ${labels.length} labels. Pass labels that match x.`,
    );
  }
  for (let i = 0; i < labels.length; i++) {
    const label = labels[i] as number;
    if (label < 0 || label >= numClasses) {
      throw new GanError(
        'INVALID_ARGUMENT',
        `Expected labels in 0..${numClasses - 1}, got ${label} at index ${i}. Check labels or numClasses.`,
      );
    }
  }
}

function maxLabel(labels: Int32Array | Uint8Array): number {
  let max = -1;
  for (let i = 0; i < labels.length; i++) if ((labels[i] as number) > max) max = labels[i] as number;
  return max;
}

function checkBatchSize(batchSize: number): void {
  positiveInteger(batchSize, 'batchSize');
}

/**
 * A dataset over arrays in memory. `batches()` yields, per batch, one float32 `x` tensor
 * `[batchSize, ...shape]` and (when labelled) one int32 `labels` tensor `[batchSize]`; the consumer
 * owns and disposes them. Tensors are created only when the consumer asks for the next batch, so
 * breaking out of the loop leaves nothing behind. Each pass is shuffled with the given `Random`
 * and, by default, drops the last incomplete batch.
 */
export function arrayDataset(config: ArrayDatasetConfig): ArrayDataset {
  const { x, labels } = config;
  const shape = Object.freeze([...config.shape]);
  const exampleSize = checkShape(shape);
  if (!(x instanceof Float32Array) && !(x instanceof Uint8Array)) {
    throw new GanError('INVALID_ARGUMENT', 'Expected x to be a Float32Array or a Uint8Array.');
  }
  if (x.length % exampleSize !== 0 || x.length === 0) {
    throw new GanError(
      'SHAPE_MISMATCH',
      `Expected x to hold a whole number of examples of shape ${formatShape(shape)} (${exampleSize} values each), got ${x.length} values. Check x and shape.`,
    );
  }
  const size = x.length / exampleSize;
  const range = checkRange(config.range ?? [0, 1], 'the dataset');
  const classNames = config.classNames ? Object.freeze([...config.classNames]) : undefined;
  let numClasses: number | undefined;
  if (labels) {
    numClasses = config.numClasses ?? classNames?.length ?? maxLabel(labels) + 1;
    positiveInteger(numClasses, 'numClasses');
    if (classNames && classNames.length !== numClasses) {
      throw new GanError(
        'SHAPE_MISMATCH',
        `Expected ${numClasses} class names (one per class), got ${classNames.length}.`,
      );
    }
    checkLabels(labels, size, numClasses);
  }
  const table = x instanceof Uint8Array ? pixelTable(range) : undefined;

  const batchCount = (batchSize: number, dropLast = true): number => {
    checkBatchSize(batchSize);
    return dropLast ? Math.floor(size / batchSize) : Math.ceil(size / batchSize);
  };

  const makeBatch = (order: Int32Array, start: number, count: number): Batch => {
    const values = new Float32Array(count * exampleSize);
    for (let row = 0; row < count; row++) {
      const from = (order[start + row] as number) * exampleSize;
      const to = row * exampleSize;
      if (table) {
        for (let k = 0; k < exampleSize; k++) values[to + k] = table[x[from + k] as number] as number;
      } else {
        values.set(x.subarray(from, from + exampleSize), to);
      }
    }
    const batch: Batch = { x: tf.tensor(values, [count, ...shape], 'float32') };
    if (labels) {
      const batchLabels = new Int32Array(count);
      for (let row = 0; row < count; row++) batchLabels[row] = labels[order[start + row] as number] as number;
      batch.labels = tf.tensor1d(batchLabels, 'int32');
    }
    return batch;
  };

  async function* batches(options: BatchOptions): AsyncGenerator<Batch> {
    const { batchSize, shuffle = true, dropLast = true } = options;
    checkBatchSize(batchSize);
    if (dropLast && batchSize > size) {
      throw new GanError(
        'INVALID_ARGUMENT',
        `Batch size ${batchSize} is larger than the dataset "${config.name ?? 'array'}" (${size} examples), so drop-last would yield no batch. Use a batch size of at most ${size}.`,
      );
    }
    const order = new Int32Array(size);
    for (let i = 0; i < size; i++) order[i] = i;
    if (shuffle) (options.random ?? createRandom()).shuffle(order);
    const end = dropLast ? size - (size % batchSize) : size;
    for (let start = 0; start < end; start += batchSize) {
      yield makeBatch(order, start, Math.min(batchSize, end - start));
    }
  }

  return {
    name: config.name ?? 'array',
    source: config.source ?? 'in-memory arrays',
    size,
    shape,
    range,
    numClasses,
    classNames,
    x,
    labels,
    batchCount,
    batches,
  };
}
