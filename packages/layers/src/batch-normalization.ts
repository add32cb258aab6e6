import { batchNormTrainingKernelName } from '@gan/core';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { singleTensor } from './layer-utils.js';

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
 * tfjs-layers' `BatchNormalization`, the same layer (class name, config, weights, inference, moving averages), with
 * one change: in training, where the current backend has the `GanBatchNormTraining` kernel (`@gan/backend`'s
 * `registerTrainingKernels()` registers it for wasm), the normalization with the batch's statistics is that one kernel
 * and its gradient the whole batch-norm gradient in two passes, where the stock layer runs `moments` and `batchNorm`
 * (about twenty passes over the activations forward and backward). Elsewhere (other backends, an axis other than the
 * last, no γ or β, non-float32 input, or inside a gradient of a gradient) it runs the stock code.
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
    const engine = tf.engine() as unknown as { state: { gradientDepth: number } };
    if (
      !training ||
      axis !== x.rank - 1 ||
      x.rank < 2 ||
      x.dtype !== 'float32' ||
      self.gamma === null ||
      self.beta === null ||
      // Inside tf.grad within a recorded gradient (a penalty): the stock ops, differentiable twice as tfjs makes them.
      engine.state.gradientDepth > 1 ||
      tf.getKernel(batchNormTrainingKernelName, tf.getBackend()) === undefined
    ) {
      return super.call(inputs, kwargs);
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
      // The moving averages as the stock layer updates them: v ← v − (v − batch value)·(1 − momentum).
      for (const [variable, value] of [
        [movingMean, mean!],
        [movingVariance, variance!],
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

/** A {@link BatchNormalization} layer: `tf.layers.batchNormalization` with the one-kernel training path. */
export function batchNormalization(config: BatchNormalizationConfig = {}): BatchNormalization {
  return new BatchNormalization(config);
}
