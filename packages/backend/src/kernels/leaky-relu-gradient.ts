import * as tf from '@tensorflow/tfjs-core';
import { leakyReluGradKernelName } from './wasm-kernels.js';

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
