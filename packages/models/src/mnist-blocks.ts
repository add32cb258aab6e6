import { GanError } from '@gan/core';
import * as tfl from '@tensorflow/tfjs-layers';
import { chain, type LayerBuilder } from './layer-builder.js';
import type { ImageShape, OutputActivation } from './types.js';

/** The MNIST DCGAN (pytorch-generative-model-collections) needs height and width divisible by 4. */
export function assertQuarterable(imageShape: ImageShape, model: string): void {
  if (imageShape[0] % 4 !== 0 || imageShape[1] % 4 !== 0) {
    throw new GanError(
      'INVALID_ARGUMENT',
      `Expected imageShape of ${model} to have a height and width divisible by 4 (two stride-2 layers), got ` +
        `[${imageShape.join(', ')}]. Resize the images, e.g. to [28, 28, ${imageShape[2]}] or [32, 32, ${imageShape[2]}].`,
    );
  }
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
): tfl.SymbolicTensor {
  const [height, width, channels] = imageShape;
  const cells = (height / 4) * (width / 4) * 128;
  return chain(
    input,
    g.dense(1024),
    g.batchNorm(),
    g.relu(),
    g.dense(cells),
    g.batchNorm(),
    g.relu(),
    tfl.layers.reshape({ targetShape: [height / 4, width / 4, 128] }),
    g.convTranspose({ filters: 64 }),
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
export function mnistDiscriminatorTrunk(input: tfl.SymbolicTensor, d: LayerBuilder): tfl.SymbolicTensor {
  return chain(
    input,
    d.conv({ filters: 64 }),
    d.leakyRelu(),
    d.conv({ filters: 128 }),
    d.batchNorm(),
    d.leakyRelu(),
    tfl.layers.flatten(),
    d.dense(1024),
    d.batchNorm(),
    d.leakyRelu(),
  );
}

/** {@link mnistDiscriminatorTrunk} → Dense 1 (logits). */
export function mnistDiscriminator(input: tfl.SymbolicTensor, d: LayerBuilder): tfl.SymbolicTensor {
  return chain(mnistDiscriminatorTrunk(input, d), d.dense(1));
}
