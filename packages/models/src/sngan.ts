import { createRandom } from '@gan/core';
import * as tfl from '@tensorflow/tfjs-layers';
import { withInfo } from './info.js';
import { chain, layerBuilder } from './layer-builder.js';
import { assertEighthable, snganDiscriminatorTrunk, snganGenerator } from './sngan-blocks.js';
import { spectralBuilder } from './spectral-builder.js';
import type { GanModels, ImageShape } from './types.js';
import * as validate from './validate.js';

/** Options of {@link sngan}. */
export interface SnganConfig {
  /** Shape of one image, `[height, width, channels]`; height and width divisible by 8. Defaults to `[32, 32, 3]` (CIFAR-10). */
  imageShape?: ImageShape;
  /** Length of the noise vector `z`. Defaults to `128`. */
  latentDim?: number;
  /** Generator width: its layers have 8, 4, 2, 1 × ngf feature maps. Defaults to `64`. */
  ngf?: number;
  /** Discriminator width: its layers have 1, 2, 4, 8 × ndf feature maps. Defaults to `64`. */
  ndf?: number;
  /** Seed of the weight init (and of the power-iteration vectors): the same seed gives the same weights. Defaults to `undefined` (random). */
  seed?: number;
}

/**
 * SNGAN (Miyato et al. 2018), the "standard CNN" of the paper's table 3 for 32×32 images (any height and width
 * divisible by 8; pad 28×28 MNIST to 32×32), channels last, output in [-1, 1] (tanh).
 *
 * Generator (batch norm, no spectral norm): z → Dense 4·4·8ngf + BN + ReLU → 4×4×8ngf → ConvTranspose2d(4, 2, 1)
 * to 4ngf, 2ngf, ngf (+ BN + ReLU) → Conv2d(3, 1, 1) to `channels` → tanh.
 *
 * Discriminator: every layer spectrally normalized (`SpectralConv2D` / `SpectralDense`, one power iteration per
 * training-mode call), no batch norm, LeakyReLU(0.1): Conv(3,1) ndf → Conv(4,2) ndf → Conv(3,1) 2ndf →
 * Conv(4,2) 2ndf → Conv(3,1) 4ndf → Conv(4,2) 4ndf → Conv(3,1) 8ndf → flatten → Dense 1 → logits `[n, 1]`.
 *
 * Train it with the `'hinge'` loss (or `'non-saturating'`), Adam lr 2e-4, β1 0.5, β2 0.999, one D step per G
 * step (the paper's setting C); no gradient penalty is needed.
 */
export function sngan(config: SnganConfig = {}): GanModels {
  const model = 'sngan';
  const imageShape = validate.imageShape(config.imageShape ?? [32, 32, 3], model);
  const latentDim = validate.positiveInteger(config.latentDim ?? 128, 'latentDim', model);
  const ngf = validate.positiveInteger(config.ngf ?? 64, 'ngf', model);
  const ndf = validate.positiveInteger(config.ndf ?? 64, 'ndf', model);
  const random = createRandom(validate.seed(config.seed, model));
  assertEighthable(imageShape, model);

  const z = tfl.input({ shape: [latentDim], name: 'z' });
  const fake = snganGenerator(z, imageShape, ngf, layerBuilder(random.fork()));
  const generator = tfl.model({ inputs: z, outputs: fake, name: 'sngan_generator' });

  const d = spectralBuilder(random.fork());
  const image = tfl.input({ shape: [...imageShape], name: 'image' });
  const logits = chain(snganDiscriminatorTrunk(image, ndf, d), tfl.layers.flatten(), d.dense(1));
  const discriminator = tfl.model({ inputs: image, outputs: logits, name: 'sngan_discriminator' });

  return withInfo(generator, discriminator, {
    name: model,
    imageShape,
    latentDim,
    outputRange: [-1, 1],
    conditional: false,
  });
}
