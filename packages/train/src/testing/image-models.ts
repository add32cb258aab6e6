import * as tfl from '@tensorflow/tfjs-layers';

/** A tiny image generator: z → dense(4·4) → reshape [4, 4, 1] → tanh. */
export function tinyImageGenerator(config: { latentDim?: number; seed?: number } = {}): tfl.LayersModel {
  const { latentDim = 3, seed = 31 } = config;
  return tfl.sequential({
    layers: [
      tfl.layers.dense({
        inputShape: [latentDim],
        units: 16,
        kernelInitializer: tfl.initializers.glorotUniform({ seed }),
      }),
      tfl.layers.reshape({ targetShape: [4, 4, 1] }),
      tfl.layers.activation({ activation: 'tanh' }),
    ],
  });
}

/** A tiny image discriminator: conv2d(2, 3×3) → (BN) → leakyReLU → flatten → dense(1) logits. */
export function tinyImageDiscriminator(config: { batchNorm?: boolean; seed?: number } = {}): tfl.LayersModel {
  const { batchNorm = false, seed = 41 } = config;
  return tfl.sequential({
    layers: [
      tfl.layers.conv2d({
        inputShape: [4, 4, 1],
        filters: 2,
        kernelSize: 3,
        padding: 'same',
        kernelInitializer: tfl.initializers.glorotUniform({ seed }),
      }),
      ...(batchNorm ? [tfl.layers.batchNormalization()] : []),
      tfl.layers.leakyReLU({ alpha: 0.2 }),
      tfl.layers.flatten(),
      tfl.layers.dense({ units: 1, kernelInitializer: tfl.initializers.glorotUniform({ seed: seed + 1 }) }),
    ],
  });
}
