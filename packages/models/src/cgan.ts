import { createRandom } from '@gan/core';
import { labelMap } from '@gan/layers';
import * as tfl from '@tensorflow/tfjs-layers';
import { withInfo } from './info.js';
import { layerBuilder } from './layer-builder.js';
import { mlpDiscriminator, mlpGenerator } from './mlp-blocks.js';
import { assertQuarterable, mnistDiscriminator, mnistGenerator } from './mnist-blocks.js';
import type { GanModels, ImageShape, OutputActivation } from './types.js';
import * as validate from './validate.js';

/** Options of {@link cgan}. */
export interface CganConfig {
  /**
   * The networks: `'mlp'` (those of `mlpGan`) or `'dcgan'` (those of `dcganMnist`, for any image shape whose
   * height and width are divisible by 4). Defaults to `'mlp'`.
   */
  variant?: 'mlp' | 'dcgan';
  /** Number of classes; labels are one-hot float tensors `[n, numClasses]`. Defaults to `10`. */
  numClasses?: number;
  /** Length of the noise vector `z`. Defaults to `100` for `'mlp'` and `62` for `'dcgan'`. */
  latentDim?: number;
  /** Shape of one image, `[height, width, channels]`. Defaults to `[28, 28, 1]`. */
  imageShape?: ImageShape;
  /** Last activation of the generator. Defaults to `'tanh'` for `'mlp'` and `'sigmoid'` for `'dcgan'`. */
  outputActivation?: OutputActivation;
  /** Seed of the weight init: the same seed gives the same weights. Defaults to `undefined` (random). */
  seed?: number;
}

/**
 * A conditional GAN (Mirza & Osindero 2014). Both networks take one-hot labels `[n, numClasses]` (float) as a
 * second input: the generator `[z, labels]`, the discriminator `[image, labels]`.
 *
 * - `'mlp'`: the generator concatenates the labels to z; the discriminator concatenates them to the flattened
 *   image. Otherwise the networks of `mlpGan`.
 * - `'dcgan'`: the generator concatenates the labels to z; the discriminator concatenates label maps
 *   (`LabelMap`: each label tiled over height × width) to the image channels. Otherwise the networks of
 *   `dcganMnist`.
 *
 * The discriminator outputs logits `[n, 1]`.
 */
export function cgan(config: CganConfig = {}): GanModels {
  const model = 'cgan';
  const variant = validate.oneOf(config.variant ?? 'mlp', ['mlp', 'dcgan'] as const, 'variant', model);
  const isMlp = variant === 'mlp';
  const numClasses = validate.positiveInteger(config.numClasses ?? 10, 'numClasses', model);
  const latentDim = validate.positiveInteger(config.latentDim ?? (isMlp ? 100 : 62), 'latentDim', model);
  const imageShape = validate.imageShape(config.imageShape ?? [28, 28, 1], model);
  const activation = validate.outputActivation(config.outputActivation, isMlp ? 'tanh' : 'sigmoid', model);
  const random = createRandom(validate.seed(config.seed, model));
  if (!isMlp) assertQuarterable(imageShape, `cgan (variant 'dcgan')`);

  const g = layerBuilder(random.fork());
  const z = tfl.input({ shape: [latentDim], name: 'z' });
  const generatorLabels = tfl.input({ shape: [numClasses], name: 'labels' });
  const zAndLabels = tfl.layers.concatenate().apply([z, generatorLabels]) as tfl.SymbolicTensor;
  const fake = isMlp
    ? mlpGenerator(zAndLabels, imageShape, activation, g)
    : mnistGenerator(zAndLabels, imageShape, activation, g);
  const generator = tfl.model({ inputs: [z, generatorLabels], outputs: fake, name: `cgan_${variant}_generator` });

  const d = layerBuilder(random.fork());
  const image = tfl.input({ shape: [...imageShape], name: 'image' });
  const labels = tfl.input({ shape: [numClasses], name: 'labels' });
  let logits: tfl.SymbolicTensor;
  if (isMlp) {
    const flat = tfl.layers.flatten().apply(image) as tfl.SymbolicTensor;
    logits = mlpDiscriminator(tfl.layers.concatenate().apply([flat, labels]) as tfl.SymbolicTensor, d);
  } else {
    const maps = labelMap({ height: imageShape[0], width: imageShape[1] }).apply(labels) as tfl.SymbolicTensor;
    logits = mnistDiscriminator(tfl.layers.concatenate().apply([image, maps]) as tfl.SymbolicTensor, d);
  }
  const discriminator = tfl.model({ inputs: [image, labels], outputs: logits, name: `cgan_${variant}_discriminator` });

  return withInfo(generator, discriminator, {
    name: model,
    imageShape,
    latentDim,
    numClasses,
    outputRange: validate.rangeOf(activation),
    conditional: true,
  });
}
