import type { createRandom } from '@gan/core';
import type { ArrayDataset } from '@gan/data';
import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import type { ReferenceSelection } from './network.js';

// The images that gan eval and gan train --eval-every measure: real ones chosen from the data, generated ones
// from seeded noise.

/** The real images at `indices` of `data` as `[n, h, w, c]` in [0, 1]. */
function realImagesAt(data: ArrayDataset, indices: readonly number[]): tf.Tensor4D {
  const size = data.shape.reduce((a, b) => a * b, 1);
  const [low, high] = data.range as [number, number];
  const values = new Float32Array(indices.length * size);
  indices.forEach((index, row) => {
    const raw = data.x.subarray(index * size, (index + 1) * size);
    const to = row * size;
    if (raw instanceof Uint8Array) for (let i = 0; i < size; i++) values[to + i] = (raw[i] as number) / 255;
    else for (let i = 0; i < size; i++) values[to + i] = ((raw[i] as number) - low) / (high - low);
  });
  return tf.tensor4d(values, [indices.length, ...(data.shape as [number, number, number])]);
}

/** Index in a set of `size` examples of the `i`-th of `count` chosen by `selection`. */
function chosenIndex(selection: ReferenceSelection, i: number, size: number, count: number): number {
  return selection === 'first' ? i : Math.floor((i * size) / count);
}

/** `makeBatch` for `collect()`: the `count` real images of `data` that `selection` picks. */
export function referenceImages(
  data: ArrayDataset,
  selection: ReferenceSelection,
  count: number,
): (start: number, size: number) => tf.Tensor4D {
  return (start, size) =>
    realImagesAt(
      data,
      Array.from({ length: size }, (_, i) => chosenIndex(selection, start + i, data.size, count)),
    );
}

/** How the real images were chosen, for the protocol. */
export function describeReference(data: ArrayDataset, selection: ReferenceSelection, count: number): string {
  const which =
    count >= data.size
      ? 'all'
      : selection === 'first'
        ? `first ${count}`
        : `${count} evenly spaced over all ${data.size}`;
  return `${count} real images of ${data.name} (${data.source}), ${which}, scaled to [0, 1]`;
}

/**
 * The label of the `i`-th of `count` generated images of a conditional generator with `numClasses` classes:
 * with `spread`, and labelled data of as many classes, the labels of `count` examples evenly spaced over the
 * data (so the classes come in the data's proportions); else the classes in turn.
 */
export function generatedLabels(
  data: ArrayDataset,
  selection: ReferenceSelection,
  count: number,
  numClasses: number,
): { labelOf: (i: number) => number; description: string } {
  const { labels } = data;
  if (selection === 'spread' && labels && data.numClasses === numClasses) {
    return {
      labelOf: (i) => labels[chosenIndex('spread', i, data.size, count)] as number,
      description: `labels of ${numClasses} classes in the proportions of ${data.name}`,
    };
  }
  return { labelOf: (i) => i % numClasses, description: `labels cycling through ${numClasses} classes` };
}

/** What {@link generatedImages} needs to know about the generator and its run. */
export interface GeneratedImagesConfig {
  /** Noise distribution of the run: N(0, 1) or U(-1, 1). */
  noise: 'normal' | 'uniform';
  /** The generator's output range, mapped to [0, 1] (and clipped). */
  range: readonly [number, number];
  /** Draws the noise; the same seed gives the same images. */
  random: ReturnType<typeof createRandom>;
  /** Label of the `i`-th image, for a conditional generator (see {@link generatedLabels}). */
  labelOf?: (i: number) => number;
  /**
   * Batch normalisation of the generator: `eval` uses its moving statistics (tfjs `predict`), `train` each
   * batch's own statistics, as PyTorch does for a model never switched to `eval()` (the DCGAN tutorial samples
   * so). `train` also moves the generator's moving statistics: use it only on a generator loaded for measuring.
   * Defaults to `eval`.
   */
  sampleMode?: 'eval' | 'train';
}

/**
 * `makeBatch` for `collect()`: images of `generator` in [0, 1], from noise drawn in order from `random`
 * (so call the batches in order), with one-hot labels as a second input when the generator takes two.
 */
export function generatedImages(
  generator: tfl.LayersModel,
  config: GeneratedImagesConfig,
): (start: number, size: number) => tf.Tensor4D {
  const latentDim = generator.inputs[0]!.shape[1] as number;
  const numClasses = generator.inputs.length > 1 ? (generator.inputs[1]!.shape[1] as number) : undefined;
  const [low, high] = config.range;
  const labelOf = config.labelOf ?? ((i: number) => i % (numClasses ?? 1));
  return (start, size) =>
    tf.tidy((): tf.Tensor4D => {
      const values =
        config.noise === 'uniform'
          ? config.random.uniform(size * latentDim, -1, 1)
          : config.random.normal(size * latentDim);
      const z = tf.tensor2d(values, [size, latentDim]);
      let inputs: tf.Tensor | tf.Tensor[] = z;
      if (numClasses !== undefined) {
        const labels = Array.from({ length: size }, (_, i) => labelOf(start + i));
        inputs = [z, tf.cast(tf.oneHot(tf.tensor1d(labels, 'int32'), numClasses), 'float32')];
      }
      const output = (
        config.sampleMode === 'train' ? generator.apply(inputs, { training: true }) : generator.predict(inputs)
      ) as tf.Tensor4D;
      return tf.clipByValue(tf.div(tf.sub(output, low), high - low), 0, 1) as tf.Tensor4D;
    });
}
