import type * as tfl from '@tensorflow/tfjs-layers';

/** Image shape without the batch axis: `[height, width, channels]` (channels last). */
export type ImageShape = readonly [number, number, number];

/** The last activation of a generator: `'tanh'` for data in [-1, 1], `'sigmoid'` for data in [0, 1]. */
export type OutputActivation = 'tanh' | 'sigmoid';

/** The range of a generator's output values, which is the range real images must be scaled to. */
export type OutputRange = readonly [0, 1] | readonly [-1, 1];

/** What a GAN expects of its data, so that trainers and the CLI can check it before training. */
export interface GanInfo {
  /** The builder's name (one of `modelNames`), or `'custom'` for a pair built by hand. */
  name: string;
  /**
   * Shape of one example without the batch axis: `[height, width, channels]` for every builder of this
   * package; for a pair built by hand, the generator's output shape (e.g. `[2]` for points).
   */
  imageShape: readonly number[];
  /** Length of the noise vector `z` the generator takes. */
  latentDim: number;
  /** Number of classes of a conditional GAN (labels are one-hot `[n, numClasses]`); absent otherwise. */
  numClasses?: number;
  /** Range of the generator's output, to which real images must be scaled; absent when unknown. */
  outputRange?: OutputRange;
  /** Whether both networks take labels as a second input. */
  conditional: boolean;
}

/**
 * A generator and a discriminator. The discriminator outputs logits `[n, 1]` (no final sigmoid):
 * `sigmoid(discriminator(x))` is the probability that the PyTorch network, which ends in `nn.Sigmoid()`, outputs.
 */
export interface GanModels {
  /** Maps `z` `[n, latentDim]` (and one-hot labels `[n, numClasses]` when conditional) to images. */
  generator: tfl.LayersModel;
  /** Maps images (and one-hot labels when conditional) to logits `[n, 1]`. */
  discriminator: tfl.LayersModel;
  /** What the pair expects of its data. */
  info: GanInfo;
}
