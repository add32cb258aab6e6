import { formatShape, GanError, integerAtLeast } from '@gan/core';
import * as tf from '@tensorflow/tfjs-core';

export interface ImageGridConfig {
  /** Images per row. Defaults to `ceil(sqrt(n))`. */
  columns?: number;
  /** Value range of the input images, mapped to [0, 1] (values outside are clipped). Defaults to `[-1, 1]` (tanh generators). */
  range?: readonly [number, number];
  /** Pixels of `padValue` between the images and around the grid (as torchvision's `make_grid`). Defaults to `2`. */
  padding?: number;
  /** Value in [0, 1] of the padding and of empty cells in the last row. Defaults to `0` (black). */
  padValue?: number;
}

/**
 * Tiles images `[n, h, w, c]` row by row into one image `[rows·(h + p) + p, columns·(w + p) + p, c]` with
 * values in [0, 1], where `rows = ceil(n / columns)` and `p` is the padding; image `i` sits in row
 * `floor(i / columns)`, column `i mod columns`. The caller owns the result.
 */
export function imageGrid(images: tf.Tensor4D, config: ImageGridConfig = {}): tf.Tensor3D {
  if (images.rank !== 4) {
    throw new GanError('SHAPE_MISMATCH', `Expected images of shape [n, h, w, c], got ${formatShape(images.shape)}.`);
  }
  const [count, height, width, channels] = images.shape;
  const columns = config.columns ?? Math.max(1, Math.ceil(Math.sqrt(count)));
  const padding = config.padding ?? 2;
  const padValue = config.padValue ?? 0;
  const [low, high] = config.range ?? [-1, 1];
  integerAtLeast(columns, 1, 'columns');
  integerAtLeast(padding, 0, 'padding');
  if (!(high > low)) {
    throw new GanError('INVALID_ARGUMENT', `Expected range [low, high] with low < high, got [${low}, ${high}].`);
  }
  if (count === 0) {
    throw new GanError('INVALID_ARGUMENT', 'Expected at least one image, got 0.');
  }
  const rows = Math.ceil(count / columns);
  const cellHeight = height + padding;
  const cellWidth = width + padding;
  return tf.tidy(() => {
    const unit = tf.clipByValue(tf.div(tf.sub(tf.cast(images, 'float32'), low), high - low), 0, 1);
    // Each cell: padding above and to the left of the image.
    let cells = tf.pad(
      unit,
      [
        [0, 0],
        [padding, 0],
        [padding, 0],
        [0, 0],
      ],
      padValue,
    );
    const empty = rows * columns - count;
    if (empty > 0) cells = tf.concat([cells, tf.fill([empty, cellHeight, cellWidth, channels], padValue)], 0);
    const grid = tf.reshape(
      tf.transpose(tf.reshape(cells, [rows, columns, cellHeight, cellWidth, channels]), [0, 2, 1, 3, 4]),
      [rows * cellHeight, columns * cellWidth, channels],
    );
    // Close the grid with padding below and to the right.
    return tf.pad(
      grid,
      [
        [0, padding],
        [0, padding],
        [0, 0],
      ],
      padValue,
    ) as tf.Tensor3D;
  });
}
