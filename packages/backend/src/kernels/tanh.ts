import * as tf from '@tensorflow/tfjs-core';
import { type ElementwiseCall, readUnary, simdStrategy } from './elementwise.js';
import { strategyKernel } from './training-kernel.js';

// Tanh on wasm: the stock kernel calls the C library's tanh value by value (10 ms for the 64×64 DCGAN's output at
// batch 64, 786,432 values); the SIMD module's computes four at a time from one exponential (see tanhFunction).

/** `Math.tanh` rounded to float32, from `from` on: the last `count % 4` values. */
function tanhRest(from: number, [xs, ys]: Float32Array[]): void {
  for (let i = from; i < xs!.length; i++) ys![i] = Math.tanh(xs![i]!);
}

/** wasm `Tanh` by the SIMD module; other dtypes, or no WebAssembly SIMD: stock. */
export const wasmTanh = strategyKernel<ElementwiseCall>({
  kernelName: tf.Tanh,
  backendName: 'wasm',
  read: (args) => readUnary(args, 0),
  strategies: [
    simdStrategy(
      (simd, [from, to], count) => simd.tanh(from!, to!, count),
      () => tanhRest,
    ),
  ],
});
