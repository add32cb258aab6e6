import { formatShape, GanError, positiveInteger } from '@gan/core';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';

type LayerArgs = NonNullable<ConstructorParameters<typeof tfl.layers.Layer>[0]>;
type Shape = tfl.Shape;

/** Options of {@link oneHot}. */
export interface OneHotConfig extends LayerArgs {
  /** Number of classes, the length of each one-hot row. Required. */
  numClasses: number;
}

/**
 * Turns class indices `[n]` or `[n, 1]` (float, as models take them) into one-hot float rows
 * `[n, numClasses]`. Indices are rounded to the nearest integer; an index outside `[0, numClasses)` gives a
 * row of zeros. Has no weights and passes no gradient (class indices are not differentiable).
 */
export class OneHot extends tfl.layers.Layer {
  /** @nocollapse */
  static className = 'OneHot';
  readonly numClasses: number;

  constructor(config: OneHotConfig) {
    super(config);
    this.numClasses = positiveInteger(config?.numClasses, 'OneHot numClasses');
  }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    const shape = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as Shape;
    if (shape.length !== 1 && !(shape.length === 2 && shape[1] === 1)) {
      throw new GanError(
        'SHAPE_MISMATCH',
        `OneHot expects class indices of shape [n] or [n, 1], got ${formatShape(shape)}.`,
      );
    }
    return [shape[0], this.numClasses];
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => {
      const indices = Array.isArray(inputs) ? inputs[0] : inputs;
      this.computeOutputShape(indices.shape);
      const flat = tf.cast(tf.round(tf.reshape(indices, [-1])), 'int32') as tf.Tensor1D;
      return tf.oneHot(flat, this.numClasses, 1, 0, 'float32');
    });
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { numClasses: this.numClasses, ...super.getConfig() };
  }
}

/**
 * Creates a {@link OneHot} layer: class indices `[n]` / `[n, 1]` → one-hot `[n, numClasses]`.
 *
 * @example
 * const indices = tf.input({ shape: [1] });
 * const labels = oneHot({ numClasses: 10 }).apply(indices); // [n, 10]
 */
export function oneHot(config: OneHotConfig): OneHot {
  return new OneHot(config);
}
