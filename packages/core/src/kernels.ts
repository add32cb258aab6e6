// The names of the custom tfjs kernels that @gan/backend registers and other packages run by name
// (`tf.engine().runKernel(name, …)`), so that a package that runs one need not depend on @gan/backend.

/**
 * The fused Adam update: one Adam step of a variable and its two moments in one pass. `@gan/backend`'s
 * `registerTrainingKernels()` registers it for wasm, cpu and webgpu; `@gan/train`'s `adam()` runs it when the
 * current backend has it and tfjs's own op-by-op update otherwise. Inputs `variable`, `gradient`, `firstMoment`,
 * `secondMoment` (float32, one shape); attrs {@link AdamUpdateAttrs}; outputs `[variable, firstMoment,
 * secondMoment]` updated.
 */
export const adamUpdateKernelName = 'GanAdamUpdate';

/** Attributes of the {@link adamUpdateKernelName} kernel. */
export interface AdamUpdateAttrs {
  learningRate: number;
  beta1: number;
  beta2: number;
  epsilon: number;
  /** 1 − β₁ᵗ for this step's bias correction. */
  biasCorrection1: number;
  /** 1 − β₂ᵗ. */
  biasCorrection2: number;
}

/**
 * The five gradients of `FusedBatchNorm` (channels last, per-channel parameters) in one kernel: inputs `dy`, `x`,
 * `mean`, `variance`, optional `scale`; attr `varianceEpsilon`; outputs `[dx, dMean, dVariance, dScale,
 * dOffset]`. Registered for wasm by `@gan/backend`.
 */
export const batchNormGradKernelName = 'GanBatchNormGrad';

/**
 * The gradient of LeakyReLU in one pass: inputs `dy`, `x` (float32, one shape); attr `alpha`; output `dx`.
 * Registered for wasm by `@gan/backend`.
 */
export const leakyReluGradKernelName = 'GanLeakyReluGrad';

/**
 * Batch normalization in training, whole, in one kernel: normalizes `x` (float32, channels last) over every axis but
 * the last with the batch's own statistics and applies the per-channel `scale` (γ) and `offset` (β): inputs `x`,
 * `scale`, `offset` (`[channels]`); attr `varianceEpsilon`; outputs `[y, mean, variance]`, the biased (population)
 * variance as tfjs-layers' `BatchNormalization` computes it. Its gradient (registered with it) is the whole one, the
 * part through the batch statistics included: two passes over the activations where tfjs's `moments` and
 * `batchNorm` make about fifteen. Registered for wasm by `@gan/backend`; `@gan/layers`' `BatchNormalization` runs
 * it in training where the current backend has it.
 */
export const batchNormTrainingKernelName = 'GanBatchNormTraining';
