import * as tf from '@tensorflow/tfjs-core';
import { asWasm, float32View, type TfjsWasmBackend } from '../wasm/internals.js';
import { simdKernelsFor } from '../wasm/simd.js';
import { leadingAxesCount, reduceLeadingAxes } from './algorithms/reduce.js';
import { type KernelArgs, type Strategy, strategyKernel } from './training-kernel.js';

// wasm Sum and Mean over leading axes (batch-norm statistics and their gradients, bias gradients of NHWC
// activations) by adding whole rows; the stock kernels first transpose the reduced axes to the end.

/** A float32 reduction over the leading axes, as a `[rows, columns]` matrix summed down its columns. */
interface ReduceCall {
  backend: TfjsWasmBackend;
  x: tf.TensorInfo;
  rows: number;
  columns: number;
  outShape: number[];
  /** 1 for Sum, 1 / rows for Mean. */
  scale: number;
}

const reduceStrategies: readonly Strategy<ReduceCall>[] = [
  {
    name: 'rows added into float64 sums by WebAssembly SIMD (rows of a multiple of 4)',
    applies: ({ backend, columns }) => columns % 4 === 0 && simdKernelsFor(backend) !== null,
    run: ({ backend, x, rows, columns, outShape, scale }) => {
      const simd = simdKernelsFor(backend)!;
      const out = backend.makeOutput(outShape, 'float32');
      const scratch = backend.makeOutput([2 * columns], 'float32'); // columns float64 sums
      const scratchView = float32View(backend, scratch);
      const sums = new Float64Array(scratchView.buffer, scratchView.byteOffset, columns);
      sums.fill(0);
      simd.sumRows(backend.getMemoryOffset(x.dataId), rows * columns, columns, scratchView.byteOffset);
      const target = float32View(backend, out);
      for (let c = 0; c < columns; c++) target[c] = sums[c]! * scale;
      backend.disposeData(scratch.dataId);
      return out;
    },
  },
  {
    name: 'rows added into float64 sums by JavaScript',
    applies: () => true,
    run: ({ backend, x, rows, columns, outShape, scale }) => {
      const out = backend.makeOutput(outShape, 'float32');
      reduceLeadingAxes(float32View(backend, x), rows, columns, scale, float32View(backend, out));
      return out;
    },
  },
];

function reduction(kernelName: typeof tf.Sum | typeof tf.Mean) {
  return strategyKernel<ReduceCall>({
    kernelName,
    backendName: 'wasm',
    read: (args: KernelArgs) => {
      const { x } = args.inputs as { x: tf.TensorInfo };
      const { axis, keepDims } = args.attrs as unknown as { axis: number | number[]; keepDims: boolean };
      const axes = tf.util.parseAxisParam(axis, x.shape);
      const leading = x.dtype === 'float32' ? leadingAxesCount(axes, x.shape.length) : -1;
      if (leading === -1) return 'not float32 over leading axes';
      const rows = tf.util.sizeFromShape(x.shape.slice(0, leading));
      const kept = x.shape.slice(leading);
      return {
        backend: asWasm(args.backend),
        x,
        rows,
        columns: tf.util.sizeFromShape(kept),
        outShape: keepDims ? [...x.shape.slice(0, leading).map(() => 1), ...kept] : kept,
        scale: kernelName === tf.Mean ? 1 / rows : 1,
      };
    },
    strategies: reduceStrategies,
  });
}

/** wasm `Sum` over leading axes; other axes, all of them, other dtypes: stock. */
export const wasmSum = reduction(tf.Sum);
/** wasm `Mean` over leading axes; other axes, all of them, other dtypes: stock. */
export const wasmMean = reduction(tf.Mean);
