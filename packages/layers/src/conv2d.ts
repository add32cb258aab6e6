import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { singleTensor } from './layer-utils.js';

/** The options of tfjs-layers' `conv2d`, which {@link Conv2D} takes as they are. */
export type Conv2DConfig = Parameters<typeof tfl.layers.conv2d>[0];

type StockConv2D = ReturnType<typeof tfl.layers.conv2d>;

// tfjs-layers exports the class only through its factory.
const StockClass = tfl.layers.conv2d({ filters: 1, kernelSize: 1 }).constructor as new (
  config: Conv2DConfig,
) => StockConv2D;

/** The stock layer's state that the training path reads. */
interface Internals {
  kernel: tfl.LayerVariable;
  bias: tfl.LayerVariable | null;
  strides: number[];
  padding: string;
  dataFormat: string;
  dilationRate: number[];
  activation: { getClassName(): string };
}

/**
 * tfjs-layers' `Conv2D`, the same layer (class name, config, weights, outputs), with one change: while a gradient
 * is recorded, a convolution without bias and activation (the PyTorch DCGAN's `Conv2d(…, bias=False)`) runs as
 * `tf.conv2d` instead of the fused op. The fused op's gradient computes the input gradient even where nothing needs
 * it — for a discriminator's first layer, the gradient of the images in every D step — while `Conv2D`'s gradient
 * computes only what the tape asks for. Elsewhere it runs the stock code.
 *
 * `registerLayers()` registers it under the class name `Conv2D`, so saved convolutions load as it, and models saved
 * with it load anywhere as the stock layer.
 */
export class Conv2D extends StockClass {
  /** @nocollapse */
  static className = 'Conv2D';

  override call(inputs: tf.Tensor | tf.Tensor[], kwargs: Record<string, unknown>): tf.Tensor | tf.Tensor[] {
    const self = this as unknown as Internals;
    const engine = tf.engine() as unknown as { state: { gradientDepth: number } };
    if (
      engine.state.gradientDepth === 0 ||
      self.bias != null ||
      self.activation.getClassName() !== 'linear' ||
      self.dataFormat !== 'channelsLast' ||
      (self.padding !== 'same' && self.padding !== 'valid')
    ) {
      return super.call(inputs, kwargs);
    }
    const x = singleTensor(inputs);
    return tf.tidy(() =>
      tf.conv2d(
        x as tf.Tensor4D,
        self.kernel.read() as tf.Tensor4D,
        self.strides as [number, number],
        self.padding as 'same' | 'valid',
        'NHWC',
        self.dilationRate as [number, number],
      ),
    );
  }
}

/** A {@link Conv2D} layer: `tf.layers.conv2d` whose bias-free, linear convolutions train without unneeded gradients. */
export function conv2d(config: Conv2DConfig): Conv2D {
  return new Conv2D(config);
}
