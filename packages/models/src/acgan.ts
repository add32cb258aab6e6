import { createRandom } from '@gan/core';
import { dcganWeightInitializer, dense } from '@gan/layers';
import * as tfl from '@tensorflow/tfjs-layers';
import { withInfo } from './info.js';
import { layerBuilder } from './layer-builder.js';
import { assertQuarterable, mnistDiscriminatorTrunk, mnistGenerator } from './mnist-blocks.js';
import type { GanModels, ImageShape, OutputActivation } from './types.js';
import * as validate from './validate.js';

/** Options of {@link acgan}. */
export interface AcganConfig {
  /** Number of classes; labels are one-hot float tensors `[n, numClasses]`. Defaults to `10`. */
  numClasses?: number;
  /** Length of the noise vector `z`. Defaults to `62`. */
  latentDim?: number;
  /** Shape of one image, `[height, width, channels]`; height and width divisible by 4. Defaults to `[28, 28, 1]`. */
  imageShape?: ImageShape;
  /** Last activation of the generator. Defaults to `'sigmoid'` (data in [0, 1]). */
  outputActivation?: OutputActivation;
  /** Seed of the weight init: the same seed gives the same weights. Defaults to `undefined` (random). */
  seed?: number;
}

/**
 * The auxiliary-classifier GAN (Odena et al. 2017), with the networks of pytorch-generative-model-collections'
 * ACGAN (those of `dcganMnist`).
 *
 * Generator: inputs `[z, labels]` (one-hot), labels concatenated to z, then the `dcganMnist` generator (as the
 * `cgan` `'dcgan'` variant).
 *
 * Discriminator: input the image only (no labels), Conv 64 (4, 2, 1) + LeakyReLU(0.2) → Conv 128 (4, 2, 1) + BN +
 * LeakyReLU → flatten → Dense 1024 + BN + LeakyReLU, then two heads. **Outputs, in this order:**
 * `[logits [n, 1], classLogits [n, numClasses]]`: the real/fake logit (layer `logits`, no sigmoid) and the class
 * logits (layer `class_logits`, no softmax). D's loss is the GAN loss on `logits` plus the softmax cross-entropy of
 * `classLogits` against the labels of real and fake images; G's loss adds the same cross-entropy on its fakes.
 * Because D has two outputs and no label input, train it with an ACGAN-aware step, not the plain
 * conditional one (which feeds `[image, labels]` and expects one output): `@gan/train` reads the pair's `GanKind`,
 * `'auxiliary-classifier'`, off the two networks and does so.
 *
 * `info.conditional` is `true`, as for every GAN whose generator takes labels (`GanInfo.conditional` describes the
 * generator: sampling needs labels); how the discriminator sees them is the `GanKind`.
 */
export function acgan(config: AcganConfig = {}): GanModels {
  const model = 'acgan';
  const numClasses = validate.positiveInteger(config.numClasses ?? 10, 'numClasses', model);
  const latentDim = validate.positiveInteger(config.latentDim ?? 62, 'latentDim', model);
  const imageShape = validate.imageShape(config.imageShape ?? [28, 28, 1], model);
  const activation = validate.outputActivation(config.outputActivation, 'sigmoid', model);
  const random = createRandom(validate.seed(config.seed, model));
  assertQuarterable(imageShape, model);

  const z = tfl.input({ shape: [latentDim], name: 'z' });
  const labels = tfl.input({ shape: [numClasses], name: 'labels' });
  const zAndLabels = tfl.layers.concatenate().apply([z, labels]) as tfl.SymbolicTensor;
  const fake = mnistGenerator(zAndLabels, imageShape, activation, layerBuilder(random.fork()));
  const generator = tfl.model({ inputs: [z, labels], outputs: fake, name: 'acgan_generator' });

  const discriminatorRandom = random.fork();
  const d = layerBuilder(discriminatorRandom);
  const head = (units: number, name: string) =>
    dense({
      units,
      name,
      kernelInitializer: dcganWeightInitializer({ seed: discriminatorRandom.seed() }),
      biasInitializer: 'zeros',
    });
  const image = tfl.input({ shape: [...imageShape], name: 'image' });
  const features = mnistDiscriminatorTrunk(image, d);
  const logits = head(1, 'logits').apply(features) as tfl.SymbolicTensor;
  const classLogits = head(numClasses, 'class_logits').apply(features) as tfl.SymbolicTensor;
  const discriminator = tfl.model({ inputs: image, outputs: [logits, classLogits], name: 'acgan_discriminator' });

  return withInfo(generator, discriminator, {
    name: model,
    imageShape,
    latentDim,
    numClasses,
    outputRange: validate.rangeOf(activation),
    // The generator takes labels (GanInfo.conditional); the discriminator does not (GanKind 'auxiliary-classifier').
    conditional: true,
  });
}
