import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { biasAndActivation, gradientDepth, singleTensor, type WeightedLayerInternals } from './layer-utils.js';

/** The options of tfjs-layers' `dense`, which {@link Dense} takes as they are. */
export type DenseConfig = Parameters<typeof tfl.layers.dense>[0];

type StockDense = ReturnType<typeof tfl.layers.dense>;

// tfjs-layers exports the class only through its factory (named, so that it takes no number from unnamed layers).
const StockClass = tfl.layers.dense({ units: 1, name: 'gan_layers_stock_dense' }).constructor as new (
  config: DenseConfig,
) => StockDense;

/**
 * tfjs-layers' `Dense`, the same layer (class name, config, weights, outputs), with one change: while a gradient is
 * recorded, a 2-D input runs through `tf.matMul`, `tf.add` of the bias and the activation as separate ops instead of
 * the fused op. The fused op's gradient computes the gradients of the input, the kernel and the bias on every call,
 * where its tape asks only for some: in a generator step it computes the discriminator's kernel gradient, which
 * nothing uses (for the MNIST DCGAN's 6272 × 1024 layer, one product of 0.8 GFLOP a step at batch 64). The separate
 * ops' gradients compute only what the tape asks for. Elsewhere (inference, inputs of higher rank) it runs the
 * stock code.
 *
 * `registerLayers()` registers it under the class name `Dense`, so saved dense layers load as it, and models saved
 * with it load anywhere as the stock layer.
 */
export class Dense extends StockClass {
  /** @nocollapse */
  static className = 'Dense';

  override call(inputs: tf.Tensor | tf.Tensor[], kwargs: Record<string, unknown>): tf.Tensor | tf.Tensor[] {
    const self = this as unknown as WeightedLayerInternals;
    const x = singleTensor(inputs);
    if (gradientDepth() === 0 || x.rank !== 2) return super.call(inputs, kwargs);
    return tf.tidy(() => biasAndActivation(tf.matMul(x as tf.Tensor2D, self.kernel.read() as tf.Tensor2D), self));
  }
}

/** A {@link Dense} layer: `tf.layers.dense` that trains without the gradients its tape does not ask for. */
export function dense(config: DenseConfig): Dense {
  return new Dense(config);
}
