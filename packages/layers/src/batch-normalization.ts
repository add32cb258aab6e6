import { batchNormTrainingKernelName } from '@gan/core';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { gradientDepth, singleTensor } from './layer-utils.js';

/** The options of tfjs-layers' `batchNormalization`, which {@link BatchNormalization} takes as they are. */
export type BatchNormalizationConfig = NonNullable<Parameters<typeof tfl.layers.batchNormalization>[0]>;

type StockBatchNormalization = ReturnType<typeof tfl.layers.batchNormalization>;

// tfjs-layers exports the class only through its factory.
const StockClass = tfl.layers.batchNormalization({}).constructor as new (
  config?: BatchNormalizationConfig,
) => StockBatchNormalization;

/** The stock layer's private state that the training path reads and updates. */
interface Internals {
  axis: number;
  momentum: number;
  epsilon: number;
  gamma: tfl.LayerVariable | null;
  beta: tfl.LayerVariable | null;
  movingMean: tfl.LayerVariable;
  movingVariance: tfl.LayerVariable;
}

/**
 * tfjs-layers' `BatchNormalization`, the same layer (class name, config, weights, inference), with two changes:
 *
 * - the moving variance averages each batch's unbiased variance (σ²·n / (n − 1) over the n values per channel), as
 *   PyTorch's `BatchNorm` and TensorFlow's fused batch norm keep it; tfjs's stock layer averages the biased σ², which
 *   at batch 128 in a dense layer makes the moving variance 0.8 % smaller than PyTorch's for the same training;
 * - in training, where the current backend has the `GanBatchNormTraining` kernel (`@gan/backend`'s
 *   `registerTrainingKernels()` registers it for wasm), the normalization with the batch's statistics is that one
 *   kernel and its gradient the whole batch-norm gradient in two passes, where the stock layer runs `moments` and
 *   `batchNorm` (about twenty passes over the activations forward and backward). Elsewhere (other backends, an axis
 *   other than the last, no γ or β, non-float32 input, or inside a gradient of a gradient) it runs the stock code,
 *   its moving variance then corrected to the unbiased one.
 *
 * `registerLayers()` (run when `@gan/layers` is imported) registers it under the class name `BatchNormalization`, so
 * `tf.loadLayersModel` builds it for saved batch-norm layers too, and models saved with it load anywhere as the stock
 * layer.
 */
export class BatchNormalization extends StockClass {
  /** @nocollapse */
  static className = 'BatchNormalization';

  override call(
    inputs: tf.Tensor | tf.Tensor[],
    kwargs: tfl.layers.Layer['call'] extends (a: never, b: infer K) => unknown ? K : never,
  ): tf.Tensor | tf.Tensor[] {
    const training = (kwargs as { training?: boolean })?.training ?? false;
    const x = singleTensor(inputs);
    const self = this as unknown as Internals;
    const axis = self.axis < 0 ? self.axis + x.rank : self.axis;
    if (
      !training ||
      axis !== x.rank - 1 ||
      x.rank < 2 ||
      x.dtype !== 'float32' ||
      self.gamma === null ||
      self.beta === null ||
      // Inside tf.grad within a recorded gradient (a penalty): the stock ops, differentiable twice as tfjs makes them.
      gradientDepth() > 1 ||
      tf.getKernel(batchNormTrainingKernelName, tf.getBackend()) === undefined
    ) {
      return training ? stockTraining(self, x, axis, () => super.call(inputs, kwargs)) : super.call(inputs, kwargs);
    }
    const { gamma, beta, movingMean, movingVariance, momentum, epsilon } = self;
    return tf.tidy(() => {
      const [y, mean, variance] = tf
        .engine()
        .runKernel(
          batchNormTrainingKernelName,
          { x, scale: gamma.read(), offset: beta.read() },
          { varianceEpsilon: epsilon },
        ) as tf.Tensor[];
      // The moving averages as the stock layer updates them, v ← v − (v − batch value)·(1 − momentum), with the
      // batch's unbiased variance, as PyTorch's BatchNorm (and TensorFlow's fused batch norm) keep it.
      const unbiased = tf.mul(variance!, besselFactor(x, axis));
      for (const [variable, value] of [
        [movingMean, mean!],
        [movingVariance, unbiased],
      ] as const) {
        tf.tidy(() => {
          const current = variable.read();
          variable.write(tf.sub(current, tf.mul(tf.sub(current, value), 1 - momentum)));
        });
      }
      return y!;
    });
  }
}

/** n / (n − 1) for the n values each channel's statistics are taken over (1 where n is 1). */
export function besselFactor(x: tf.Tensor, axis: number): number {
  const n = x.size / x.shape[axis]!;
  return n > 1 ? n / (n - 1) : 1;
}

/**
 * The stock layer's training call, its moving variance then moved to the unbiased batch variance: the stock layer
 * averages the biased one, v ← m·v + (1 − m)·σ²; this makes it m·v + (1 − m)·σ²·n / (n − 1).
 */
function stockTraining(self: Internals, x: tf.Tensor, axis: number, call: () => tf.Tensor | tf.Tensor[]) {
  const factor = besselFactor(x, axis);
  if (factor === 1) return call();
  const variable = self.movingVariance;
  const before = tf.clone(variable.read());
  try {
    const y = call();
    tf.tidy(() => {
      const keep = tf.mul(before, self.momentum);
      variable.write(tf.add(keep, tf.mul(tf.sub(variable.read(), keep), factor)));
    });
    return y;
  } finally {
    before.dispose();
  }
}

/** A {@link BatchNormalization} layer: `tf.layers.batchNormalization` with the one-kernel training path. */
export function batchNormalization(config: BatchNormalizationConfig = {}): BatchNormalization {
  return new BatchNormalization(config);
}
