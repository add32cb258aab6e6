import { leakyReluGradKernelName } from '@gan/core';
import * as tf from '@tensorflow/tfjs-core';
import { asWasm } from '../wasm/internals.js';
import { type ElementwiseCall, elementwise, readUnary, simdStrategy } from './elementwise.js';
import { type Strategy, strategyKernel } from './training-kernel.js';

// LeakyRelu (wasm: the stock kernel is a scalar loop) and a new one-pass gradient kernel, GanLeakyReluGrad (tfjs's
// gradient is Greater, Multiply and Select, three passes over the activations), with the gradient configs that use
// it and a gradient of it for gradients of gradients (penalties).

// The gradient kernel's name is @gan/core's `leakyReluGradKernelName`: `dy` where `x > 0`, else `alpha · dy`
// (tfjs's formula, one pass).

/** `x < 0 ? α·x : x` from `from` on, with float32 α as the SIMD loop. */
function leakyReluRest(alpha: number) {
  const a = Math.fround(alpha);
  return (from: number, [xs, ys]: Float32Array[]) => {
    for (let i = from; i < xs!.length; i++) ys![i] = xs![i]! < 0 ? Math.fround(a * xs![i]!) : xs![i]!;
  };
}

/** `x > 0 ? dy : α·dy` from `from` on, with float32 α as the SIMD loop. */
function leakyReluGradRest(alpha: number) {
  const a = Math.fround(alpha);
  return (from: number, [dys, xs, out]: Float32Array[]) => {
    for (let i = from; i < xs!.length; i++) out![i] = xs![i]! > 0 ? dys![i]! : Math.fround(a * dys![i]!);
  };
}

const leakyReluStrategies: readonly Strategy<ElementwiseCall>[] = [
  simdStrategy(
    (simd, [from, to], count, c) => simd.leakyRelu(from!, to!, count, c.alpha),
    (c) => leakyReluRest(c.alpha),
  ),
];

/** wasm `LeakyRelu` by {@link leakyReluStrategies}; other dtypes, or no WebAssembly SIMD: stock. */
export const wasmLeakyRelu = strategyKernel<ElementwiseCall>({
  kernelName: tf.LeakyRelu,
  backendName: 'wasm',
  read: (args) => readUnary(args, (args.attrs as unknown as { alpha: number }).alpha),
  strategies: leakyReluStrategies,
});

const leakyReluGradStrategies: readonly Strategy<ElementwiseCall>[] = [
  simdStrategy(
    (simd, [dyAt, xAt, outAt], count, c) => simd.leakyReluGrad(dyAt!, xAt!, outAt!, count, c.alpha),
    (c) => leakyReluGradRest(c.alpha),
  ),
  {
    name: 'a JavaScript loop',
    applies: () => true,
    run: (c) => elementwise(c, null, () => {}, leakyReluGradRest(c.alpha)),
  },
];

/** {@link leakyReluGradKernelName} on wasm by {@link leakyReluGradStrategies}. */
export const wasmLeakyReluGrad = strategyKernel<ElementwiseCall>({
  kernelName: leakyReluGradKernelName,
  backendName: 'wasm',
  read: (args) => {
    const { dy, x } = args.inputs as { dy: tf.TensorInfo; x: tf.TensorInfo };
    if (!tf.util.arraysEqual(dy.shape, x.shape)) {
      throw new Error(`${leakyReluGradKernelName} expects dy and x of one shape, got [${dy.shape}] and [${x.shape}].`);
    }
    if (dy.dtype !== 'float32' || x.dtype !== 'float32') {
      throw new Error(`${leakyReluGradKernelName} expects float32 dy and x, got ${dy.dtype} and ${x.dtype}.`);
    }
    return {
      backend: asWasm(args.backend),
      inputs: [dy, x],
      alpha: (args.attrs as unknown as { alpha: number }).alpha,
    };
  },
  strategies: leakyReluGradStrategies,
});

/**
 * LeakyReLU's gradient through {@link leakyReluGradKernelName} (one pass) where the current backend has that kernel,
 * and tfjs's own `where(x > 0, dy, α·dy)` (three kernels) elsewhere: the same values either way.
 */
export const leakyReluGradient: tf.GradConfig = {
  kernelName: tf.LeakyRelu,
  inputsToSave: ['x'],
  gradFunc: (dy, saved, attrs) => {
    const [x] = saved as [tf.Tensor];
    const { alpha } = attrs as unknown as { alpha: number };
    const gradient = dy as tf.Tensor;
    return {
      x: () =>
        tf.getKernel(leakyReluGradKernelName, tf.getBackend()) !== undefined &&
        gradient.dtype === 'float32' &&
        x.dtype === 'float32'
          ? (tf.engine().runKernel(leakyReluGradKernelName, { dy: gradient, x }, { alpha }) as tf.Tensor)
          : tf.where(tf.greater(x, 0), gradient, tf.mul(gradient, alpha)),
    };
  },
};

/**
 * The gradient of {@link leakyReluGradKernelName} itself, for gradients of gradients (gradient penalties): linear in
 * `dy` with the same mask, piecewise constant in `x`.
 */
export const leakyReluGradGradient: tf.GradConfig = {
  kernelName: leakyReluGradKernelName,
  inputsToSave: ['x'],
  gradFunc: (ddx, saved, attrs) => {
    const [x] = saved as [tf.Tensor];
    return {
      dy: () => tf.engine().runKernel(leakyReluGradKernelName, { dy: ddx as tf.Tensor, x }, attrs) as tf.Tensor,
      x: () => tf.zerosLike(x),
    };
  },
};
