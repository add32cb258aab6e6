import * as tfl from '@tensorflow/tfjs-layers';
import { chain, type LayerBuilder } from './layer-builder.js';

/** The number of stride-2 layers between 4×4 and `imageSize` × `imageSize`: log2(imageSize) − 2. */
function stridedLayers(imageSize: number): number {
  return Math.log2(imageSize) - 2;
}

/**
 * The generator of the PyTorch DCGAN tutorial (as in `dcgan`): input `[n, width]` (z, or z and labels) → 1×1 →
 * ConvTranspose2d(4, 1, 0) to 4×4×(ngf·2^(k−1)) → k − 1 ConvTranspose2d(4, 2, 1) halving the channels, each + BN +
 * ReLU → ConvTranspose2d(4, 2, 1) to `channels` → tanh; k = log2(imageSize) − 2. No biases.
 */
export function dcganGenerator(
  input: tfl.SymbolicTensor,
  imageSize: number,
  channels: number,
  ngf: number,
  g: LayerBuilder,
): tfl.SymbolicTensor {
  const upsamplings = stridedLayers(imageSize);
  let x = chain(
    input,
    tfl.layers.reshape({ targetShape: [1, 1, input.shape[1] as number] }),
    g.convTranspose({ filters: ngf * 2 ** (upsamplings - 1), strides: 1, padding: 'valid', useBias: false }),
    g.batchNorm(),
    g.relu(),
  );
  for (let i = upsamplings - 2; i >= 0; i--) {
    x = chain(x, g.convTranspose({ filters: ngf * 2 ** i, useBias: false }), g.batchNorm(), g.relu());
  }
  return chain(
    x,
    g.convTranspose({ filters: channels, useBias: false }),
    tfl.layers.activation({ activation: 'tanh' }),
  );
}

/**
 * The discriminator of the PyTorch DCGAN tutorial (as in `dcgan`): input `[n, imageSize, imageSize, c]` (the image,
 * or the image and label maps) → Conv2d(4, 2, 1) to ndf + LeakyReLU(0.2) → Conv2d(4, 2, 1) doubling the channels +
 * BN + LeakyReLU down to 4×4 → Conv2d(4, 1, 0) to 1×1×1 → flatten: logits `[n, 1]` (no sigmoid). No biases.
 */
export function dcganDiscriminator(
  input: tfl.SymbolicTensor,
  imageSize: number,
  ndf: number,
  d: LayerBuilder,
): tfl.SymbolicTensor {
  let y = chain(input, d.conv({ filters: ndf, useBias: false }), d.leakyRelu());
  for (let i = 1; i < stridedLayers(imageSize); i++) {
    y = chain(y, d.conv({ filters: ndf * 2 ** i, useBias: false }), d.batchNorm(), d.leakyRelu());
  }
  return chain(y, d.conv({ filters: 1, strides: 1, padding: 'valid', useBias: false }), tfl.layers.flatten());
}
