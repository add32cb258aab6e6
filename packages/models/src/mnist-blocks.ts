import { formatShape, formatValue, GanError, invalidArgument, isPositiveInteger } from '@gan/core';
import * as tfl from '@tensorflow/tfjs-layers';
import { chain, type LayerBuilder } from './layer-builder.js';
import type { ImageShape, OutputActivation } from './types.js';

/** The MNIST DCGAN (pytorch-generative-model-collections) needs height and width divisible by 4. */
export function assertQuarterable(imageShape: ImageShape, model: string): void {
  if (imageShape[0] % 4 !== 0 || imageShape[1] % 4 !== 0) {
    throw new GanError(
      'INVALID_ARGUMENT',
      `Expected imageShape of ${model} to have a height and width divisible by 4 (two stride-2 layers), got ` +
        `${formatShape(imageShape)}. Resize the images, e.g. to [28, 28, ${imageShape[2]}] or [32, 32, ${imageShape[2]}].`,
    );
  }
}

/** Widths of the MNIST generator: the first dense layer, the feature maps after the reshape, the transposed conv. */
export interface MnistGeneratorWidths {
  hidden: number;
  features: number;
  filters: number;
}

/** Widths of the MNIST discriminator: the two convolutions and the dense layer. */
export interface MnistDiscriminatorWidths {
  filters: [number, number];
  hidden: number;
}

/** The widths of both MNIST networks. */
export interface MnistWidths {
  generator: MnistGeneratorWidths;
  discriminator: MnistDiscriminatorWidths;
}

/** Checks the `widths` option (every width a positive integer) or gives the material's. */
export function mnistWidths(widths: MnistWidths | undefined, model: string): MnistWidths {
  if (widths === undefined) {
    return {
      generator: { hidden: 1024, features: 128, filters: 64 },
      discriminator: { filters: [64, 128], hidden: 1024 },
    };
  }
  const { generator: g, discriminator: d } = widths;
  const all = [g?.hidden, g?.features, g?.filters, d?.filters?.[0], d?.filters?.[1], d?.hidden];
  if (!all.every(isPositiveInteger) || d.filters.length !== 2) {
    throw invalidArgument(
      `widths of ${model}`,
      '{ generator: { hidden, features, filters }, discriminator: { filters: [a, b], hidden } } of positive integers',
      formatValue(widths),
    );
  }
  return widths;
}

/**
 * Dense 1024 + BN + ReLU → Dense (h/4·w/4·128) + BN + ReLU → reshape → ConvTranspose2d 64 (4, 2, 1) + BN + ReLU →
 * ConvTranspose2d `channels` (4, 2, 1) → sigmoid/tanh. Biases on, as in the PyTorch code.
 */
export function mnistGenerator(
  input: tfl.SymbolicTensor,
  imageShape: ImageShape,
  activation: OutputActivation,
  g: LayerBuilder,
  widths: MnistGeneratorWidths = { hidden: 1024, features: 128, filters: 64 },
): tfl.SymbolicTensor {
  const [height, width, channels] = imageShape;
  const cells = (height / 4) * (width / 4) * widths.features;
  return chain(
    input,
    g.dense(widths.hidden),
    g.batchNorm(),
    g.relu(),
    g.dense(cells),
    g.batchNorm(),
    g.relu(),
    tfl.layers.reshape({ targetShape: [height / 4, width / 4, widths.features] }),
    g.convTranspose({ filters: widths.filters }),
    g.batchNorm(),
    g.relu(),
    g.convTranspose({ filters: channels }),
    tfl.layers.activation({ activation }),
  );
}

/**
 * The features of the MNIST discriminator: Conv2d 64 (4, 2, 1) + LeakyReLU(0.2) → Conv2d 128 (4, 2, 1) + BN +
 * LeakyReLU → flatten → Dense 1024 + BN + LeakyReLU. Biases on. ACGAN puts its two heads on it.
 */
export function mnistDiscriminatorTrunk(
  input: tfl.SymbolicTensor,
  d: LayerBuilder,
  widths: MnistDiscriminatorWidths = { filters: [64, 128], hidden: 1024 },
): tfl.SymbolicTensor {
  return chain(
    input,
    d.conv({ filters: widths.filters[0] }),
    d.leakyRelu(),
    d.conv({ filters: widths.filters[1] }),
    d.batchNorm(),
    d.leakyRelu(),
    tfl.layers.flatten(),
    d.dense(widths.hidden),
    d.batchNorm(),
    d.leakyRelu(),
  );
}

/** {@link mnistDiscriminatorTrunk} → Dense 1 (logits). */
export function mnistDiscriminator(
  input: tfl.SymbolicTensor,
  d: LayerBuilder,
  widths?: MnistDiscriminatorWidths,
): tfl.SymbolicTensor {
  return chain(mnistDiscriminatorTrunk(input, d, widths), d.dense(1));
}
