import { formatShape, GanError } from '@gan/core';
import * as tf from '@tensorflow/tfjs-core';
import { assertPositiveInteger, type Shape, singleShape, singleTensor } from './layer-utils.js';
import { SpectralLayer, type SpectralLayerConfig } from './spectral-layer.js';

/** Options of {@link spectralDense}. */
export interface SpectralDenseConfig extends SpectralLayerConfig {
  /** Output features. Required. */
  units: number;
}

/**
 * A dense layer `x · (W / σ(W)) + b` with spectral normalization (Miyato et al. 2018): σ(W), the largest singular
 * value of the kernel, is estimated by power iteration with a persistent non-trainable vector `u` (weight `u`,
 * `[units]`) that advances only in training mode (`model.apply(x, { training: true })`). No activation: follow it
 * with an activation layer. Weights: `kernel` `[in, units]`, `bias` `[units]` (if `useBias`), `u`.
 */
export class SpectralDense extends SpectralLayer {
  /** @nocollapse */
  static className = 'SpectralDense';
  readonly units: number;

  constructor(config: SpectralDenseConfig) {
    super(config);
    assertPositiveInteger(config.units, 'SpectralDense units');
    this.units = config.units;
  }

  override build(inputShape: Shape | Shape[]): void {
    const shape = singleShape(inputShape);
    const features = shape[shape.length - 1];
    if (shape.length !== 2 || features == null) {
      throw new GanError(
        'SHAPE_MISMATCH',
        `SpectralDense expects inputs of shape [n, features], got ${formatShape(shape)}. Flatten the input first.`,
      );
    }
    this.addSpectralWeights([features, this.units]);
    this.built = true;
  }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    const shape = singleShape(inputShape);
    return [shape[0], this.units];
  }

  override call(inputs: tf.Tensor | tf.Tensor[], kwargs: Record<string, unknown>): tf.Tensor {
    return tf.tidy(() => {
      const kernel = this.normalizedKernel(kwargs?.training === true);
      return this.addBias(tf.matMul(singleTensor(inputs) as tf.Tensor2D, kernel as tf.Tensor2D));
    });
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { units: this.units, ...super.getConfig() };
  }
}

/**
 * Creates a {@link SpectralDense} layer.
 *
 * @example
 * const logits = spectralDense({ units: 1, seed: 3 }).apply(features); // [n, 1]
 */
export function spectralDense(config: SpectralDenseConfig): SpectralDense {
  return new SpectralDense(config);
}
