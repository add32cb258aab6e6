import { createRandom } from '@gan/core';
import * as tfl from '@tensorflow/tfjs-layers';
import { dcganDiscriminator, dcganGenerator } from './dcgan-blocks.js';
import { withInfo } from './info.js';
import { layerBuilder } from './layer-builder.js';
import type { GanModels } from './types.js';
import * as validate from './validate.js';

/** Options of {@link dcgan}. */
export interface DcganConfig {
  /** Side of the square images, 32, 64 or 128. Defaults to `64`. */
  imageSize?: 32 | 64 | 128;
  /** Image channels (3 for RGB, 1 for grayscale). Defaults to `3`. */
  channels?: number;
  /** Length of the noise vector `z` (`nz` in the PyTorch tutorial). Defaults to `100`. */
  latentDim?: number;
  /** Feature maps of the generator's last hidden layer; earlier layers have 2×, 4×, … as many. Defaults to `64`. */
  ngf?: number;
  /** Feature maps of the discriminator's first layer; later layers have 2×, 4×, … as many. Defaults to `64`. */
  ndf?: number;
  /** Seed of the weight init: the same seed gives the same weights. Defaults to `undefined` (random). */
  seed?: number;
}

/**
 * The DCGAN of the PyTorch tutorial (Radford et al. 2015), channels last, output in [-1, 1] (tanh).
 *
 * Generator: z `[n, latentDim]` → 1×1 → `ConvTranspose2d(4, 1, 0)` to 4×4×(ngf·2^(k−1)) → k `ConvTranspose2d(4, 2, 1)`
 * halving the channels, batch norm + ReLU after all but the last, which gives `channels` and tanh
 * (k = log2(imageSize) − 2; for 64: 4×4×512 → 8×8×256 → 16×16×128 → 32×32×64 → 64×64×3). No biases.
 *
 * Discriminator: `Conv2d(4, 2, 1)` to ndf + LeakyReLU(0.2), then `Conv2d(4, 2, 1)` doubling the channels + batch
 * norm + LeakyReLU down to 4×4, then `Conv2d(4, 1, 0)` to 1×1×1, flattened to logits `[n, 1]` (no sigmoid:
 * `sigmoid(D(x))` is the tutorial's output). No biases.
 *
 * At 64×64 with the defaults the generator has 3,576,704 and the discriminator 2,765,568 trainable
 * parameters, as in PyTorch.
 */
export function dcgan(config: DcganConfig = {}): GanModels {
  const model = 'dcgan';
  const imageSize = validate.oneOf(config.imageSize ?? 64, [32, 64, 128] as const, 'imageSize', model);
  const channels = validate.positiveInteger(config.channels ?? 3, 'channels', model);
  const latentDim = validate.positiveInteger(config.latentDim ?? 100, 'latentDim', model);
  const ngf = validate.positiveInteger(config.ngf ?? 64, 'ngf', model);
  const ndf = validate.positiveInteger(config.ndf ?? 64, 'ndf', model);
  const random = createRandom(validate.seed(config.seed, model));

  const z = tfl.input({ shape: [latentDim], name: 'z' });
  const x = dcganGenerator(z, imageSize, channels, ngf, layerBuilder(random.fork()));
  const generator = tfl.model({ inputs: z, outputs: x, name: 'dcgan_generator' });

  const image = tfl.input({ shape: [imageSize, imageSize, channels], name: 'image' });
  const y = dcganDiscriminator(image, imageSize, ndf, layerBuilder(random.fork()));
  const discriminator = tfl.model({ inputs: image, outputs: y, name: 'dcgan_discriminator' });

  return withInfo(generator, discriminator, {
    name: model,
    imageShape: [imageSize, imageSize, channels],
    latentDim,
    outputRange: [-1, 1],
    conditional: false,
  });
}
