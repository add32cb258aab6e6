import { createRandom } from '@gan/core';
import * as tfl from '@tensorflow/tfjs-layers';
import { dcganGenerator } from './dcgan-blocks.js';
import { withInfo } from './info.js';
import { chain, layerBuilder } from './layer-builder.js';
import type { GanModels } from './types.js';
import * as validate from './validate.js';

/** Options of {@link wganGp}. */
export interface WganGpConfig {
  /** Side of the square images, 32, 64 or 128. Defaults to `64`. */
  imageSize?: 32 | 64 | 128;
  /** Image channels (3 for RGB, 1 for grayscale). Defaults to `3`. */
  channels?: number;
  /** Length of the noise vector `z`. Defaults to `100`. */
  latentDim?: number;
  /** Generator width, as in `dcgan`. Defaults to `64`. */
  ngf?: number;
  /** Critic width, as in `dcgan`. Defaults to `64`. */
  ndf?: number;
  /** Seed of the weight init: the same seed gives the same weights. Defaults to `undefined` (random). */
  seed?: number;
}

/**
 * A WGAN-GP preset (Gulrajani et al. 2017) on the DCGAN architecture. The generator is that of `dcgan`. The
 * critic is the `dcgan` discriminator **without batch norm** (batch norm makes each output depend on the
 * rest of the batch, which breaks the per-example gradient penalty): Conv2d(4, 2, 1) + LeakyReLU(0.2) doubling
 * the channels from ndf down to 4×4, then Conv2d(4, 1, 0) → flatten → a linear score `[n, 1]` (no sigmoid), with
 * biases since nothing normalizes the layers.
 *
 * Train it with the `'wasserstein'` loss plus the gradient penalty (`gradientPenalty()` of @gan/losses,
 * λ = 10), 5 critic steps per generator step, Adam lr 1e-4, β1 0, β2 0.9, as in the paper.
 */
export function wganGp(config: WganGpConfig = {}): GanModels {
  const model = 'wgan-gp';
  const imageSize = validate.oneOf(config.imageSize ?? 64, [32, 64, 128] as const, 'imageSize', model);
  const channels = validate.positiveInteger(config.channels ?? 3, 'channels', model);
  const latentDim = validate.positiveInteger(config.latentDim ?? 100, 'latentDim', model);
  const ngf = validate.positiveInteger(config.ngf ?? 64, 'ngf', model);
  const ndf = validate.positiveInteger(config.ndf ?? 64, 'ndf', model);
  const random = createRandom(validate.seed(config.seed, model));

  const z = tfl.input({ shape: [latentDim], name: 'z' });
  const fake = dcganGenerator(z, imageSize, channels, ngf, layerBuilder(random.fork()));
  const generator = tfl.model({ inputs: z, outputs: fake, name: 'wgan_gp_generator' });

  const d = layerBuilder(random.fork());
  const image = tfl.input({ shape: [imageSize, imageSize, channels], name: 'image' });
  let y = image;
  for (let i = 0; i < Math.log2(imageSize) - 2; i++) y = chain(y, d.conv({ filters: ndf * 2 ** i }), d.leakyRelu());
  y = chain(y, d.conv({ filters: 1, strides: 1, padding: 'valid' }), tfl.layers.flatten());
  const discriminator = tfl.model({ inputs: image, outputs: y, name: 'wgan_gp_critic' });

  return withInfo(generator, discriminator, {
    name: model,
    imageShape: [imageSize, imageSize, channels],
    latentDim,
    outputRange: [-1, 1],
    conditional: false,
  });
}
