import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { biasAndActivation, gradientDepth, singleTensor, type WeightedLayerInternals } from './layer-utils.js';

/** The options of tfjs-layers' `conv2d`, which {@link Conv2D} takes as they are. */
export type Conv2DConfig = Parameters<typeof tfl.layers.conv2d>[0];

type StockConv2D = ReturnType<typeof tfl.layers.conv2d>;

// tfjs-layers exports the class only through its factory (named, so that it takes no number from unnamed layers).
const StockClass = tfl.layers.conv2d({ filters: 1, kernelSize: 1, name: 'gan_layers_stock_conv2d' })
  .constructor as new (
  config: Conv2DConfig,
) => StockConv2D;

/** The stock layer's state that the training path reads. */
interface Internals extends WeightedLayerInternals {
  strides: number[];
  padding: string;
  dataFormat: string;
  dilationRate: number[];
}

/**
 * tfjs-layers' `Conv2D`, the same layer (class name, config, weights, outputs), with one change: while a gradient
 * is recorded, it runs `tf.conv2d`, `tf.add` of the bias and the activation as separate ops instead of the fused op.
 * The fused op's gradient computes the input, filter and bias gradients on every call, even where nothing needs them:
 * for a discriminator's first layer, the gradient of the images in every D step; in a G step, the discriminator's
 * filter gradients. The separate ops' gradients compute only what the tape asks for. Elsewhere (inference,
 * channels-first data, causal padding) it runs the stock code.
 *
 * `registerLayers()` registers it under the class name `Conv2D`, so saved convolutions load as it, and models saved
 * with it load anywhere as the stock layer.
 */
export class Conv2D extends StockClass {
  /** @nocollapse */
  static className = 'Conv2D';

  override call(inputs: tf.Tensor | tf.Tensor[], kwargs: Record<string, unknown>): tf.Tensor | tf.Tensor[] {
    const self = this as unknown as Internals;
    if (
      gradientDepth() === 0 ||
      self.dataFormat !== 'channelsLast' ||
      (self.padding !== 'same' && self.padding !== 'valid')
    ) {
      return super.call(inputs, kwargs);
    }
    const x = singleTensor(inputs);
    return tf.tidy(() =>
      biasAndActivation(
        tf.conv2d(
          x as tf.Tensor4D,
          self.kernel.read() as tf.Tensor4D,
          self.strides as [number, number],
          self.padding as 'same' | 'valid',
          'NHWC',
          self.dilationRate as [number, number],
        ),
        self,
      ),
    );
  }
}

/** A {@link Conv2D} layer: `tf.layers.conv2d` that trains without the gradients its tape does not ask for. */
export function conv2d(config: Conv2DConfig): Conv2D {
  return new Conv2D(config);
}
