import * as tf from '@tensorflow/tfjs-core';
import type { KernelHost, KernelOverrides } from './kernel-host.js';
import { type KernelArgs, stockOrThrow, type TrainingKernel } from './kernel-types.js';
import { type MatMulAttrs, matMulWithoutTransposes } from './mat-mul.js';
import { leadingAxesCount, reduceLeadingAxes } from './reduce.js';
import { tileInto } from './tile.js';

/**
 * wasm `BatchMatMul` with a transposed operand (dense-layer gradients): the transposes are
 * materialized so the product takes XNNPACK's path (see `matMulWithoutTransposes`).
 */
export function batchMatMul(
  makeHost: (backend: tf.KernelBackend, overrides: KernelOverrides) => KernelHost,
): TrainingKernel {
  return {
    kernelName: tf.BatchMatMul,
    create(stock) {
      const original = stockOrThrow(stock, tf.BatchMatMul, 'wasm', 'no stock kernel');
      const overrides = { [tf.BatchMatMul]: original };
      const kernelFunc = (args: KernelArgs): tf.TensorInfo => {
        const { a, b } = args.inputs as { a: tf.TensorInfo; b: tf.TensorInfo };
        const attrs = args.attrs as unknown as MatMulAttrs;
        if ((attrs.transposeA || attrs.transposeB) && a.dtype === 'float32' && b.dtype === 'float32') {
          const result = matMulWithoutTransposes(makeHost(args.backend as tf.KernelBackend, overrides), a, b, attrs);
          if (result !== null) return result;
        }
        return original(args) as tf.TensorInfo;
      };
      return kernelFunc;
    },
  };
}

interface WasmBackendData extends tf.KernelBackend {
  incRef(dataId: tf.DataId): void;
  makeOutput(shape: number[], dtype: tf.DataType): tf.TensorInfo;
  typedArrayFromHeap(info: tf.TensorInfo): Float32Array | Int32Array | Uint8Array;
}

/**
 * wasm `Identity` copies its input; the engine calls it (through `clone`) for every tensor it saves
 * for the backward pass, including whole weight matrices. Tensors are immutable, so this shares the
 * data instead, as the cpu backend and wasm's own Reshape do.
 */
export function sharedIdentity(): TrainingKernel {
  return {
    kernelName: tf.Identity,
    create(stock) {
      const original = stockOrThrow(stock, tf.Identity, 'wasm', 'no stock kernel');
      return (args) => {
        const { x } = args.inputs as { x: tf.TensorInfo };
        if (x.dtype === 'string') return original(args);
        (args.backend as WasmBackendData).incRef(x.dataId);
        return { dataId: x.dataId, shape: [...x.shape], dtype: x.dtype };
      };
    },
  };
}

/** wasm `Tile` by block copies (batch-norm gradients tile per-channel vectors to whole activations). */
export function blockTile(): TrainingKernel {
  return {
    kernelName: tf.Tile,
    create(stock) {
      const original = stockOrThrow(stock, tf.Tile, 'wasm', 'no stock kernel');
      return (args) => {
        const { x } = args.inputs as { x: tf.TensorInfo };
        const { reps } = args.attrs as unknown as { reps: number[] };
        if (x.dtype === 'string' || x.dtype === 'complex64' || reps.length !== x.shape.length) return original(args);
        const backend = args.backend as WasmBackendData;
        const out = backend.makeOutput(
          x.shape.map((d, i) => d * reps[i]),
          x.dtype,
        );
        tileInto(backend.typedArrayFromHeap(x), x.shape, reps, backend.typedArrayFromHeap(out));
        return out;
      };
    },
  };
}

/**
 * wasm `Sum` / `Mean` over leading axes (batch-norm statistics and their gradients, bias gradients
 * of NHWC activations) by adding whole rows; the stock kernels transpose the input first.
 */
export function leadingAxesReduction(kernelName: typeof tf.Sum | typeof tf.Mean): TrainingKernel {
  return {
    kernelName,
    create(stock) {
      const original = stockOrThrow(stock, kernelName, 'wasm', 'no stock kernel');
      return (args) => {
        const { x } = args.inputs as { x: tf.TensorInfo };
        const { axis, keepDims } = args.attrs as unknown as { axis: number | number[]; keepDims: boolean };
        const rank = x.shape.length;
        const axes = tf.util.parseAxisParam(axis, x.shape);
        const leading = x.dtype === 'float32' ? leadingAxesCount(axes, rank) : -1;
        if (leading === -1) return original(args);
        const rows = tf.util.sizeFromShape(x.shape.slice(0, leading));
        const kept = x.shape.slice(leading);
        const backend = args.backend as WasmBackendData;
        const out = backend.makeOutput(
          keepDims ? [...x.shape.slice(0, leading).map(() => 1), ...kept] : kept,
          'float32',
        );
        const scale = kernelName === tf.Mean ? 1 / rows : 1;
        reduceLeadingAxes(
          backend.typedArrayFromHeap(x) as Float32Array,
          rows,
          tf.util.sizeFromShape(kept),
          scale,
          backend.typedArrayFromHeap(out) as Float32Array,
        );
        return out;
      };
    },
  };
}
