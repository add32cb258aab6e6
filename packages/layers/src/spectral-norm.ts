import * as tf from '@tensorflow/tfjs-core';
import { stopGradient } from './layer-utils.js';

/** Options of {@link spectralNormalize}. */
export interface SpectralNormalizeOptions {
  /** Power iterations to run before estimating σ; 0 estimates σ from `u` as it is (inference). */
  powerIterations: number;
  /** Lower bound of norms, so that a zero kernel does not divide by zero. */
  epsilon: number;
}

/** What {@link spectralNormalize} returns. */
export interface SpectralNormalized {
  /** `kernel / σ`, shaped as `kernel`. Gradients flow to `kernel`, through σ too. */
  kernel: tf.Tensor;
  /** The estimate of σ(W), a scalar. */
  sigma: tf.Scalar;
  /** The advanced power-iteration vector `[units]` (no gradient), to store for the next call. */
  u: tf.Tensor1D;
}

function normalize(x: tf.Tensor, epsilon: number): tf.Tensor {
  return tf.div(x, tf.maximum(tf.norm(x), epsilon));
}

/**
 * Spectral normalization (Miyato et al. 2018) of a kernel whose last axis is the output axis (Dense `[in, out]`,
 * Conv2D `[kh, kw, in, out]`). The kernel is seen as the matrix K `[fanIn, out]` (PyTorch's `weight_mat` is its
 * transpose; row order does not change singular values) and `u` `[out]` is the power-iteration vector that
 * PyTorch's `spectral_norm` keeps as `weight_u`.
 *
 * Each power iteration does `u ← normalize(Kᵀ normalize(K u))`, without gradient. Then σ = ‖K u‖ with u
 * held constant, so the gradient flows through σ as dσ/dK = v uᵀ (v = normalize(K u)), as in PyTorch. σ ≤ σ_max(K)
 * always and converges to it as u converges to the top right singular vector. Inference (0 iterations) and
 * training use the same formula, so with a converged `u` both give the same output.
 */
export function spectralNormalize(
  kernel: tf.Tensor,
  u: tf.Tensor1D,
  options: SpectralNormalizeOptions,
): SpectralNormalized {
  const units = kernel.shape[kernel.shape.length - 1];
  const matrix = tf.reshape(kernel, [-1, units]);
  let vector = stopGradient(u) as tf.Tensor1D;
  if (options.powerIterations > 0) {
    const constant = stopGradient(matrix);
    for (let i = 0; i < options.powerIterations; i++) {
      const v = normalize(tf.matMul(constant, tf.reshape(vector, [units, 1])), options.epsilon);
      vector = tf.reshape(normalize(tf.matMul(constant, v, true, false), options.epsilon), [units]);
    }
  }
  const sigma = tf.maximum(tf.norm(tf.matMul(matrix, tf.reshape(vector, [units, 1]))), options.epsilon) as tf.Scalar;
  return { kernel: tf.div(kernel, sigma), sigma, u: vector };
}
