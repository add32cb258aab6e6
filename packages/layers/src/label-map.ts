import { formatShape, GanError, positiveInteger } from '@gan/core';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';

type LayerArgs = NonNullable<ConstructorParameters<typeof tfl.layers.Layer>[0]>;
type Shape = tfl.Shape;

/** Options of {@link labelMap}. */
export interface LabelMapConfig extends LayerArgs {
  /** Height of the label map, usually the image height. Required. */
  height: number;
  /** Width of the label map, usually the image width. Required. */
  width: number;
}

/**
 * Tiles one-hot labels `[n, k]` to label maps `[n, height, width, k]` (channels last), so that they can be
 * concatenated with images `[n, height, width, c]` on the channel axis, as the conditional DCGAN
 * discriminator does. Has no weights.
 */
export class LabelMap extends tfl.layers.Layer {
  /** @nocollapse */
  static className = 'LabelMap';
  readonly height: number;
  readonly width: number;

  constructor(config: LabelMapConfig) {
    super(config);
    this.height = positiveInteger(config?.height, 'LabelMap height');
    this.width = positiveInteger(config.width, 'LabelMap width');
  }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    const shape = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as Shape;
    if (shape.length !== 2) {
      throw new GanError(
        'SHAPE_MISMATCH',
        `LabelMap expects one-hot labels of shape [n, numClasses], got ${formatShape(shape)}. ` +
          'Feed labels as one-hot float tensors (use the oneHot layer to convert class indices).',
      );
    }
    return [shape[0], this.height, this.width, shape[1]];
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => {
      const labels = Array.isArray(inputs) ? inputs[0] : inputs;
      this.computeOutputShape(labels.shape);
      const classes = labels.shape[1] as number;
      return tf.tile(tf.reshape(labels, [-1, 1, 1, classes]), [1, this.height, this.width, 1]);
    });
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { height: this.height, width: this.width, ...super.getConfig() };
  }
}

/**
 * Creates a {@link LabelMap} layer: one-hot `[n, k]` → `[n, height, width, k]`.
 *
 * @example
 * const maps = labelMap({ height: 28, width: 28 }).apply(labels); // [n, 28, 28, 10]
 * const joined = tf.layers.concatenate().apply([image, maps]);   // [n, 28, 28, 11]
 */
export function labelMap(config: LabelMapConfig): LabelMap {
  return new LabelMap(config);
}
