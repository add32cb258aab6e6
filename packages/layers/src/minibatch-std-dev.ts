import { formatShape, GanError } from '@gan/core';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { assertPositiveNumber, type LayerArgs, type Shape, singleShape, singleTensor } from './layer-utils.js';

/** Options of {@link minibatchStdDev}. */
export interface MinibatchStdDevConfig extends LayerArgs {
  /** Added to the variance before the square root. Defaults to `1e-8` (ProGAN). */
  epsilon?: number;
}

/**
 * Minibatch standard deviation (Karras et al. 2018, ProGAN), placed near the end of a discriminator: computes,
 * for every feature (every position and channel), the standard deviation over the batch
 * `sqrt(mean((x − mean(x))²) + ε)`, averages them to one number, and appends it as one more channel (last axis)
 * to every example: `[n, h, w, c]` → `[n, h, w, c + 1]` (any rank ≥ 2: `[n, f]` → `[n, f + 1]`). It lets D see
 * the diversity of a batch, which discourages mode collapse. The whole batch is one group. No weights.
 */
export class MinibatchStdDev extends tfl.layers.Layer {
  /** @nocollapse */
  static className = 'MinibatchStdDev';
  readonly epsilon: number;

  constructor(config: MinibatchStdDevConfig = {}) {
    super(config);
    this.epsilon = config.epsilon ?? 1e-8;
    assertPositiveNumber(this.epsilon, 'MinibatchStdDev epsilon');
  }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    const shape = singleShape(inputShape);
    const last = shape[shape.length - 1];
    if (shape.length < 2 || last == null) {
      throw new GanError(
        'SHAPE_MISMATCH',
        `MinibatchStdDev expects inputs of shape [n, ..., channels] (rank ≥ 2), got ${formatShape(shape)}.`,
      );
    }
    return [...shape.slice(0, -1), last + 1];
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => {
      const x = singleTensor(inputs);
      this.computeOutputShape(x.shape);
      const centered = tf.sub(x, tf.mean(x, 0, true));
      const std = tf.sqrt(tf.add(tf.mean(tf.square(centered), 0), this.epsilon));
      const statistic = tf.mean(std);
      const mapShape = [...x.shape.slice(0, -1), 1];
      return tf.concat([x, tf.mul(tf.ones(mapShape), statistic)], -1);
    });
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { epsilon: this.epsilon, ...super.getConfig() };
  }
}

/**
 * Creates a {@link MinibatchStdDev} layer: `[n, h, w, c]` → `[n, h, w, c + 1]`.
 *
 * @example
 * const withStd = minibatchStdDev().apply(features); // before D's last convolution
 */
export function minibatchStdDev(config: MinibatchStdDevConfig = {}): MinibatchStdDev {
  return new MinibatchStdDev(config);
}
