import * as tf from '@tensorflow/tfjs-core';
import { asWasm } from '../wasm/internals.js';
import { simdKernelsFor } from '../wasm/simd.js';
import { type ElementwiseCall, elementwise } from './leaky-relu.js';
import { type Strategy, strategyKernel } from './training-kernel.js';

// Tanh on wasm: the stock kernel calls the C library's tanh value by value (10 ms for the 64×64 DCGAN's output at
// batch 64, 786,432 values); the SIMD module's computes four at a time from one exponential (see tanhFunction).

/** `Math.tanh` rounded to float32, from `from` on: the last `count % 4` values. */
function tanhRest(from: number, [xs, ys]: Float32Array[]): void {
  for (let i = from; i < xs!.length; i++) ys![i] = Math.tanh(xs![i]!);
}

const tanhStrategies: readonly Strategy<ElementwiseCall>[] = [
  {
    name: 'WebAssembly SIMD, the last count % 4 values in JavaScript',
    applies: (c) => simdKernelsFor(c.backend) !== null,
    run: (c) =>
      elementwise(c, simdKernelsFor(c.backend), (simd, [from, to], count) => simd.tanh(from!, to!, count), tanhRest),
  },
];

/** wasm `Tanh` by {@link tanhStrategies}; other dtypes, or no WebAssembly SIMD: stock. */
export const wasmTanh = strategyKernel<ElementwiseCall>({
  kernelName: tf.Tanh,
  backendName: 'wasm',
  read: (args) => {
    const { x } = args.inputs as { x: tf.TensorInfo };
    if (x.dtype !== 'float32') return 'not float32';
    return { backend: asWasm(args.backend), inputs: [x], alpha: 0 };
  },
  strategies: tanhStrategies,
});
