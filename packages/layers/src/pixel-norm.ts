import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { assertPositiveNumber, type LayerArgs, type Shape, singleShape, singleTensor } from './layer-utils.js';

/** Options of {@link pixelNorm}. */
export interface PixelNormConfig extends LayerArgs {
  /** Added to the mean square before the square root. Defaults to `1e-8` (ProGAN). */
  epsilon?: number;
}

/**
 * Pixelwise feature normalization (Karras et al. 2018, ProGAN), used in the generator after each convolution
 * instead of batch norm: each feature vector (the last axis, at every pixel) is divided by its root mean square,
 * `x / sqrt(mean(x², axis = −1) + ε)`. Shape unchanged; no weights.
 */
export class PixelNorm extends tfl.layers.Layer {
  /** @nocollapse */
  static className = 'PixelNorm';
  readonly epsilon: number;

  constructor(config: PixelNormConfig = {}) {
    super(config);
    this.epsilon = config.epsilon ?? 1e-8;
    assertPositiveNumber(this.epsilon, 'PixelNorm epsilon');
  }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    return singleShape(inputShape);
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => {
      const x = singleTensor(inputs);
      return tf.mul(x, tf.rsqrt(tf.add(tf.mean(tf.square(x), -1, true), this.epsilon)));
    });
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { epsilon: this.epsilon, ...super.getConfig() };
  }
}

/**
 * Creates a {@link PixelNorm} layer.
 *
 * @example
 * const normed = pixelNorm().apply(features); // same shape
 */
export function pixelNorm(config: PixelNormConfig = {}): PixelNorm {
  return new PixelNorm(config);
}
