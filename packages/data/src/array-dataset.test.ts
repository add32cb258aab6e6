import '@tensorflow/tfjs-backend-cpu';
import { createRandom, GanError } from '@gan/core';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { arrayDataset } from './array-dataset.js';
import type { Batch, Dataset } from './types.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

/** Ten examples of shape [2]: example i is [i, 100 + i] and has label i % 3. */
function tenExamples(): Dataset {
  const x = new Float32Array(20);
  const labels = new Int32Array(10);
  for (let i = 0; i < 10; i++) {
    x[2 * i] = i;
    x[2 * i + 1] = 100 + i;
    labels[i] = i % 3;
  }
  return arrayDataset({ x, shape: [2], labels, range: [0, 200] });
}

/** Reads every batch of a pass into plain arrays and disposes the tensors. */
async function collect(dataset: Dataset, options: Parameters<Dataset['batches']>[0]) {
  const batches: { x: number[][]; labels: number[]; shape: number[] }[] = [];
  for await (const batch of dataset.batches(options)) {
    batches.push({
      x: (await batch.x.array()) as number[][],
      labels: Array.from(await (batch.labels as tf.Tensor1D).data()),
      shape: batch.x.shape,
    });
    expect(batch.x.dtype).toBe('float32');
    expect(batch.labels?.dtype).toBe('int32');
    tf.dispose([batch.x, batch.labels as tf.Tensor]);
  }
  return batches;
}

describe('arrayDataset', () => {
  it('drops the last incomplete batch by default and keeps it when asked', async () => {
    const dataset = tenExamples();
    expect(dataset.size).toBe(10);
    expect(dataset.batchCount(4)).toBe(2);
    expect(dataset.batchCount(4, false)).toBe(3);
    expect(dataset.batchCount(5)).toBe(2);
    const dropped = await collect(dataset, { batchSize: 4, random: createRandom(1) });
    expect(dropped.map((b) => b.shape)).toEqual([
      [4, 2],
      [4, 2],
    ]);
    const kept = await collect(dataset, { batchSize: 4, dropLast: false, random: createRandom(1) });
    expect(kept.map((b) => b.shape[0])).toEqual([4, 4, 2]);
  });

  it('yields examples in order without shuffling', async () => {
    const batches = await collect(tenExamples(), { batchSize: 5, shuffle: false });
    expect(batches[0]?.x).toEqual([
      [0, 100],
      [1, 101],
      [2, 102],
      [3, 103],
      [4, 104],
    ]);
    expect(batches[1]?.labels).toEqual([2, 0, 1, 2, 0]);
  });

  it('shuffles each pass into a permutation, reproducibly by seed, keeping labels aligned', async () => {
    const dataset = tenExamples();
    const order = (batches: Awaited<ReturnType<typeof collect>>) => batches.flatMap((b) => b.x.map((row) => row[0]));
    const random = createRandom(5);
    const first = await collect(dataset, { batchSize: 10, random });
    const second = await collect(dataset, { batchSize: 10, random });
    const firstOrder = order(first);
    expect([...firstOrder].sort((a, b) => (a as number) - (b as number))).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(firstOrder).not.toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(order(second)).not.toEqual(firstOrder); // a new order each pass
    expect(order(await collect(dataset, { batchSize: 10, random: createRandom(5) }))).toEqual(firstOrder);
    for (const batch of [...first, ...second]) {
      batch.x.forEach((row, k) => {
        expect(row[1]).toBe((row[0] as number) + 100);
        expect(batch.labels[k]).toBe((row[0] as number) % 3);
      });
    }
  });

  it('leaves no tensor behind once the consumer disposes, even when it stops early', async () => {
    const dataset = tenExamples();
    const start = tf.memory().numTensors;
    for await (const batch of dataset.batches({ batchSize: 3, random: createRandom(2) })) {
      expect(tf.memory().numTensors).toBe(start + 2);
      tf.dispose([batch.x, batch.labels as tf.Tensor]);
    }
    expect(tf.memory().numTensors).toBe(start);
    for await (const batch of dataset.batches({ batchSize: 3, random: createRandom(2) })) {
      tf.dispose([batch.x, batch.labels as tf.Tensor]);
      break;
    }
    expect(tf.memory().numTensors).toBe(start);
  });

  it('maps stored bytes to [0, 1] and [-1, 1]', async () => {
    const x = new Uint8Array([0, 51, 255, 127]);
    const read = async (range: readonly [number, number]) => {
      const dataset = arrayDataset({ x, shape: [2, 2, 1], range });
      const batch = (await dataset.batches({ batchSize: 1, shuffle: false })[Symbol.asyncIterator]().next())
        .value as Batch;
      expect(batch.x.shape).toEqual([1, 2, 2, 1]);
      const values = Array.from(await batch.x.data());
      batch.x.dispose();
      return values;
    };
    const unit = await read([0, 1]);
    expect(unit[0]).toBe(0);
    expect(unit[1]).toBeCloseTo(0.2, 6);
    expect(unit[2]).toBe(1);
    const signed = await read([-1, 1]);
    expect(signed[0]).toBe(-1);
    expect(signed[1]).toBeCloseTo(51 / 127.5 - 1, 6);
    expect(signed[2]).toBe(1);
    expect(signed[3]).toBeCloseTo(127 / 127.5 - 1, 6);
    expect(arrayDataset({ x, shape: [4] }).range).toEqual([0, 1]);
  });

  it('yields no labels for an unlabelled set', async () => {
    const dataset = arrayDataset({ x: new Float32Array(6), shape: [3] });
    expect(dataset.numClasses).toBeUndefined();
    for await (const batch of dataset.batches({ batchSize: 2 })) {
      expect(batch.labels).toBeUndefined();
      batch.x.dispose();
    }
  });

  it('derives numClasses from class names or the largest label', () => {
    const x = new Float32Array(4);
    expect(arrayDataset({ x, shape: [1], labels: new Uint8Array([0, 4, 1, 1]) }).numClasses).toBe(5);
    expect(
      arrayDataset({ x, shape: [1], labels: new Uint8Array([0, 1, 1, 0]), classNames: ['a', 'b', 'c'] }).numClasses,
    ).toBe(3);
  });

  it('rejects inconsistent sizes with clear errors', async () => {
    const expectError = (make: () => unknown, code: string, text: RegExp) => {
      try {
        make();
      } catch (error) {
        expect(GanError.isInstance(error)).toBe(true);
        expect((error as GanError).code).toBe(code);
        expect((error as GanError).message).toMatch(text);
        return;
      }
      throw new Error('expected an error');
    };
    expectError(
      () => arrayDataset({ x: new Float32Array(10), shape: [3] }),
      'SHAPE_MISMATCH',
      /3 values each\), got 10/,
    );
    expectError(
      () => arrayDataset({ x: new Float32Array(6), shape: [3], labels: new Int32Array(3) }),
      'SHAPE_MISMATCH',
      /one label per example \(2\), got 3/,
    );
    expectError(
      () => arrayDataset({ x: new Float32Array(6), shape: [3], labels: new Int32Array([0, 5]), numClasses: 2 }),
      'INVALID_ARGUMENT',
      /labels in 0..1, got 5/,
    );
    expectError(() => arrayDataset({ x: new Float32Array(6), shape: [0, 3] }), 'INVALID_ARGUMENT', /positive integers/);
    expectError(() => arrayDataset({ x: new Float32Array(6), shape: [3], range: [1, 0] }), 'INVALID_ARGUMENT', /range/);
    expectError(() => tenExamples().batchCount(0), 'INVALID_ARGUMENT', /batchSize/);
    const iterator = tenExamples().batches({ batchSize: 11 })[Symbol.asyncIterator]();
    await expect(iterator.next()).rejects.toThrow(/larger than the dataset/);
  });
});
