import type { GanInfo } from '@gan/core';
import type * as tfl from '@tensorflow/tfjs-layers';

/** Image shape without the batch axis: `[height, width, channels]` (channels last). */
export type ImageShape = readonly [number, number, number];

/** The last activation of a generator: `'tanh'` for data in [-1, 1], `'sigmoid'` for data in [0, 1]. */
export type OutputActivation = 'tanh' | 'sigmoid';

/** The one description of a GAN and its kinds, defined in `@gan/core` and re-exported here. */
export type { GanInfo, GanKind, OutputRange } from '@gan/core';

/**
 * A generator and a discriminator. The discriminator outputs logits `[n, 1]` (no final sigmoid):
 * `sigmoid(discriminator(x))` is the probability that the PyTorch network, which ends in `nn.Sigmoid()`, outputs.
 */
export interface GanModels {
  /** Maps `z` `[n, latentDim]` (and one-hot labels `[n, numClasses]` when conditional) to images. */
  generator: tfl.LayersModel;
  /**
   * Maps images (and one-hot labels, for the `'conditional'` `GanKind`) to logits `[n, 1]`; an
   * auxiliary-classifier GAN's maps images alone to `[logits [n, 1], classLogits [n, numClasses]]`.
   */
  discriminator: tfl.LayersModel;
  /** What the pair expects of its data. */
  info: GanInfo;
}
