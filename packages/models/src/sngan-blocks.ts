import type { Random } from '@gan/core';
import { formatShape, GanError } from '@gan/core';
import { conditionalBatchNorm, dcganGammaInitializer } from '@gan/layers';
import * as tfl from '@tensorflow/tfjs-layers';
import { chain, type LayerBuilder } from './layer-builder.js';
import type { SpectralBuilder } from './spectral-builder.js';
import type { ImageShape } from './types.js';

/** The SNGAN "standard CNN" needs height and width divisible by 8 (three stride-2 layers). */
export function assertEighthable(imageShape: ImageShape, model: string): void {
  if (imageShape[0] % 8 !== 0 || imageShape[1] % 8 !== 0) {
    throw new GanError(
      'INVALID_ARGUMENT',
      `Expected imageShape of ${model} to have a height and width divisible by 8 (three stride-2 layers), got ` +
        `${formatShape(imageShape)}. Resize or pad the images, e.g. 28×28 MNIST to [32, 32, ${imageShape[2]}].`,
    );
  }
}

/** Conditioning of the generator's normalizations: plain batch norm, or class-conditional batch norm. */
export interface GeneratorConditioning {
  labels: tfl.SymbolicTensor;
  numClasses: number;
  random: Random;
}

/**
 * The SNGAN standard-CNN generator (Miyato et al. 2018, table 3): z → Dense (h/8·w/8·8ngf) + BN + ReLU → reshape →
 * three ConvTranspose2d(4, 2, 1) to 4ngf, 2ngf, ngf, each + BN + ReLU → Conv2d(3, 1, 1) to `channels` → tanh.
 * With `conditioning`, each BN is a `ConditionalBatchNorm` on the labels (Miyato & Koyama 2018), whose per-class
 * γ start at N(1, 0.02) so that classes differ from the start.
 */
export function snganGenerator(
  z: tfl.SymbolicTensor,
  imageShape: ImageShape,
  ngf: number,
  g: LayerBuilder,
  conditioning?: GeneratorConditioning,
): tfl.SymbolicTensor {
  const [height, width, channels] = imageShape;
  const normalize = (x: tfl.SymbolicTensor): tfl.SymbolicTensor => {
    if (!conditioning) return g.batchNorm().apply(x) as tfl.SymbolicTensor;
    const layer = conditionalBatchNorm({
      numClasses: conditioning.numClasses,
      momentum: 0.9,
      epsilon: 1e-5,
      gammaInitializer: dcganGammaInitializer({ seed: conditioning.random.seed() }),
    });
    return layer.apply([x, conditioning.labels]) as tfl.SymbolicTensor;
  };
  const block = (x: tfl.SymbolicTensor, layer: InstanceType<typeof tfl.layers.Layer>) =>
    g.relu().apply(normalize(layer.apply(x) as tfl.SymbolicTensor)) as tfl.SymbolicTensor;
  let x = block(z, g.dense((height / 8) * (width / 8) * ngf * 8));
  x = tfl.layers.reshape({ targetShape: [height / 8, width / 8, ngf * 8] }).apply(x) as tfl.SymbolicTensor;
  for (const multiple of [4, 2, 1]) x = block(x, g.convTranspose({ filters: ngf * multiple }));
  return chain(
    x,
    g.conv({ filters: channels, kernelSize: 3, strides: 1 }),
    tfl.layers.activation({ activation: 'tanh' }),
  );
}

/**
 * The SNGAN standard-CNN discriminator trunk, every convolution spectrally normalized and followed by
 * LeakyReLU(0.1): Conv(3, 1) ndf → Conv(4, 2) ndf → Conv(3, 1) 2ndf → Conv(4, 2) 2ndf → Conv(3, 1) 4ndf →
 * Conv(4, 2) 4ndf → Conv(3, 1) 8ndf. Output `[n, h/8, w/8, 8ndf]`.
 */
export function snganDiscriminatorTrunk(
  image: tfl.SymbolicTensor,
  ndf: number,
  d: SpectralBuilder,
): tfl.SymbolicTensor {
  const leaky = () => tfl.layers.leakyReLU({ alpha: 0.1 });
  let x = image;
  for (const multiple of [1, 2, 4]) {
    x = chain(x, d.conv(ndf * multiple, 3, 1), leaky(), d.conv(ndf * multiple, 4, 2), leaky());
  }
  return chain(x, d.conv(ndf * 8, 3, 1), leaky());
}
