import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { beforeAll, describe, expect, it } from 'vitest';
import { BatchNormalization, batchNormalization } from './batch-normalization.js';
import { registerLayers } from './register.js';
import { roundTrip } from './testing/helpers.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
  registerLayers();
});

describe('BatchNormalization', () => {
  it("is tfjs's layer under its class name and config, and a saved stock layer loads as it", async () => {
    const ours = batchNormalization({ momentum: 0.9, epsilon: 1e-5 });
    expect(BatchNormalization.className).toBe('BatchNormalization');
    const stock = tfl.layers.batchNormalization({ momentum: 0.9, epsilon: 1e-5 });
    expect(ours.getConfig()).toEqual({ ...stock.getConfig(), name: ours.name });
    const model = tfl.sequential({ layers: [tfl.layers.dense({ units: 4, inputShape: [3] }), stock] });
    const { loaded, topology } = await roundTrip(model);
    expect(topology).toContain('"class_name":"BatchNormalization"');
    expect(loaded.layers[1]).toBeInstanceOf(BatchNormalization);
    loaded.dispose();
    model.dispose();
  });

  it('runs the stock training code where the backend has no GanBatchNormTraining kernel (cpu): same output and moving mean, unbiased moving variance', () => {
    const x = tf.randomNormal([6, 5], 2, 3, 'float32', 1);
    const ours = batchNormalization({ momentum: 0.8, inputShape: [5] });
    const stock = tfl.layers.batchNormalization({ momentum: 0.8, inputShape: [5] });
    ours.build([null, 5]);
    stock.build([null, 5]);
    stock.setWeights(ours.getWeights());
    const a = ours.apply(x, { training: true }) as tf.Tensor;
    const b = stock.apply(x, { training: true }) as tf.Tensor;
    expect(Array.from(a.dataSync())).toEqual(Array.from(b.dataSync()));
    const weights = (layer: tfl.layers.Layer) => layer.getWeights().map((w) => Array.from(w.dataSync()));
    const [gamma, beta, mean, variance] = weights(ours);
    const stockWeights = weights(stock);
    expect([gamma, beta, mean]).toEqual(stockWeights.slice(0, 3));
    // PyTorch's running variance: 0.8 · 1 + 0.2 · (the batch's unbiased variance, over the 6 examples).
    const values = x.arraySync() as number[][];
    for (let c = 0; c < 5; c++) {
      const column = values.map((row) => row[c]!);
      const m = column.reduce((s, v) => s + v, 0) / column.length;
      const unbiased = column.reduce((s, v) => s + (v - m) ** 2, 0) / (column.length - 1);
      expect(variance![c]).toBeCloseTo(0.8 + 0.2 * unbiased, 4);
      expect(stockWeights[3]![c]).toBeCloseTo(0.8 + 0.2 * unbiased * (5 / 6), 4);
    }
    tf.dispose([x, a, b]);
  });

  it('keeps the moving statistics as they are in inference, and the stock correction applies to conv activations per channel', () => {
    const x = tf.randomNormal([2, 3, 3, 4], 0, 2, 'float32', 2);
    const layer = batchNormalization({ momentum: 0.5 });
    const y = layer.apply(x) as tf.Tensor;
    expect(Array.from(layer.getWeights()[3]!.dataSync())).toEqual([1, 1, 1, 1]);
    const trained = layer.apply(x, { training: true }) as tf.Tensor;
    const values = tf.reshape(x, [18, 4]).arraySync() as number[][];
    const variance = layer.getWeights()[3]!.dataSync();
    for (let c = 0; c < 4; c++) {
      const column = values.map((row) => row[c]!);
      const m = column.reduce((s, v) => s + v, 0) / 18;
      const unbiased = column.reduce((s, v) => s + (v - m) ** 2, 0) / 17;
      expect(variance[c]).toBeCloseTo(0.5 + 0.5 * unbiased, 4);
    }
    tf.dispose([x, y, trained]);
  });
});
