import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-wasm';
import { registerTrainingKernels, unregisterTrainingKernels } from '@gan/backend';
import { createRandom } from '@gan/core';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adam, GanAdamOptimizer } from './adam.js';
import { readOptimizerState, restoreOptimizerState } from './training-state.js';

const shapes = [[5, 3], [3], [2, 2, 1, 4]];

function makeVariables(prefix: string): tf.Variable[] {
  const random = createRandom(11);
  return shapes.map((shape, i) =>
    tf.variable(tf.tensor(random.normal(shape.reduce((a, b) => a * b, 1)), shape), true, `${prefix}/w${i}`),
  );
}

/**
 * Step `k`'s gradients: the same for every optimizer under test. The second variable's is null at step 2
 * (tfjs Adam keys its moments by position, so a variable without a gradient stays in the map, as null).
 */
function gradients(variables: tf.Variable[], k: number): tf.NamedTensorMap {
  const random = createRandom(100 + k);
  const map: Record<string, tf.Tensor | null> = {};
  variables.forEach((v, i) => {
    map[v.name] = i === 1 && k === 2 ? null : tf.tensor(random.normal(v.size), v.shape);
  });
  return map as tf.NamedTensorMap;
}

async function values(variables: tf.Variable[]): Promise<number[][]> {
  return Promise.all(variables.map(async (v) => Array.from(await v.data())));
}

function step(optimizer: tf.Optimizer, variables: tf.Variable[], k: number): void {
  const grads = gradients(variables, k);
  optimizer.applyGradients(grads);
  tf.dispose(Object.values(grads).filter((t) => t !== null));
}

describe.each(['wasm', 'cpu'] as const)('adam() with the fused update kernel on %s', (backend) => {
  beforeAll(async () => {
    registerTrainingKernels();
    await tf.setBackend(backend);
  });
  afterAll(() => unregisterTrainingKernels());

  it('trains as tf.train.adam does and keeps the same optimizer state', async () => {
    const ours = makeVariables(`${backend}-fused`);
    const theirs = makeVariables(`${backend}-stock`);
    const fused = adam(2e-4, 0.5, 0.999);
    const stock = tf.train.adam(2e-4, 0.5, 0.999);
    expect(fused).toBeInstanceOf(GanAdamOptimizer);
    expect(fused).toBeInstanceOf(tf.AdamOptimizer);
    expect(fused.getClassName()).toBe('Adam');
    for (let k = 0; k < 5; k++) {
      if (k === 1) {
        // The fused path ran: one GanAdamUpdate per variable with a gradient, none of tfjs's Adam arithmetic.
        const profile = await tf.profile(() => step(fused, ours, k));
        expect(profile.kernels.filter((kernel) => kernel.name === 'GanAdamUpdate')).toHaveLength(shapes.length);
        expect(profile.kernelNames).not.toContain('Sqrt');
      } else step(fused, ours, k);
      step(stock, theirs, k);
    }
    const got = await values(ours);
    const want = await values(theirs);
    const initial = await values(makeVariables(`${backend}-initial`));
    for (const [i, row] of got.entries()) {
      for (const [j, x] of row.entries()) {
        expect(Math.abs(x - want[i]![j]!)).toBeLessThan(1e-6);
        expect(x).not.toBe(initial[i]![j]); // every weight moved
      }
    }
    // Same state layout, under the same names (the round trip is tested below).
    const fusedState = await fused.getWeights();
    const stockState = await stock.getWeights();
    expect(fusedState.map((w) => w.name.replace('-fused', ''))).toEqual(
      stockState.map((w) => w.name.replace('-stock', '')),
    );
    expect(await fusedState[0]!.tensor.data()).toEqual(await stockState[0]!.tensor.data()); // iterations
    fused.dispose();
    stock.dispose();
  });

  it('saves and restores through readOptimizerState, and continues exactly as an uninterrupted run', async () => {
    const straight = makeVariables(`${backend}-straight`);
    const resumed = makeVariables(`${backend}-resumed`);
    const first = adam(2e-4, 0.5);
    const uninterrupted = adam(2e-4, 0.5);
    for (let k = 0; k < 3; k++) {
      step(first, resumed, k);
      step(uninterrupted, straight, k);
    }
    const saved = await readOptimizerState(first);
    // The moments are saved, not zeros: this is what a checkpoint holds.
    expect(saved.find((entry) => entry.name.endsWith('/w0/m'))!.values.some((x) => x !== 0)).toBe(true);
    first.dispose();
    const second = adam(2e-4, 0.5);
    await restoreOptimizerState(second, saved, resumed, 'test');
    for (let k = 3; k < 6; k++) {
      step(second, resumed, k);
      step(uninterrupted, straight, k);
    }
    expect(await values(resumed)).toEqual(await values(straight));
    // And the same state read into tfjs's own Adam: the moments are the same numbers.
    const stock = tf.train.adam(2e-4, 0.5);
    await restoreOptimizerState(stock, await readOptimizerState(second), resumed, 'test');
    const a = await readOptimizerState(second);
    const b = await readOptimizerState(stock);
    expect(b.map((entry) => [entry.name, Array.from(entry.values)])).toEqual(
      a.map((entry) => [entry.name, Array.from(entry.values)]),
    );
    tf.dispose([...straight, ...resumed]);
    for (const optimizer of [second, uninterrupted, stock]) optimizer.dispose();
  });

  it('takes gradients as a list too, and a learning rate changed between steps', async () => {
    const ours = makeVariables(`${backend}-list-fused`);
    const theirs = makeVariables(`${backend}-list-stock`);
    const fused = adam(1e-3, 0.5);
    const stock = tf.train.adam(1e-3, 0.5);
    for (let k = 0; k < 3; k++) {
      for (const [optimizer, variables] of [
        [fused, ours],
        [stock, theirs],
      ] as const) {
        (optimizer as unknown as { learningRate: number }).learningRate = 1e-3 * (k + 1);
        const grads = gradients(variables, k);
        optimizer.applyGradients(variables.map((v) => ({ name: v.name, tensor: grads[v.name]! })));
        tf.dispose(Object.values(grads).filter((t) => t !== null));
      }
    }
    const got = (await values(ours)).flat();
    const want = (await values(theirs)).flat();
    for (const [i, x] of got.entries()) expect(Math.abs(x - want[i]!)).toBeLessThan(1e-6);
    tf.dispose([...ours, ...theirs]);
    fused.dispose();
    stock.dispose();
  });

  it('adds no tensors per step once its moments exist', () => {
    const variables = makeVariables(`${backend}-memory`);
    const optimizer = adam(1e-3);
    step(optimizer, variables, 0);
    const after = tf.memory().numTensors;
    for (let k = 1; k < 4; k++) step(optimizer, variables, k);
    expect(tf.memory().numTensors).toBe(after);
    optimizer.dispose();
    tf.dispose(variables);
  });
});

describe('adam() without the kernel', () => {
  it('is tfjs Adam exactly, on a backend with no fused kernel', async () => {
    unregisterTrainingKernels();
    await tf.setBackend('cpu');
    expect(tf.getKernel('GanAdamUpdate', 'cpu')).toBeUndefined();
    const ours = makeVariables('plain-fused');
    const theirs = makeVariables('plain-stock');
    const fused = adam(2e-4, 0.5);
    const stock = tf.train.adam(2e-4, 0.5);
    for (let k = 0; k < 3; k++) {
      if (k === 1) expect((await tf.profile(() => step(fused, ours, k))).kernelNames).toContain('Sqrt');
      else step(fused, ours, k);
      step(stock, theirs, k);
    }
    expect(await values(ours)).toEqual(await values(theirs));
  });
});
