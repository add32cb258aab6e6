import { createRandom } from '@gan/core';
import * as tfl from '@tensorflow/tfjs-layers';
import { withInfo } from './info.js';
import { layerBuilder } from './layer-builder.js';
import { type MnistWidths, mnistDiscriminator, mnistGenerator, mnistWidths } from './mnist-blocks.js';
import type { GanModels, ImageShape, OutputActivation } from './types.js';
import * as validate from './validate.js';

/** Options of {@link dcganMnist}. */
export interface DcganMnistConfig {
  /** Length of the noise vector `z`. Defaults to `62`. */
  latentDim?: number;
  /**
   * Last activation of the generator: `'sigmoid'` for images scaled to [0, 1], `'tanh'` for [-1, 1].
   * Defaults to `'sigmoid'`.
   */
  outputActivation?: OutputActivation;
  /** Seed of the weight init: the same seed gives the same weights. Defaults to `undefined` (random). */
  seed?: number;
  /**
   * Widths of the layers, for narrower or wider networks than the material's (generator: dense 1024, 128 feature
   * maps after the reshape, transposed conv 64; discriminator: convs 64 and 128, dense 1024, the defaults).
   */
  widths?: MnistWidths;
}

/**
 * The MNIST DCGAN of pytorch-generative-model-collections (GAN.py) for 28×28×1 images, channels last.
 *
 * Generator: z → Dense 1024 + BN + ReLU → Dense 7·7·128 + BN + ReLU → 7×7×128 → ConvTranspose2d 64 (4, 2, 1) + BN +
 * ReLU → ConvTranspose2d 1 (4, 2, 1) → sigmoid (or tanh).
 *
 * Discriminator: Conv2d 64 (4, 2, 1) + LeakyReLU(0.2) → Conv2d 128 (4, 2, 1) + BN + LeakyReLU → flatten → Dense 1024 +
 * BN + LeakyReLU → Dense 1, logits `[n, 1]` (`sigmoid(D(x))` is the PyTorch output).
 *
 * Biases on; init N(0, 0.02) as in the DCGAN paper.
 */
export function dcganMnist(config: DcganMnistConfig = {}): GanModels {
  const model = 'dcgan-mnist';
  const latentDim = validate.positiveInteger(config.latentDim ?? 62, 'latentDim', model);
  const activation = validate.outputActivation(config.outputActivation, 'sigmoid', model);
  const random = createRandom(validate.seed(config.seed, model));
  const imageShape: ImageShape = [28, 28, 1];

  const z = tfl.input({ shape: [latentDim], name: 'z' });
  const widths = mnistWidths(config.widths, model);
  const fake = mnistGenerator(z, imageShape, activation, layerBuilder(random.fork()), widths.generator);
  const generator = tfl.model({ inputs: z, outputs: fake, name: 'dcgan_mnist_generator' });

  const image = tfl.input({ shape: [...imageShape], name: 'image' });
  const logits = mnistDiscriminator(image, layerBuilder(random.fork()), widths.discriminator);
  const discriminator = tfl.model({ inputs: image, outputs: logits, name: 'dcgan_mnist_discriminator' });

  return withInfo(generator, discriminator, {
    name: model,
    imageShape,
    latentDim,
    outputRange: validate.rangeOf(activation),
    conditional: false,
  });
}
