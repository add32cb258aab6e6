import { createRandom } from '@gan/core';
import * as tfl from '@tensorflow/tfjs-layers';
import { withInfo } from './info.js';
import { layerBuilder } from './layer-builder.js';
import { type MlpHidden, mlpDiscriminator, mlpGenerator, mlpHidden } from './mlp-blocks.js';
import type { GanModels, OutputActivation } from './types.js';
import * as validate from './validate.js';

/** Options of {@link mlpGan}. */
export interface MlpGanConfig {
  /** Length of the noise vector `z`. Defaults to `100`. */
  latentDim?: number;
  /**
   * Shape of one example: `[height, width, channels]` for images, or `[features]` for points (`[2]` for the
   * 2-D `ring` set, with `outputActivation: 'linear'`). Defaults to `[28, 28, 1]`.
   */
  imageShape?: readonly number[];
  /**
   * Last activation of the generator: `'tanh'` for images scaled to [-1, 1], `'sigmoid'` for [0, 1], `'linear'`
   * for unbounded data such as 2-D points. Defaults to `'tanh'`.
   */
  outputActivation?: OutputActivation | 'linear';
  /** Seed of the weight init: the same seed gives the same weights. Defaults to `undefined` (random). */
  seed?: number;
  /** Hidden layer widths, for other networks than the material's (`{ generator: [256, 512, 1024], discriminator: [512, 256] }`). */
  hidden?: MlpHidden;
}

/**
 * The fully connected GAN (Goodfellow et al. 2014, as in the PyTorch-GAN collection).
 *
 * Generator: z → Dense 256 → 512 → 1024, each + LeakyReLU(0.2) → Dense h·w·c (784 for MNIST) → tanh, reshaped to
 * `imageShape`. Discriminator: flatten (784) → Dense 512 → 256, each + LeakyReLU(0.2) → Dense 1, logits `[n, 1]`.
 * Biases on; kernels N(0, 0.02).
 */
export function mlpGan(config: MlpGanConfig = {}): GanModels {
  const model = 'mlp';
  const latentDim = validate.positiveInteger(config.latentDim ?? 100, 'latentDim', model);
  const imageShape = validate.exampleShape(config.imageShape ?? [28, 28, 1], model);
  const activation = validate.oneOf(
    config.outputActivation ?? 'tanh',
    ['tanh', 'sigmoid', 'linear'] as const,
    'outputActivation',
    model,
  );
  const random = createRandom(validate.seed(config.seed, model));

  const z = tfl.input({ shape: [latentDim], name: 'z' });
  const hidden = mlpHidden(config.hidden, model);
  const fake = mlpGenerator(z, imageShape, activation, layerBuilder(random.fork()), hidden.generator);
  const generator = tfl.model({ inputs: z, outputs: fake, name: 'mlp_generator' });

  const image = tfl.input({ shape: [...imageShape], name: 'image' });
  const flat = imageShape.length === 1 ? image : (tfl.layers.flatten().apply(image) as tfl.SymbolicTensor);
  const logits = mlpDiscriminator(flat, layerBuilder(random.fork()), hidden.discriminator);
  const discriminator = tfl.model({ inputs: image, outputs: logits, name: 'mlp_discriminator' });

  return withInfo(generator, discriminator, {
    name: model,
    imageShape,
    latentDim,
    outputRange: activation === 'linear' ? undefined : validate.rangeOf(activation),
    conditional: false,
  });
}
