import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { beforeAll, describe, expect, it } from 'vitest';
import { dcganGammaInitializer, dcganWeightInitializer } from './initializers.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

function moments(data: ArrayLike<number>): { mean: number; std: number } {
  const values = Array.from(data);
  const mean = values.reduce((s, v) => s + v, 0) / values.length;
  const variance = values.reduce((s, v) => s + (v - mean) ** 2, 0) / values.length;
  return { mean, std: Math.sqrt(variance) };
}

describe('DCGAN initializers', () => {
  it('draws kernels from N(0, 0.02)', () => {
    const values = dcganWeightInitializer({ seed: 1 }).apply([100, 200]).dataSync();
    const { mean, std } = moments(values);
    expect(Math.abs(mean)).toBeLessThan(0.001);
    expect(std).toBeCloseTo(0.02, 3);
  });

  it('draws batch-norm gammas from N(1, 0.02)', () => {
    const values = dcganGammaInitializer({ seed: 2 }).apply([20000]).dataSync();
    const { mean, std } = moments(values);
    expect(Math.abs(mean - 1)).toBeLessThan(0.001);
    expect(std).toBeCloseTo(0.02, 3);
  });

  it('is reproducible from a seed and differs between seeds', () => {
    const a = dcganWeightInitializer({ seed: 5 }).apply([64]).dataSync();
    expect(dcganWeightInitializer({ seed: 5 }).apply([64]).dataSync()).toEqual(a);
    expect(dcganWeightInitializer({ seed: 6 }).apply([64]).dataSync()).not.toEqual(a);
  });

  it('serializes as a tfjs RandomNormal with its mean, stddev and seed', () => {
    const layer = tfl.layers.dense({ units: 2, kernelInitializer: dcganWeightInitializer({ seed: 9 }) });
    expect(layer.getConfig().kernelInitializer).toEqual({
      className: 'RandomNormal',
      config: { mean: 0, stddev: 0.02, seed: 9 },
    });
    const norm = tfl.layers.batchNormalization({ gammaInitializer: dcganGammaInitializer({ seed: 3 }) });
    expect(norm.getConfig().gammaInitializer).toEqual({
      className: 'RandomNormal',
      config: { mean: 1, stddev: 0.02, seed: 3 },
    });
  });
});
