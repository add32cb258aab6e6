import type { Random } from '@gan/core';
import { dcganWeightInitializer, spectralConv2d, spectralDense } from '@gan/layers';
import type * as tfl from '@tensorflow/tfjs-layers';

type Layer = InstanceType<typeof tfl.layers.Layer>;

/**
 * Spectrally normalized layers (`SpectralConv2D`, `SpectralDense` of @gan/layers) with the DCGAN kernel init
 * N(0, 0.02) and biases 0. Each layer draws its kernel seed and its power-iteration seed from `random`, in build
 * order, so one seed gives the same weights on every build.
 */
export interface SpectralBuilder {
  /** A spectrally normalized convolution, `'same'` padding. */
  conv(filters: number, kernelSize: number, strides: number): Layer;
  /** A spectrally normalized dense layer. */
  dense(units: number, useBias?: boolean): Layer;
}

export function spectralBuilder(random: Random): SpectralBuilder {
  return {
    conv: (filters, kernelSize, strides) =>
      spectralConv2d({
        filters,
        kernelSize,
        strides,
        padding: 'same',
        kernelInitializer: dcganWeightInitializer({ seed: random.seed() }),
        seed: random.seed(),
      }),
    dense: (units, useBias = true) =>
      spectralDense({
        units,
        useBias,
        kernelInitializer: dcganWeightInitializer({ seed: random.seed() }),
        seed: random.seed(),
      }),
  };
}
