/** The range of a generator's output values, which is the range real images must be scaled to. */
export type OutputRange = readonly [0, 1] | readonly [-1, 1];

/**
 * How a GAN's two networks see the classes:
 *
 * - `'unconditional'`: not at all; the generator takes `z` only.
 * - `'conditional'`: both networks take the one-hot labels as their second input (cGAN, projection
 *   discriminator).
 * - `'auxiliary-classifier'`: the generator takes the labels as its second input; the discriminator takes the
 *   examples only and returns the class logits as its second output (ACGAN).
 *
 * The trainer of `@gan/train` reads it off the two networks (`trainer.kind`). {@link GanInfo.conditional}, which
 * describes the generator alone, is `kind !== 'unconditional'`: see {@link isConditionalKind}.
 */
export type GanKind = 'unconditional' | 'conditional' | 'auxiliary-classifier';

/** The {@link GanInfo.conditional} flag of a GAN of this kind: whether its generator takes labels. */
export function isConditionalKind(kind: GanKind): boolean {
  return kind !== 'unconditional';
}

/**
 * What a GAN expects of its data, so that trainers and the CLI can check it before training and sample it
 * after. Every builder of `@gan/models` sets it (and stores it in the generator's model.json); `ganInfo()` reads
 * it back or infers it from a generator built by hand.
 */
export interface GanInfo {
  /** The builder's name (one of `modelNames` of `@gan/models`), or `'custom'` for a pair built by hand. */
  name: string;
  /**
   * Shape of one example without the batch axis: `[height, width, channels]` for every builder of
   * `@gan/models`; for a pair built by hand, the generator's output shape (e.g. `[2]` for points).
   */
  imageShape: readonly number[];
  /** Length of the noise vector `z` the generator takes. */
  latentDim: number;
  /**
   * Number of classes of a conditional GAN (labels are one-hot `[n, numClasses]`, the generator's second
   * input); absent when {@link conditional} is `false`.
   */
  numClasses?: number;
  /** Range of the generator's output, to which real images must be scaled; absent when unknown. */
  outputRange?: OutputRange;
  /**
   * Whether the generator takes one-hot labels `[n, numClasses]` as its second input, so that sampling it
   * needs labels: `true` for every {@link GanKind} but `'unconditional'`, which includes the
   * auxiliary-classifier GAN (acgan), whose discriminator takes the images only. How the discriminator sees the
   * labels is the pair's {@link GanKind}, which `@gan/train` reads off both networks.
   */
  conditional: boolean;
}
