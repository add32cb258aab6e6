import '@tensorflow/tfjs-backend-wasm';
import { createRandom } from '@gan/core';
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { adamUpdate } from '../kernels/adam.js';
import { simdKernelsFor } from './simd.js';

describe('WebAssembly SIMD kernels', () => {
  it('are available on the wasm backend of this Node', async () => {
    await tf.setBackend('wasm');
    expect(simdKernelsFor(tf.engine().backend)).not.toBeNull();
    expect(simdKernelsFor({} as tf.KernelBackend)).toBeNull(); // no heap to work on
  });

  it.each([false, true])(
    'run Adam on a heap (shared memory: %s) as the float64 loop does, to float32 rounding',
    (shared) => {
      const memory = new WebAssembly.Memory(shared ? { initial: 4, maximum: 65536, shared: true } : { initial: 4 });
      const simd = simdKernelsFor({ wasm: { wasmMemory: memory } } as unknown as tf.KernelBackend)!;
      expect(simd).not.toBeNull();
      const count = 1000;
      const random = createRandom(shared ? 2 : 1);
      const heap = new Float32Array(memory.buffer);
      const arrays = [0, 1, 2, 3, 4, 5, 6].map((k) => heap.subarray(k * count + 4, (k + 1) * count + 4)); // 16-byte offset
      arrays[0]!.set(random.normal(count));
      arrays[1]!.set(random.normal(count).map((x) => x * 0.1));
      arrays[2]!.set(random.normal(count).map((x) => x * 0.01));
      arrays[3]!.set(random.uniform(count, 0, 1e-3));
      const attrs = {
        learningRate: 2e-4,
        beta1: 0.5,
        beta2: 0.999,
        epsilon: 1e-7,
        biasCorrection1: 0.875,
        biasCorrection2: 0.003,
      };
      const expected = [new Float32Array(count), new Float32Array(count), new Float32Array(count)] as const;
      adamUpdate(arrays[0]!, arrays[1]!, arrays[2]!, arrays[3]!, attrs, ...expected);
      const f = Math.fround;
      const offsets = arrays.map((a) => a.byteOffset) as [number, number, number, number, number, number, number];
      const { learningRate, beta1, beta2, epsilon, biasCorrection1, biasCorrection2 } = attrs;
      simd.adam(
        ...offsets,
        count,
        f(beta1),
        f(beta2),
        f(1 - beta1),
        f(1 - beta2),
        f(learningRate / biasCorrection1),
        f(1 / biasCorrection2),
        f(epsilon),
      );
      for (let k = 0; k < 3; k++) {
        for (let i = 0; i < count; i++) {
          const want = expected[k]![i]!;
          expect(Math.abs(arrays[4 + k]![i]! - want)).toBeLessThanOrEqual(1e-6 * Math.max(1e-3, Math.abs(want)));
        }
      }
      // The inputs are untouched, and nothing past the outputs was written.
      expect(heap[7 * count + 4]).toBe(0);
    },
  );

  it('add rows into float64 sums, and run LeakyReLU and its gradient', () => {
    const memory = new WebAssembly.Memory({ initial: 4 });
    const simd = simdKernelsFor({ wasm: { wasmMemory: memory } } as unknown as tf.KernelBackend)!;
    const random = createRandom(3);
    const rows = 37;
    const columns = 12;
    const heap = new Float32Array(memory.buffer);
    const source = heap.subarray(16, 16 + rows * columns);
    source.set(random.normal(rows * columns));
    const sumsAt = 4096 * 4; // bytes, 8-aligned
    const sums = new Float64Array(memory.buffer, sumsAt, columns);
    sums.fill(0.5); // sums are added to
    simd.sumRows(source.byteOffset, rows * columns, columns, sumsAt);
    for (let c = 0; c < columns; c++) {
      let expected = 0.5;
      for (let r = 0; r < rows; r++) expected += source[r * columns + c]!;
      expect(sums[c]).toBeCloseTo(expected, 12);
    }

    const count = 64;
    const x = heap.subarray(8192, 8192 + count);
    const dy = heap.subarray(8192 + count, 8192 + 2 * count);
    const out = heap.subarray(8192 + 2 * count, 8192 + 3 * count);
    x.set(random.normal(count));
    x[0] = 0;
    x[1] = -0;
    dy.set(random.normal(count));
    const alpha = Math.fround(0.2);
    simd.leakyRelu(x.byteOffset, out.byteOffset, count, alpha);
    for (let i = 0; i < count; i++) expect(out[i]).toBe(x[i]! < 0 ? Math.fround(alpha * x[i]!) : x[i]);
    simd.leakyReluGrad(dy.byteOffset, x.byteOffset, out.byteOffset, count, alpha);
    for (let i = 0; i < count; i++) expect(out[i]).toBe(x[i]! > 0 ? dy[i] : Math.fround(alpha * dy[i]!));
  });

  it('computes tanh within 2 float32 ulps of Math.tanh, from 1e-30 to saturation, keeping −0, ±1 and NaN', () => {
    const memory = new WebAssembly.Memory({ initial: 4 });
    const simd = simdKernelsFor({ wasm: { wasmMemory: memory } } as unknown as tf.KernelBackend)!;
    const random = createRandom(5);
    // both sides of the series/exponential switch at 0.55, of every exponent step, and the tails
    const magnitudes = [
      ...Array.from({ length: 4000 }, (_, i) => 10 ** (-30 + (31.1 * i) / 4000)),
      ...random.uniform(4000, 0, 10),
      ...random.uniform(2000, 0.5, 0.6),
      0.55,
      Math.fround(0.55) - 2 ** -24,
      8.99,
      9,
      9.01,
      20,
      Number.POSITIVE_INFINITY,
    ];
    const values = Float32Array.from([...magnitudes, ...magnitudes.map((m) => -m), 0, -0, Number.NaN]);
    const count = values.length - (values.length % 4);
    const heap = new Float32Array(memory.buffer);
    heap.set(values.subarray(0, count), 0);
    simd.tanh(0, count * 4, count);
    const out = heap.subarray(count, 2 * count);
    let worst = 0;
    for (let i = 0; i < count; i++) {
      const x = values[i]!;
      const exact = Math.tanh(x);
      if (Number.isNaN(x)) {
        expect(out[i]).toBeNaN();
        continue;
      }
      const ulp = Math.max(2 ** -149, 2 ** (Math.floor(Math.log2(Math.abs(exact) || 2 ** -149)) - 23));
      worst = Math.max(worst, Math.abs(out[i]! - exact) / ulp);
      if (Object.is(x, -0)) expect(Object.is(out[i], -0)).toBe(true);
      if (Math.abs(x) >= 9) expect(out[i]).toBe(Math.sign(x));
    }
    expect(worst).toBeLessThanOrEqual(2);
    expect(worst).toBeGreaterThan(0); // an approximation: not Math.tanh itself
  });
});
