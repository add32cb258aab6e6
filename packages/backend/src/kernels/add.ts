import * as tf from '@tensorflow/tfjs-core';
import { asWasm, type TfjsWasmBackend } from '../wasm/internals.js';
import { simdKernelsFor } from '../wasm/simd.js';
import { type KernelArgs, strategyKernel } from './training-kernel.js';

// Add on wasm where one operand is a bias along the last axis: `x [..., C] + b [C]`, as `@gan/layers`' Dense and
// Conv2D add their biases while a gradient is recorded (the fused ops add them in the product's epilogue). XNNPACK's
// broadcasting add went through those at ~0.3 ms for a 64 × 14 × 14 × 64 activation; the SIMD module's
// `addChannels` adds four channels at a time. Float32 addition is commutative, so `b + x` gives the bits of `x + b`:
// the stock kernel's bits, except where a sum is NaN (NaN here; XNNPACK's clamped adds promise nothing for NaN).

/** A bias added along the last axis: `x` and the `channels` values of `bias`. */
interface BiasAddCall {
  backend: TfjsWasmBackend;
  x: tf.TensorInfo;
  bias: tf.TensorInfo;
  channels: number;
}

/** Whether `shape` is `[..., channels]` with every dimension before the last 1 (or none). */
const isChannelVector = (shape: readonly number[], channels: number) =>
  shape.length >= 1 && shape[shape.length - 1] === channels && shape.slice(0, -1).every((d) => d === 1);

function readBiasAdd(args: KernelArgs): BiasAddCall | string {
  const { a, b } = args.inputs as { a: tf.TensorInfo; b: tf.TensorInfo };
  if (a.dtype !== 'float32' || b.dtype !== 'float32') return 'not float32';
  if (tf.util.sizeFromShape(a.shape) === 0 || tf.util.sizeFromShape(b.shape) === 0) return 'empty';
  const [x, bias] = tf.util.sizeFromShape(a.shape) >= tf.util.sizeFromShape(b.shape) ? [a, b] : [b, a];
  const channels = x.shape[x.shape.length - 1] ?? 0;
  if (x.shape.length < 2 || tf.util.sizeFromShape(bias.shape) === tf.util.sizeFromShape(x.shape)) {
    return 'not a bias broadcast over rows';
  }
  if (!isChannelVector(bias.shape, channels) || bias.shape.length > x.shape.length) {
    return 'not a bias along the last axis';
  }
  if (channels % 4 !== 0) return 'channels not a multiple of 4';
  return { backend: asWasm(args.backend), x, bias, channels };
}

/** wasm `Add` of a bias along the last axis by the SIMD module; other broadcasts and dtypes: stock. */
export const wasmAdd = strategyKernel<BiasAddCall>({
  kernelName: tf.Add,
  backendName: 'wasm',
  read: readBiasAdd,
  strategies: [
    {
      name: "the SIMD module's addChannels, four channels at a time",
      applies: (c) => simdKernelsFor(c.backend) !== null,
      run: ({ backend, x, bias, channels }) => {
        const out = backend.makeOutput([...x.shape], 'float32');
        const offset = (t: tf.TensorInfo) => backend.getMemoryOffset(t.dataId);
        simdKernelsFor(backend)!.addChannels(
          offset(x),
          offset(out),
          tf.util.sizeFromShape(x.shape),
          channels,
          offset(bias),
        );
        return out;
      },
    },
  ],
});
