import * as tf from '@tensorflow/tfjs-core';
import { asWasm } from '../wasm/internals.js';
import { type KernelArgs, type Strategy, strategyKernel } from './training-kernel.js';

// Kernels that need not copy: tensors are immutable, so an output equal to its input can share the input's data, as
// the cpu backend and wasm's own Reshape do. The stock wasm kernels copy it (a TypedArray `set`, value by value over
// the shared heap of threaded wasm).

/** A call whose output is its input `x` with `dtype`. */
interface ShareCall {
  args: KernelArgs;
  x: tf.TensorInfo;
  dtype: tf.DataType;
}

function share({ args, x, dtype }: ShareCall): tf.TensorInfo {
  asWasm(args.backend).incRef(x.dataId);
  return { dataId: x.dataId, shape: [...x.shape], dtype };
}

const identityStrategies: readonly Strategy<ShareCall>[] = [
  { name: "the input's data, shared", applies: ({ x }) => x.dtype !== 'string', run: share },
];

const castStrategies: readonly Strategy<ShareCall>[] = [
  {
    name: "the input's data, shared, where the dtype stays",
    applies: ({ x, dtype }) => x.dtype === dtype && dtype !== 'string' && dtype !== 'complex64',
    run: share,
  },
];

/**
 * wasm `Identity`: the engine calls it (through `clone`) for every tensor it saves for the backward pass, including
 * whole weight matrices. Strings: stock.
 */
export const wasmIdentity = strategyKernel<ShareCall>({
  kernelName: tf.Identity,
  backendName: 'wasm',
  read: (args) => {
    const { x } = args.inputs as { x: tf.TensorInfo };
    return { args, x, dtype: x.dtype };
  },
  strategies: identityStrategies,
});

/**
 * wasm `Cast` to the dtype the tensor already has (tfjs's ReLU gradient casts its float32 `Step` to float32); any
 * real conversion: stock.
 */
export const wasmCast = strategyKernel<ShareCall>({
  kernelName: tf.Cast,
  backendName: 'wasm',
  read: (args) => ({
    args,
    x: (args.inputs as { x: tf.TensorInfo }).x,
    dtype: (args.attrs as unknown as { dtype: tf.DataType }).dtype,
  }),
  strategies: castStrategies,
});
