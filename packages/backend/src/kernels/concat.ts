import * as tf from '@tensorflow/tfjs-core';
import { asWasm, float32View, type TfjsWasmBackend } from '../wasm/internals.js';
import { type Strategy, strategyKernel } from './training-kernel.js';

// wasm Concat and SplitV (its gradient) of float32 tensors along an inner axis: label maps joined to image channels,
// z joined to labels. The stock kernels make one TypedArray `set` per row and input, which at a few channels per row
// is most of a conditional discriminator's time; a loop over the rows moves them instead.

/** `outer` (the product of the dimensions before `axis`) and each part's row length from `axis` on. */
function rowsOf(shapes: readonly number[][], axis: number): { outer: number; rows: number[] } {
  const outer = (shapes[0] as number[]).slice(0, axis).reduce((a, b) => a * b, 1);
  return { outer, rows: shapes.map((shape) => shape.slice(axis).reduce((a, b) => a * b, 1)) };
}

/** Float32 parts joined along an inner axis `axis` (> 0). */
interface ConcatCall {
  backend: TfjsWasmBackend;
  inputs: tf.TensorInfo[];
  axis: number;
}

const concatStrategies: readonly Strategy<ConcatCall>[] = [
  {
    name: 'a loop over rows',
    applies: () => true,
    run: ({ backend, inputs, axis }) => {
      const { outer, rows } = rowsOf(
        inputs.map((x) => x.shape),
        axis,
      );
      const total = rows.reduce((a, b) => a + b, 0);
      const shape = [...inputs[0]!.shape];
      shape[axis] = inputs.reduce((sum, x) => sum + (x.shape[axis] as number), 0);
      const out = backend.makeOutput(shape, 'float32');
      const target = float32View(backend, out);
      let offset = 0;
      for (const [i, x] of inputs.entries()) {
        const source = float32View(backend, x);
        const row = rows[i] as number;
        for (let o = 0; o < outer; o++) {
          const from = o * row;
          const to = o * total + offset;
          for (let j = 0; j < row; j++) target[to + j] = source[from + j] as number;
        }
        offset += row;
      }
      return out;
    },
  },
];

/** wasm `Concat` by {@link concatStrategies}; one part, axis 0, other dtypes or ranks: stock. */
export const wasmConcat = strategyKernel<ConcatCall>({
  kernelName: tf.Concat,
  backendName: 'wasm',
  read: (args) => {
    const inputs = args.inputs as unknown as tf.TensorInfo[];
    const first = inputs[0];
    if (first === undefined || inputs.length < 2 || inputs.some((x) => x.dtype !== 'float32')) {
      return 'fewer than two float32 parts';
    }
    const axis = tf.util.parseAxisParam((args.attrs as unknown as { axis: number }).axis, first.shape)[0] as number;
    if (axis === 0 || inputs.some((x) => x.shape.length !== first.shape.length)) return 'axis 0 or ranks that differ';
    return { backend: asWasm(args.backend), inputs, axis };
  },
  strategies: concatStrategies,
});

/** A float32 tensor split along an inner axis `axis` (> 0) into parts of `sizes`. */
interface SplitCall {
  backend: TfjsWasmBackend;
  x: tf.TensorInfo;
  axis: number;
  sizes: number[];
}

const splitStrategies: readonly Strategy<SplitCall, tf.TensorInfo[]>[] = [
  {
    name: 'a loop over rows',
    applies: () => true,
    run: ({ backend, x, axis, sizes }) => {
      const shapes = sizes.map((size) => x.shape.map((d, i) => (i === axis ? size : d)));
      const { outer, rows } = rowsOf(shapes, axis);
      const total = rows.reduce((a, b) => a + b, 0);
      const outs = shapes.map((shape) => backend.makeOutput(shape, 'float32'));
      // Views after every allocation: an allocation may grow the heap and detach earlier views.
      const source = float32View(backend, x);
      let offset = 0;
      for (const [i, out] of outs.entries()) {
        const target = float32View(backend, out);
        const row = rows[i] as number;
        for (let o = 0; o < outer; o++) {
          const from = o * total + offset;
          const to = o * row;
          for (let j = 0; j < row; j++) target[to + j] = source[from + j] as number;
        }
        offset += row;
      }
      return outs;
    },
  },
];

/** wasm `SplitV` by {@link splitStrategies}; axis 0 and other dtypes: stock. */
export const wasmSplitV = strategyKernel<SplitCall>({
  kernelName: tf.SplitV,
  backendName: 'wasm',
  read: (args) => {
    const { x } = args.inputs as { x: tf.TensorInfo };
    const attrs = args.attrs as unknown as { numOrSizeSplits: number | number[]; axis: number };
    if (x.dtype !== 'float32') return 'not float32';
    const axis = tf.util.parseAxisParam(attrs.axis, x.shape)[0] as number;
    if (axis === 0) return 'axis 0';
    const sizes = tf.backend_util.prepareSplitSize(x, attrs.numOrSizeSplits, axis);
    return { backend: asWasm(args.backend), x, axis, sizes };
  },
  strategies: splitStrategies,
});
