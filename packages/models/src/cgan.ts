import { createRandom, GanError } from '@gan/core';
import { labelMap } from '@gan/layers';
import * as tfl from '@tensorflow/tfjs-layers';
import { dcganDiscriminator, dcganGenerator } from './dcgan-blocks.js';
import { withInfo } from './info.js';
import { type LayerBuilder, layerBuilder } from './layer-builder.js';
import { type MlpHidden, mlpDiscriminator, mlpGenerator, mlpHidden } from './mlp-blocks.js';
import {
  assertQuarterable,
  type MnistWidths,
  mnistDiscriminator,
  mnistGenerator,
  mnistWidths,
} from './mnist-blocks.js';
import type { GanModels, ImageShape, OutputActivation } from './types.js';
import * as validate from './validate.js';

/** Options of {@link cgan}. */
export interface CganConfig {
  /**
   * The networks: `'mlp'` (those of `mlpGan`), `'dcgan'` (those of `dcganMnist`, for any image shape whose
   * height and width are divisible by 4) or `'tutorial'` (those of `dcgan`, the PyTorch tutorial DCGAN, for
   * square images of 32, 64 or 128 pixels). Defaults to `'mlp'`.
   */
  variant?: 'mlp' | 'dcgan' | 'tutorial';
  /** Number of classes; labels are one-hot float tensors `[n, numClasses]`. Defaults to `10`. */
  numClasses?: number;
  /** Length of the noise vector `z`. Defaults to `100` for `'mlp'` and `'tutorial'`, and `62` for `'dcgan'`. */
  latentDim?: number;
  /** `'mlp'` and `'dcgan'`: shape of one image, `[height, width, channels]`. Defaults to `[28, 28, 1]`. */
  imageShape?: ImageShape;
  /**
   * Last activation of the generator. Defaults to `'tanh'` for `'mlp'` and `'sigmoid'` for `'dcgan'`;
   * `'tutorial'` ends in tanh only (data in [-1, 1]), so it accepts `'tanh'` and nothing else.
   */
  outputActivation?: OutputActivation;
  /** `'tutorial'`: side of the square images, 32, 64 or 128. Defaults to `64`. */
  imageSize?: 32 | 64 | 128;
  /** `'tutorial'`: image channels (3 for RGB, 1 for grayscale). Defaults to `3`. */
  channels?: number;
  /** `'tutorial'`: feature maps of the generator's last hidden layer, as in `dcgan`. Defaults to `64`. */
  ngf?: number;
  /** `'tutorial'`: feature maps of the discriminator's first layer, as in `dcgan`. Defaults to `64`. */
  ndf?: number;
  /** Seed of the weight init: the same seed gives the same weights. Defaults to `undefined` (random). */
  seed?: number;
  /** `'mlp'`: hidden layer widths, as `mlpGan`'s `hidden`. */
  hidden?: MlpHidden;
  /** `'dcgan'`: layer widths, as `dcganMnist`'s `widths`. */
  widths?: MnistWidths;
}

type Variant = NonNullable<CganConfig['variant']>;
const variants = ['mlp', 'dcgan', 'tutorial'] as const satisfies readonly Variant[];

/** The options that only some variants have, and which variants have them. */
const variantOptions = {
  imageShape: ['mlp', 'dcgan'],
  imageSize: ['tutorial'],
  channels: ['tutorial'],
  ngf: ['tutorial'],
  ndf: ['tutorial'],
  hidden: ['mlp'],
  widths: ['dcgan'],
} as const satisfies { [K in keyof CganConfig]?: readonly Variant[] };

/** The networks of one variant, between the inputs that `cgan` makes for all of them. */
interface Networks {
  latentDim: number;
  imageShape: ImageShape;
  activation: OutputActivation;
  generator(zAndLabels: tfl.SymbolicTensor, g: LayerBuilder): tfl.SymbolicTensor;
  discriminator(image: tfl.SymbolicTensor, labels: tfl.SymbolicTensor, d: LayerBuilder): tfl.SymbolicTensor;
}

/** The image with label maps (`LabelMap`: each label tiled over height × width) concatenated to its channels. */
function withLabelMaps(image: tfl.SymbolicTensor, labels: tfl.SymbolicTensor): tfl.SymbolicTensor {
  const [height, width] = image.shape.slice(1) as number[];
  const maps = labelMap({ height, width }).apply(labels) as tfl.SymbolicTensor;
  return tfl.layers.concatenate().apply([image, maps]) as tfl.SymbolicTensor;
}

function networksOf(variant: Variant, config: CganConfig, model: string): Networks {
  if (variant === 'tutorial') {
    const name = `${model} (variant 'tutorial')`;
    const imageSize = validate.oneOf(config.imageSize ?? 64, [32, 64, 128] as const, 'imageSize', name);
    const channels = validate.positiveInteger(config.channels ?? 3, 'channels', name);
    const ngf = validate.positiveInteger(config.ngf ?? 64, 'ngf', name);
    const ndf = validate.positiveInteger(config.ndf ?? 64, 'ndf', name);
    return {
      latentDim: validate.positiveInteger(config.latentDim ?? 100, 'latentDim', model),
      imageShape: [imageSize, imageSize, channels],
      activation: validate.oneOf(config.outputActivation ?? 'tanh', ['tanh'] as const, 'outputActivation', name),
      generator: (zAndLabels, g) => dcganGenerator(zAndLabels, imageSize, channels, ngf, g),
      discriminator: (image, labels, d) => dcganDiscriminator(withLabelMaps(image, labels), imageSize, ndf, d),
    };
  }
  const isMlp = variant === 'mlp';
  const imageShape = validate.imageShape(config.imageShape ?? [28, 28, 1], model);
  const activation = validate.outputActivation(config.outputActivation, isMlp ? 'tanh' : 'sigmoid', model);
  const latentDim = validate.positiveInteger(config.latentDim ?? (isMlp ? 100 : 62), 'latentDim', model);
  if (isMlp) {
    const hidden = mlpHidden(config.hidden, model);
    return {
      latentDim,
      imageShape,
      activation,
      generator: (zAndLabels, g) => mlpGenerator(zAndLabels, imageShape, activation, g, hidden.generator),
      discriminator: (image, labels, d) => {
        const flat = tfl.layers.flatten().apply(image) as tfl.SymbolicTensor;
        return mlpDiscriminator(
          tfl.layers.concatenate().apply([flat, labels]) as tfl.SymbolicTensor,
          d,
          hidden.discriminator,
        );
      },
    };
  }
  assertQuarterable(imageShape, `${model} (variant 'dcgan')`);
  const widths = mnistWidths(config.widths, model);
  return {
    latentDim,
    imageShape,
    activation,
    generator: (zAndLabels, g) => mnistGenerator(zAndLabels, imageShape, activation, g, widths.generator),
    discriminator: (image, labels, d) => mnistDiscriminator(withLabelMaps(image, labels), d, widths.discriminator),
  };
}

/**
 * A conditional GAN (Mirza & Osindero 2014). Both networks take one-hot labels `[n, numClasses]` (float) as a
 * second input: the generator `[z, labels]`, the discriminator `[image, labels]`. In every variant the
 * generator concatenates the labels to z.
 *
 * - `'mlp'`: the discriminator concatenates the labels to the flattened image. Otherwise the networks of `mlpGan`.
 * - `'dcgan'`: the discriminator concatenates label maps (`LabelMap`: each label tiled over height × width) to
 *   the image channels. Otherwise the networks of `dcganMnist`.
 * - `'tutorial'`: the PyTorch tutorial DCGAN of `dcgan` (same blocks, init and options `imageSize`, `channels`,
 *   `ngf`, `ndf`), conditioned as `'dcgan'`: z and labels → 1×1 → `ConvTranspose2d(4, 1, 0)` → … → tanh, and
 *   label maps concatenated to the image channels before D's first `Conv2d(4, 2, 1)`. Its only extra weights
 *   are the label rows of those two first kernels: numClasses·16·(ngf·2^(k−1)) in G and numClasses·16·ndf in D
 *   (k = log2(imageSize) − 2; at 64×64 with the defaults G has 3,576,704 + numClasses·8,192 and D
 *   2,765,568 + numClasses·1,024 trainable parameters).
 *
 * The discriminator outputs logits `[n, 1]` (no sigmoid), as every builder of this package; the losses of
 * @gan/losses take logits.
 */
export function cgan(config: CganConfig = {}): GanModels {
  const model = 'cgan';
  const variant = validate.oneOf(config.variant ?? 'mlp', variants, 'variant', model);
  for (const [option, owners] of Object.entries(variantOptions)) {
    if (config[option as keyof CganConfig] !== undefined && !(owners as readonly Variant[]).includes(variant)) {
      throw new GanError(
        'INVALID_ARGUMENT',
        `Option ${option} of ${model} is for variant ${owners.map((v) => `'${v}'`).join(' or ')}, not '${variant}'. ` +
          (variant === 'tutorial'
            ? 'Give the image size as imageSize and channels.'
            : 'Give the image size as imageShape.'),
      );
    }
  }
  const numClasses = validate.positiveInteger(config.numClasses ?? 10, 'numClasses', model);
  const networks = networksOf(variant, config, model);
  const random = createRandom(validate.seed(config.seed, model));

  const z = tfl.input({ shape: [networks.latentDim], name: 'z' });
  const generatorLabels = tfl.input({ shape: [numClasses], name: 'labels' });
  const zAndLabels = tfl.layers.concatenate().apply([z, generatorLabels]) as tfl.SymbolicTensor;
  const fake = networks.generator(zAndLabels, layerBuilder(random.fork()));
  const generator = tfl.model({ inputs: [z, generatorLabels], outputs: fake, name: `cgan_${variant}_generator` });

  const image = tfl.input({ shape: [...networks.imageShape], name: 'image' });
  const labels = tfl.input({ shape: [numClasses], name: 'labels' });
  const logits = networks.discriminator(image, labels, layerBuilder(random.fork()));
  const discriminator = tfl.model({ inputs: [image, labels], outputs: logits, name: `cgan_${variant}_discriminator` });

  return withInfo(generator, discriminator, {
    name: model,
    imageShape: networks.imageShape,
    latentDim: networks.latentDim,
    numClasses,
    outputRange: validate.rangeOf(networks.activation),
    conditional: true,
  });
}
