import * as tf from '@tensorflow/tfjs-core';
import { previousGradients } from './gradient-fallbacks.js';
import { batchNormGradFits, batchNormGradKernelName, leakyReluGradKernelName } from './wasm-kernels.js';
import { simdKernelsFor } from '../wasm/simd.js';

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

/**
 * `FusedBatchNorm`'s gradient through {@link batchNormGradKernelName} (two passes over the activations) where the
 * current backend has that kernel and the inputs fit it, outside any outer gradient tape (the kernel has no
 * gradient of its own); the gradient it replaced (tfjs's, ~15 passes) otherwise.
 */
export const batchNormGradient: tf.GradConfig = {
  kernelName: tf.FusedBatchNorm,
  inputsToSave: ['x', 'mean', 'variance', 'scale'],
  gradFunc: (dy, saved, attrs) => {
    const [x, mean, variance, scale] = saved as (tf.Tensor | undefined)[];
    const gradient = dy as tf.Tensor;
    const engine = tf.engine() as unknown as { state: { gradientDepth: number } };
    if (
      engine.state.gradientDepth === 0 &&
      tf.getKernel(batchNormGradKernelName, tf.getBackend()) !== undefined &&
      simdKernelsFor(tf.engine().backend) !== null && // the kernel needs WebAssembly SIMD
      batchNormGradFits(gradient, x, mean, variance, scale ?? undefined)
    ) {
      const inputs: tf.NamedTensorMap = { dy: gradient, x: x!, mean: mean!, variance: variance! };
      if (scale != null) inputs.scale = scale;
      const [dx, dMean, dVariance, dScale, dOffset] = tf.engine().runKernel(batchNormGradKernelName, inputs, {
        varianceEpsilon: (attrs as unknown as { varianceEpsilon: number }).varianceEpsilon,
      }) as tf.Tensor[];
      return {
        x: () => dx!,
        mean: () => dMean!,
        variance: () => dVariance!,
        scale: () => dScale!,
        offset: () => dOffset!,
      };
    }
    const previous = previousGradients.get(tf.FusedBatchNorm);
    if (previous?.gradFunc === undefined) {
      throw new Error(
        'FusedBatchNorm has no gradient to fall back to for these inputs: tfjs registers its gradients when ' +
          "@tensorflow/tfjs-layers (or '@tensorflow/tfjs-core/dist/register_all_gradients') is imported; import it " +
          'before calling registerTrainingKernels().',
      );
    }
    return previous.gradFunc(dy, saved, attrs);
  },
};
