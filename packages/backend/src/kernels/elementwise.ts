import * as tf from '@tensorflow/tfjs-core';
import { asWasm, float32View, type TfjsWasmBackend } from '../wasm/internals.js';
import { type SimdKernels, simdKernelsFor } from '../wasm/simd.js';
import type { KernelArgs, Strategy } from './training-kernel.js';

// What the element-wise wasm kernels (LeakyRelu and its gradient, Tanh) share: the call, the loop that runs the SIMD
// module over whole vectors and JavaScript over the rest, and the reading of a one-input float32 call.

/** An element-wise float32 call: `inputs` of one shape, the output of that shape; `alpha` for the LeakyReLU family. */
export interface ElementwiseCall {
  backend: TfjsWasmBackend;
  inputs: tf.TensorInfo[];
  alpha: number;
}

/** The values from `from` on, in JavaScript: `views` are the inputs' and the output's. */
export type RestLoop = (from: number, views: Float32Array[]) => void;

/**
 * An element-wise float32 kernel: `vector` over the first `count − count % 4` values with the heap byte offsets of the
 * inputs and the output, `rest(from, views)` for the others (all of them, from 0, when `simd` is `null`).
 */
export function elementwise(
  { backend, inputs }: ElementwiseCall,
  simd: SimdKernels | null,
  vector: (kernels: SimdKernels, offsets: number[], count: number) => void,
  rest: RestLoop,
): tf.TensorInfo {
  const out = backend.makeOutput([...inputs[0]!.shape], 'float32');
  const count = tf.util.sizeFromShape(inputs[0]!.shape);
  const vectorized = simd === null ? 0 : count - (count % 4);
  if (simd !== null) {
    vector(
      simd,
      [...inputs, out].map((t) => backend.getMemoryOffset(t.dataId)),
      vectorized,
    );
  }
  if (vectorized < count) {
    rest(
      vectorized,
      [...inputs, out].map((t) => float32View(backend, t)),
    );
  }
  return out;
}

/** The strategy that runs `vector` on the SIMD module, where there is one, and `rest(call)` over the last values. */
export function simdStrategy(
  vector: (kernels: SimdKernels, offsets: number[], count: number, call: ElementwiseCall) => void,
  rest: (call: ElementwiseCall) => RestLoop,
): Strategy<ElementwiseCall> {
  return {
    name: 'WebAssembly SIMD, the last count % 4 values in JavaScript',
    applies: (c) => simdKernelsFor(c.backend) !== null,
    run: (c) =>
      elementwise(c, simdKernelsFor(c.backend), (simd, offsets, count) => vector(simd, offsets, count, c), rest(c)),
  };
}

/** A one-input kernel's call (`x`, with `alpha`), or why the stock kernel takes it: not float32. */
export function readUnary(args: KernelArgs, alpha: number): ElementwiseCall | string {
  const { x } = args.inputs as { x: tf.TensorInfo };
  if (x.dtype !== 'float32') return 'not float32';
  return { backend: asWasm(args.backend), inputs: [x], alpha };
}
