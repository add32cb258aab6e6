import { formatShape, GanError } from '@gan/core';
import * as tf from '@tensorflow/tfjs-core';
import { assertPositiveInteger, type Shape, singleShape, singleTensor } from './layer-utils.js';
import { SpectralLayer, type SpectralLayerConfig } from './spectral-layer.js';

/** Options of {@link spectralConv2d}. */
export interface SpectralConv2dConfig extends SpectralLayerConfig {
  /** Output channels. Required. */
  filters: number;
  /** Side of the square kernel. Defaults to `3`. */
  kernelSize?: number;
  /** Stride on both axes. Defaults to `1`. */
  strides?: number;
  /** tfjs padding: `'same'` or `'valid'`, as in `tf.layers.conv2d`. Defaults to `'same'`. */
  padding?: 'same' | 'valid';
}

function outputSize(
  size: number | null,
  kernelSize: number,
  strides: number,
  padding: 'same' | 'valid',
): number | null {
  if (size == null) return null;
  return padding === 'same' ? Math.ceil(size / strides) : Math.ceil((size - kernelSize + 1) / strides);
}

/**
 * A 2-D convolution (channels last) whose kernel `[k, k, in, filters]` is divided by σ(W), the largest singular
 * value of the kernel reshaped to `[k·k·in, filters]` (as PyTorch's `spectral_norm` on `Conv2d`), estimated by
 * power iteration with the persistent vector `u` `[filters]` (see {@link SpectralDense}). No activation.
 */
export class SpectralConv2D extends SpectralLayer {
  /** @nocollapse */
  static className = 'SpectralConv2D';
  readonly filters: number;
  readonly kernelSize: number;
  readonly strides: number;
  readonly padding: 'same' | 'valid';

  constructor(config: SpectralConv2dConfig) {
    super(config);
    assertPositiveInteger(config.filters, 'SpectralConv2D filters');
    this.filters = config.filters;
    this.kernelSize = config.kernelSize ?? 3;
    assertPositiveInteger(this.kernelSize, 'SpectralConv2D kernelSize');
    this.strides = config.strides ?? 1;
    assertPositiveInteger(this.strides, 'SpectralConv2D strides');
    this.padding = config.padding ?? 'same';
    if (this.padding !== 'same' && this.padding !== 'valid') {
      throw new GanError(
        'INVALID_ARGUMENT',
        `Expected SpectralConv2D padding 'same' or 'valid', got '${String(this.padding)}'.`,
      );
    }
  }

  private assertImages(shape: Shape): void {
    if (shape.length !== 4 || shape[3] == null) {
      throw new GanError(
        'SHAPE_MISMATCH',
        `SpectralConv2D expects images of shape [n, height, width, channels], got ${formatShape(shape)}.`,
      );
    }
  }

  override build(inputShape: Shape | Shape[]): void {
    const shape = singleShape(inputShape);
    this.assertImages(shape);
    this.addSpectralWeights([this.kernelSize, this.kernelSize, shape[3] as number, this.filters]);
    this.built = true;
  }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    const shape = singleShape(inputShape);
    this.assertImages(shape);
    return [
      shape[0],
      outputSize(shape[1], this.kernelSize, this.strides, this.padding),
      outputSize(shape[2], this.kernelSize, this.strides, this.padding),
      this.filters,
    ];
  }

  override call(inputs: tf.Tensor | tf.Tensor[], kwargs: Record<string, unknown>): tf.Tensor {
    return tf.tidy(() => {
      const kernel = this.normalizedKernel(kwargs?.training === true) as tf.Tensor4D;
      const images = singleTensor(inputs) as tf.Tensor4D;
      return this.addBias(tf.conv2d(images, kernel, this.strides, this.padding));
    });
  }

  override getConfig(): tf.serialization.ConfigDict {
    return {
      filters: this.filters,
      kernelSize: this.kernelSize,
      strides: this.strides,
      padding: this.padding,
      ...super.getConfig(),
    };
  }
}

/**
 * Creates a {@link SpectralConv2D} layer.
 *
 * @example
 * const features = spectralConv2d({ filters: 64, kernelSize: 4, strides: 2, seed: 1 }).apply(images);
 */
export function spectralConv2d(config: SpectralConv2dConfig): SpectralConv2D {
  return new SpectralConv2D(config);
}
