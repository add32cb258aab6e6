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

  it('runs the stock training code where the backend has no GanBatchNormTraining kernel (cpu): same output and moving averages', () => {
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
    expect(weights(ours)).toEqual(weights(stock));
    tf.dispose([x, a, b]);
  });
});
