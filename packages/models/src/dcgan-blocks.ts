import * as tfl from '@tensorflow/tfjs-layers';
import { chain, type LayerBuilder } from './layer-builder.js';

/**
 * The generator of the PyTorch DCGAN tutorial (as in `dcgan`): z → 1×1 → ConvTranspose2d(4, 1, 0) to
 * 4×4×(ngf·2^(k−1)) → k − 1 ConvTranspose2d(4, 2, 1) halving the channels, each + BN + ReLU →
 * ConvTranspose2d(4, 2, 1) to `channels` → tanh; k = log2(imageSize) − 2. No biases.
 */
export function dcganGenerator(
  z: tfl.SymbolicTensor,
  latentDim: number,
  imageSize: number,
  channels: number,
  ngf: number,
  g: LayerBuilder,
): tfl.SymbolicTensor {
  const upsamplings = Math.log2(imageSize) - 2;
  let x = chain(
    z,
    tfl.layers.reshape({ targetShape: [1, 1, latentDim] }),
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
