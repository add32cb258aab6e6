import '@tensorflow/tfjs-backend-cpu';
import { GanError } from '@gan/core';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { beforeAll, describe, expect, it } from 'vitest';
import { registerLayers } from './register.js';
import { SpectralConv2D, spectralConv2d } from './spectral-conv2d.js';
import { SpectralDense, spectralDense } from './spectral-dense.js';
import { spectralNormalize } from './spectral-norm.js';
import { expectClose, predictValues, roundTrip, wave } from './testing/helpers.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
  registerLayers();
});

/**
 * Largest singular value of a matrix with 2 columns, in closed form: the square root of the largest
 * eigenvalue of the 2×2 Gram matrix KᵀK = [[a, b], [b, c]], λ = (a + c)/2 + sqrt(((a − c)/2)² + b²).
 */
function sigmaOfTwoColumns(rows: number[][]): number {
  const a = rows.reduce((s, r) => s + r[0] * r[0], 0);
  const b = rows.reduce((s, r) => s + r[0] * r[1], 0);
  const c = rows.reduce((s, r) => s + r[1] * r[1], 0);
  return Math.sqrt((a + c) / 2 + Math.sqrt(((a - c) / 2) ** 2 + b * b));
}

/** Largest singular value by 500 power iterations on KᵀK in plain JS (any number of columns). */
function sigmaByPowerIteration(rows: number[][]): number {
  const columns = rows[0].length;
  let x = Array.from({ length: columns }, (_, i) => 1 + i * 0.1);
  for (let step = 0; step < 500; step++) {
    const kx = rows.map((r) => r.reduce((s, v, j) => s + v * x[j], 0));
    const next = Array.from({ length: columns }, (_, j) => rows.reduce((s, r, i) => s + r[j] * kx[i], 0));
    const norm = Math.hypot(...next);
    x = next.map((v) => v / norm);
  }
  return Math.hypot(...rows.map((r) => r.reduce((s, v, j) => s + v * x[j], 0)));
}

const kernelRows = [
  [1, 2],
  [3, -1],
  [0.5, 4],
];

describe('spectralNormalize', () => {
  it('converges to the largest singular value and divides the kernel by it', () => {
    // KᵀK = [[1 + 9 + 0.25, 2 − 3 + 2], [1, 4 + 1 + 16]] = [[10.25, 1], [1, 21]]: λ = 15.625 + sqrt(5.375² + 1).
    const exact = sigmaOfTwoColumns(kernelRows);
    expect(exact).toBeCloseTo(Math.sqrt(15.625 + Math.sqrt(5.375 ** 2 + 1)), 10);
    expect(sigmaByPowerIteration(kernelRows)).toBeCloseTo(exact, 6);
    const kernel = tf.tensor2d(kernelRows);
    const result = spectralNormalize(kernel, tf.tensor1d([1, 0]), { powerIterations: 30, epsilon: 1e-12 });
    expect(result.sigma.dataSync()[0]).toBeCloseTo(exact, 4);
    const normalized = result.kernel.arraySync() as number[][];
    expect(sigmaOfTwoColumns(normalized)).toBeCloseTo(1, 4);
    // The stored vector is unit length.
    expect(Math.hypot(...result.u.dataSync())).toBeCloseTo(1, 5);
  });

  it('never overestimates σ with an unconverged u (σ = ‖K u‖ ≤ σ_max)', () => {
    const estimate = spectralNormalize(tf.tensor2d(kernelRows), tf.tensor1d([1, 0]), {
      powerIterations: 0,
      epsilon: 1e-12,
    });
    // ‖K [1, 0]‖ = ‖[1, 3, 0.5]‖ = sqrt(10.25).
    expect(estimate.sigma.dataSync()[0]).toBeCloseTo(Math.sqrt(10.25), 5);
    expect(estimate.sigma.dataSync()[0]).toBeLessThan(sigmaOfTwoColumns(kernelRows));
  });

  it('lets the gradient flow through σ with u held constant', () => {
    // f(K) = Σ C ⊙ K/σ, σ = ‖K u‖ with u fixed: ∂f/∂K = C/σ − (Σ C ⊙ K) / σ² · v uᵀ, v = K u / σ.
    // K = [[3, 0], [4, 1]], u = [1, 0]: K u = [3, 4], σ = 5, v = [0.6, 0.8]; C = [[1, 2], [3, 4]]:
    // Σ C ⊙ K = 3 + 0 + 12 + 4 = 19; v uᵀ = [[0.6, 0], [0.8, 0]];
    // ∂f/∂K = [[0.2 − 19/25·0.6, 0.4], [0.6 − 19/25·0.8, 0.8]] = [[−0.256, 0.4], [−0.008, 0.8]].
    const weights = tf.tensor2d([
      [1, 2],
      [3, 4],
    ]);
    const u = tf.tensor1d([1, 0]);
    const gradient = tf.grad((kernel: tf.Tensor) =>
      tf.sum(tf.mul(weights, spectralNormalize(kernel, u, { powerIterations: 0, epsilon: 1e-12 }).kernel)),
    )(
      tf.tensor2d([
        [3, 0],
        [4, 1],
      ]),
    );
    const values = gradient.arraySync() as number[][];
    const expected = [
      [-0.256, 0.4],
      [-0.008, 0.8],
    ];
    expectClose(values, expected);
  });

  it('treats the power iteration as constant in training mode too (gradient of ‖K u‖ only)', () => {
    // With iterations, u changes but the gradient is still that of Σ K/σ with the new u held constant:
    // for f = Σ K/σ it is 1/σ − (Σ K)/σ² · v uᵀ; compare with the same formula evaluated from the returned u.
    const kernel = tf.tensor2d(kernelRows);
    const start = tf.tensor1d([0.3, 0.7]);
    const options = { powerIterations: 2, epsilon: 1e-12 };
    const gradient = tf.grad((k: tf.Tensor) => tf.sum(spectralNormalize(k, start, options).kernel))(kernel);
    const { u, sigma } = spectralNormalize(kernel, start, options);
    const uValues = Array.from(u.dataSync());
    const s = sigma.dataSync()[0];
    const ku = kernelRows.map((r) => r[0] * uValues[0] + r[1] * uValues[1]);
    const total = kernelRows.flat().reduce((a, b) => a + b, 0);
    const expected = kernelRows.map((_, i) => uValues.map((uj) => 1 / s - (total / s ** 2) * (ku[i] / s) * uj));
    const values = gradient.arraySync() as number[][];
    expectClose(values, expected);
  });
});

describe('spectralDense', () => {
  it('after training-mode calls its effective kernel has spectral norm ≈ 1 and inference uses it', () => {
    const layer = spectralDense({ units: 2, seed: 7 });
    const x = tf.tensor2d([[1, 2, 3]]);
    layer.apply(x); // builds
    layer.setWeights([tf.tensor2d(kernelRows), tf.tensor1d([0.5, -0.5]), layer.getWeights()[2]]);
    for (let i = 0; i < 20; i++) tf.dispose(layer.apply(x, { training: true }) as tf.Tensor);
    const exact = sigmaOfTwoColumns(kernelRows);
    expect(layer.sigma()).toBeCloseTo(exact, 4);
    const effective = tf.tidy(() => layer.normalizedKernel(false).arraySync() as number[][]);
    expect(sigmaOfTwoColumns(effective)).toBeCloseTo(1, 4);
    // Output = x · K/σ + b: x·K = [1·1 + 2·3 + 3·0.5, 1·2 + 2·(−1) + 3·4] = [8.5, 12].
    const out = (layer.apply(x) as tf.Tensor).dataSync();
    expect(out[0]).toBeCloseTo(8.5 / exact + 0.5, 4);
    expect(out[1]).toBeCloseTo(12 / exact - 0.5, 4);
  });

  it('advances u only in training mode', () => {
    const layer = spectralDense({ units: 2, seed: 3 });
    const x = tf.tensor2d([[1, 2, 3]]);
    layer.apply(x);
    const before = Array.from(layer.getWeights()[2].dataSync());
    layer.apply(x);
    expect(Array.from(layer.getWeights()[2].dataSync())).toEqual(before);
    layer.apply(x, { training: true });
    expect(Array.from(layer.getWeights()[2].dataSync())).not.toEqual(before);
    expect(layer.trainableWeights.map((w) => w.name.split('/').pop())).toEqual(['kernel', 'bias']);
    expect(layer.nonTrainableWeights.map((w) => w.name.split('/').pop())).toEqual(['u']);
  });

  it('is reproducible from its seed and validates its options', () => {
    const u = (seed: number) => {
      const layer = spectralDense({ units: 4, seed });
      layer.apply(tf.zeros([1, 2]));
      return Array.from(layer.getWeights()[2].dataSync());
    };
    expect(u(5)).toEqual(u(5));
    expect(u(5)).not.toEqual(u(6));
    expect(() => spectralDense({ units: 0 })).toThrow(GanError);
    expect(() => spectralDense({ units: 2, powerIterations: 0 })).toThrow(/powerIterations/);
    expect(() => spectralDense({ units: 2 }).apply(tf.zeros([1, 2, 2]))).toThrow(/\[n, features\]/);
  });
});

describe('spectralConv2d', () => {
  it('normalizes the kernel reshaped to [k·k·in, filters] and convolves like tf.conv2d', () => {
    const layer = spectralConv2d({ filters: 2, kernelSize: 2, strides: 2, padding: 'valid', useBias: false, seed: 1 });
    const images = wave([1, 4, 4, 1]);
    const symbolic = layer.apply(tfl.input({ shape: [4, 4, 1] })) as tfl.SymbolicTensor;
    expect(symbolic.shape).toEqual([null, 2, 2, 2]);
    layer.apply(images);
    // A fixed kernel with well-separated singular values: a random one (the default initializer is unseeded) can
    // have two close ones, and then 40 power iterations do not reach four decimals.
    const fixed = tf.tensor4d([1, 0.2, 0.5, -0.3, -0.4, 0.8, 0.3, 0.1], [2, 2, 1, 2]);
    layer.setWeights([fixed, layer.getWeights()[1]!]);
    for (let i = 0; i < 40; i++) tf.dispose(layer.apply(images, { training: true }) as tf.Tensor);
    const kernel = layer.getWeights()[0];
    const rows = tf.reshape(kernel, [4, 2]).arraySync() as number[][];
    const exact = sigmaByPowerIteration(rows);
    expect(layer.sigma()).toBeCloseTo(exact, 4);
    const expected = tf.conv2d(images as tf.Tensor4D, tf.div(kernel, exact) as tf.Tensor4D, 2, 'valid').dataSync();
    const out = (layer.apply(images) as tf.Tensor).dataSync();
    expectClose(out, Array.from(expected), 4);
    expect(layer.computeOutputShape([null, 5, 5, 3])).toEqual([null, 2, 2, 2]);
    expect(spectralConv2d({ filters: 3, strides: 2 }).computeOutputShape([null, 5, 7, 3])).toEqual([null, 3, 4, 3]);
  });
});

describe('spectral layers: save and load', () => {
  it('round-trip a model with identical outputs, u included', async () => {
    const input = tfl.input({ shape: [4, 4, 2] });
    const conv = spectralConv2d({ filters: 3, kernelSize: 3, strides: 2, seed: 2 }).apply(input) as tfl.SymbolicTensor;
    const flat = tfl.layers.flatten().apply(conv) as tfl.SymbolicTensor;
    const output = spectralDense({ units: 1, seed: 4, powerIterations: 2 }).apply(flat) as tfl.SymbolicTensor;
    const model = tfl.model({ inputs: input, outputs: output });
    const x = wave([2, 4, 4, 2]);
    for (let i = 0; i < 3; i++) tf.dispose(model.apply(x, { training: true }) as tf.Tensor);
    const { loaded, topology } = await roundTrip(model);
    expect(topology).toContain('"class_name":"SpectralConv2D"');
    expect(topology).toContain('"class_name":"SpectralDense"');
    expect(predictValues(loaded, x)).toEqual(predictValues(model, x));
    const dense = loaded.layers.find((l) => l instanceof SpectralDense) as SpectralDense;
    expect(dense.powerIterations).toBe(2);
    expect(loaded.layers.some((l) => l instanceof SpectralConv2D)).toBe(true);
  });
});

describe('spectral layers in a training step', () => {
  it('get finite kernel gradients, advance u, and leak no tensors', () => {
    const input = tfl.input({ shape: [3] });
    const output = spectralDense({ units: 2, seed: 8 }).apply(input) as tfl.SymbolicTensor;
    const model = tfl.model({ inputs: input, outputs: output });
    const x = tf.tensor2d([
      [1, 2, 3],
      [-1, 0, 2],
    ]);
    const optimizer = tf.train.sgd(0.1);
    const step = () =>
      optimizer.minimize(() => tf.mean(tf.square(model.apply(x, { training: true }) as tf.Tensor)) as tf.Scalar);
    step(); // the optimizer creates no slots for sgd, but warm up anyway
    const tensors = tf.memory().numTensors;
    const u = Array.from(model.getWeights()[2].dataSync());
    const kernel = Array.from(model.getWeights()[0].dataSync());
    for (let i = 0; i < 3; i++) step();
    expect(tf.memory().numTensors).toBe(tensors);
    expect(Array.from(model.getWeights()[2].dataSync())).not.toEqual(u);
    const updated = Array.from(model.getWeights()[0].dataSync());
    expect(updated).not.toEqual(kernel);
    expect(updated.every(Number.isFinite)).toBe(true);
  });
});
