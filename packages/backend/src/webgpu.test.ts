import '@tensorflow/tfjs-layers'; // registers tfjs-core's gradient functions, as apps do
import '@tensorflow/tfjs-backend-cpu';
import { GanError } from '@gan/core';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from './init-backend.js';
import { registerTrainingKernels } from './register-training-kernels.js';

// Node WebGPU through the optional `webgpu` package (Dawn). The global setup (tooling/ensure-webgpu.mjs)
// makes sure an adapter exists: a GPU's, or Mesa's software Vulkan (lavapipe) as on CI.
const skip = process.env.GAN_WEBGPU_TESTS === 'skip';

/** A deterministic pseudo-random tensor in [-1, 1). */
function values(shape: number[], seed: number): tf.Tensor {
  const size = shape.reduce((a, b) => a * b, 1);
  let state = seed >>> 0;
  const data = Float32Array.from({ length: size }, () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state / 2 ** 31 - 1;
  });
  return tf.tensor(data, shape);
}

interface GradCase {
  name: string;
  shapes: number[][];
  f: (...xs: tf.Tensor[]) => tf.Tensor;
}

// The operations GAN training differentiates through, at the shapes of the models' layers (small).
const cases: GradCase[] = [
  {
    name: 'conv2d stride 2, same (D)',
    shapes: [
      [3, 9, 9, 2],
      [4, 4, 2, 5],
    ],
    f: (x, w) => tf.conv2d(x as tf.Tensor4D, w as tf.Tensor4D, 2, 'same'),
  },
  {
    name: 'conv2d stride 1, valid, batch 1',
    shapes: [
      [1, 7, 6, 3],
      [3, 3, 3, 4],
    ],
    f: (x, w) => tf.conv2d(x as tf.Tensor4D, w as tf.Tensor4D, 1, 'valid'),
  },
  {
    name: 'conv2dTranspose 4×4 stride 2, same (G)',
    shapes: [
      [2, 5, 5, 6],
      [4, 4, 3, 6],
    ],
    f: (x, w) => tf.conv2dTranspose(x as tf.Tensor4D, w as tf.Tensor4D, [2, 10, 10, 3], 2, 'same'),
  },
  {
    name: 'dense: matMul + bias + leakyRelu',
    shapes: [[8, 33], [33, 17], [17]],
    f: (x, w, b) => tf.leakyRelu(tf.add(tf.matMul(x as tf.Tensor2D, w as tf.Tensor2D), b as tf.Tensor1D), 0.2),
  },
  {
    name: 'batch norm (training statistics) + relu',
    shapes: [[6, 4, 4, 5], [5], [5]],
    f: (x, gamma, beta) => {
      const { mean, variance } = tf.moments(x as tf.Tensor4D, [0, 1, 2]);
      return tf.relu(tf.batchNorm(x as tf.Tensor4D, mean, variance, beta as tf.Tensor1D, gamma as tf.Tensor1D, 1e-5));
    },
  },
  {
    name: 'sigmoid cross-entropy from logits',
    shapes: [[16, 1]],
    f: (logits) => tf.losses.sigmoidCrossEntropy(tf.onesLike(logits), logits as tf.Tensor2D),
  },
];

/**
 * The value of sum(f(xs) · r) and its gradients with respect to every input, on the current backend.
 * Read with `data()`: tfjs-webgpu's `dataSync()` needs OffscreenCanvas, which Node lacks.
 */
async function valueAndGrads(testCase: GradCase, seed: number): Promise<Float32Array[]> {
  const outputs = tf.tidy(() => {
    const inputs = testCase.shapes.map((shape, i) => values(shape, seed + i));
    const probe = tf.tidy(() => testCase.f(...inputs));
    const weights = values(probe.shape, seed + 99);
    const { value, grads } = tf.valueAndGrads((...xs: tf.Tensor[]) => tf.sum(tf.mul(testCase.f(...xs), weights)))(
      inputs,
    );
    return [value, ...grads];
  });
  const read = await Promise.all(outputs.map((t) => t.data() as Promise<Float32Array>));
  tf.dispose(outputs);
  return read;
}

describe.skipIf(skip)('WebGPU in Node (Dawn)', () => {
  let software = false;

  beforeAll(async () => {
    const choice = await initBackend({ prefer: 'webgpu', allowSoftwareAdapter: true });
    software = choice.reason.includes('(software)');
  });

  afterAll(async () => {
    await tf.setBackend('cpu');
  });

  it('is chosen when named, says which adapter, and refuses a software adapter unless asked', async () => {
    const choice = await initBackend({ prefer: 'webgpu', allowSoftwareAdapter: true });
    expect(choice.name).toBe('webgpu');
    expect(tf.getBackend()).toBe('webgpu');
    expect(choice.reason).toMatch(/^webgpu \(WebGPU on .+\)/);
    if (software) {
      // lavapipe/SwiftShader: slower than wasm, so neither a plain `webgpu` request nor `auto` takes it.
      await tf.setBackend('cpu');
      const error = await initBackend({ prefer: 'webgpu' }).catch((e: unknown) => e);
      expect(GanError.isInstance(error)).toBe(true);
      expect((error as Error).message).toMatch(/is a software renderer.*allowSoftwareAdapter: true/);
      const auto = await initBackend({ trainingKernels: false, wasmThreads: false });
      expect(auto.name).not.toBe('webgpu');
      expect(auto.reason).toMatch(/webgpu: WebGPU adapter .* is a software renderer/);
    }
  });

  it.each(cases)('computes $name and its gradients as the cpu backend does', async (testCase) => {
    await tf.setBackend('cpu');
    const expected = await valueAndGrads(testCase, 7);
    await initBackend({ prefer: 'webgpu', allowSoftwareAdapter: true });
    expect(tf.getBackend()).toBe('webgpu');
    const actual = await valueAndGrads(testCase, 7);
    expect(actual.length).toBe(expected.length);
    for (let i = 0; i < expected.length; i++) {
      const want = expected[i]!;
      const got = actual[i]!;
      expect(got.length).toBe(want.length);
      const scale = Math.max(1, ...Array.from(want, Math.abs));
      let worst = 0;
      for (let j = 0; j < want.length; j++) worst = Math.max(worst, Math.abs(got[j]! - want[j]!));
      expect(worst / scale, `${testCase.name}, output ${i}`).toBeLessThan(1e-4);
    }
  });

  it('registers the fused Adam update, which computes what the cpu kernel does', async () => {
    const choice = await initBackend({ prefer: 'webgpu', allowSoftwareAdapter: true });
    expect(choice.kernels).toEqual(['webgpu/GanAdamUpdate']);
    const shape = [33, 65]; // not a multiple of the workgroup size
    const attrs = {
      learningRate: 2e-4,
      beta1: 0.5,
      beta2: 0.999,
      epsilon: 1e-7,
      biasCorrection1: 1 - 0.5 ** 3,
      biasCorrection2: 1 - 0.999 ** 3,
    };
    const run = async (): Promise<Float32Array[]> => {
      const inputs = {
        variable: values(shape, 1),
        gradient: tf.mul(values(shape, 2), 0.1),
        firstMoment: tf.mul(values(shape, 3), 0.01),
        secondMoment: tf.mul(tf.add(values(shape, 4), 1), 1e-3),
      };
      const outputs = tf.engine().runKernel('GanAdamUpdate', inputs, attrs as never) as tf.Tensor[];
      const read = await Promise.all(outputs.map((t) => t.data() as Promise<Float32Array>));
      tf.dispose([...outputs, ...Object.values(inputs)]);
      return read;
    };
    const onGpu = await run();
    registerTrainingKernels({ backends: ['cpu'] });
    await tf.setBackend('cpu');
    const onCpu = await run();
    for (let k = 0; k < 3; k++) {
      let worst = 0;
      for (let i = 0; i < onCpu[k]!.length; i++) {
        worst = Math.max(worst, Math.abs(onGpu[k]![i]! - onCpu[k]![i]!) / Math.max(1e-3, Math.abs(onCpu[k]![i]!)));
      }
      expect(worst, `output ${k}`).toBeLessThan(1e-5);
    }
  });

  it('keeps no tensors behind after a training-like step', async () => {
    await initBackend({ prefer: 'webgpu', allowSoftwareAdapter: true });
    const w = tf.variable(values([4, 4, 1, 3], 3));
    const x = values([2, 8, 8, 1], 4) as tf.Tensor4D;
    const optimizer = tf.train.adam(0.01, 0.5);
    const before = tf.memory().numTensors;
    for (let step = 0; step < 3; step++) {
      const loss = optimizer.minimize(() => tf.mean(tf.square(tf.conv2d(x, w as tf.Tensor4D, 2, 'same'))), true);
      loss?.dispose();
    }
    // Adam adds its two moment slots (and its step counters) once, on the first step.
    const afterFirst = tf.memory().numTensors;
    const loss = optimizer.minimize(() => tf.mean(tf.square(tf.conv2d(x, w as tf.Tensor4D, 2, 'same'))), true);
    loss?.dispose();
    expect(tf.memory().numTensors).toBe(afterFirst);
    expect(afterFirst - before).toBeLessThanOrEqual(4);
    optimizer.dispose();
    tf.dispose([w, x]);
  });
});
