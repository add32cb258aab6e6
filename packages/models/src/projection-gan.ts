import { createRandom } from '@gan/core';
import * as tfl from '@tensorflow/tfjs-layers';
import { withInfo } from './info.js';
import { layerBuilder } from './layer-builder.js';
import { assertEighthable, snganDiscriminatorTrunk, snganGenerator } from './sngan-blocks.js';
import { spectralBuilder } from './spectral-builder.js';
import type { GanModels, ImageShape } from './types.js';
import * as validate from './validate.js';

/** Options of {@link projectionGan}. */
export interface ProjectionGanConfig {
  /** Number of classes; labels are one-hot float tensors `[n, numClasses]`. Defaults to `10`. */
  numClasses?: number;
  /** Shape of one image, `[height, width, channels]`; height and width divisible by 8. Defaults to `[32, 32, 3]`. */
  imageShape?: ImageShape;
  /** Length of the noise vector `z`. Defaults to `128`. */
  latentDim?: number;
  /** Generator width (as in `sngan`). Defaults to `64`. */
  ngf?: number;
  /** Discriminator width (as in `sngan`); the features φ(x) have 8·ndf values. Defaults to `64`. */
  ndf?: number;
  /** Seed of the weight init: the same seed gives the same weights. Defaults to `undefined` (random). */
  seed?: number;
}

/**
 * A conditional GAN with a projection discriminator (Miyato & Koyama 2018) on the SNGAN standard CNN.
 * Generator inputs `[z, labels]`, discriminator inputs `[image, labels]` (labels one-hot `[n, numClasses]`).
 *
 * Generator: the `sngan` generator with every batch norm replaced by `ConditionalBatchNorm` (per-class γ, β).
 *
 * Discriminator: the spectrally normalized `sngan` trunk, then global average pooling to features φ(x)
 * `[n, 8ndf]`, and `logits = ψ(φ(x)) + ⟨embed(y), φ(x)⟩`: ψ a spectrally normalized Dense 1, `embed` a
 * spectrally normalized Dense 8ndf without bias applied to the one-hot label (an embedding lookup `V y`), the
 * inner product a `Dot` layer. Logits `[n, 1]`. Train with the `'hinge'` loss, as the paper.
 */
export function projectionGan(config: ProjectionGanConfig = {}): GanModels {
  const model = 'projection-gan';
  const numClasses = validate.positiveInteger(config.numClasses ?? 10, 'numClasses', model);
  const imageShape = validate.imageShape(config.imageShape ?? [32, 32, 3], model);
  const latentDim = validate.positiveInteger(config.latentDim ?? 128, 'latentDim', model);
  const ngf = validate.positiveInteger(config.ngf ?? 64, 'ngf', model);
  const ndf = validate.positiveInteger(config.ndf ?? 64, 'ndf', model);
  const random = createRandom(validate.seed(config.seed, model));
  assertEighthable(imageShape, model);

  const generatorRandom = random.fork();
  const z = tfl.input({ shape: [latentDim], name: 'z' });
  const generatorLabels = tfl.input({ shape: [numClasses], name: 'labels' });
  const fake = snganGenerator(z, imageShape, ngf, layerBuilder(generatorRandom), {
    labels: generatorLabels,
    numClasses,
    random: generatorRandom,
  });
  const generator = tfl.model({ inputs: [z, generatorLabels], outputs: fake, name: 'projection_gan_generator' });

  const d = spectralBuilder(random.fork());
  const image = tfl.input({ shape: [...imageShape], name: 'image' });
  const labels = tfl.input({ shape: [numClasses], name: 'labels' });
  const trunk = snganDiscriminatorTrunk(image, ndf, d);
  const features = tfl.layers.globalAveragePooling2d({}).apply(trunk) as tfl.SymbolicTensor;
  const unconditional = d.dense(1).apply(features) as tfl.SymbolicTensor;
  const embedded = d.dense(ndf * 8, false).apply(labels) as tfl.SymbolicTensor;
  const projection = tfl.layers.dot({ axes: -1 }).apply([embedded, features]) as tfl.SymbolicTensor;
  const logits = tfl.layers.add().apply([unconditional, projection]) as tfl.SymbolicTensor;
  const discriminator = tfl.model({ inputs: [image, labels], outputs: logits, name: 'projection_gan_discriminator' });

  return withInfo(generator, discriminator, {
    name: model,
    imageShape,
    latentDim,
    numClasses,
    outputRange: [-1, 1],
    conditional: true,
  });
}
