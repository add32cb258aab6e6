import type { Random } from '@gan/core';
import { batchNormalization, conv2d, dcganGammaInitializer, dcganWeightInitializer, dense } from '@gan/layers';
import * as tfl from '@tensorflow/tfjs-layers';

type Layer = InstanceType<typeof tfl.layers.Layer>;

/** Options of a convolution, in PyTorch terms where they differ. */
export interface ConvOptions {
  filters: number;
  /** Defaults to `4`. */
  kernelSize?: number;
  /** Defaults to `2`. */
  strides?: number;
  /**
   * `'same'` is PyTorch's padding 1 for kernel 4 and stride 2 (on even sizes: `Conv2d(4, 2, 1)` halves,
   * `ConvTranspose2d(4, 2, 1)` doubles); `'valid'` is padding 0. Defaults to `'same'`.
   */
  padding?: 'same' | 'valid';
  /** Defaults to `true`. */
  useBias?: boolean;
}

/**
 * Layers configured as their PyTorch counterparts with the DCGAN init (kernels N(0, 0.02), biases 0,
 * batch-norm γ N(1, 0.02), β 0). Each layer draws its initializer seeds from `random` in build order, so one
 * seed gives the same weights on every build.
 */
export interface LayerBuilder {
  dense(units: number, useBias?: boolean): Layer;
  conv(options: ConvOptions): Layer;
  convTranspose(options: ConvOptions): Layer;
  /** `nn.BatchNorm1d` / `nn.BatchNorm2d` defaults: momentum 0.1 (tfjs `0.9`), epsilon 1e-5, over the last axis. */
  batchNorm(): Layer;
  leakyRelu(): Layer;
  relu(): Layer;
}

export function layerBuilder(random: Random): LayerBuilder {
  const kernel = () => dcganWeightInitializer({ seed: random.seed() });
  const conv = (options: ConvOptions) => ({
    filters: options.filters,
    kernelSize: options.kernelSize ?? 4,
    strides: options.strides ?? 2,
    padding: options.padding ?? 'same',
    useBias: options.useBias ?? true,
    kernelInitializer: kernel(),
    biasInitializer: 'zeros' as const,
  });
  return {
    // @gan/layers' Dense: tfjs's layer, trained without the gradients nothing needs (see there).
    dense: (units, useBias = true) => dense({ units, useBias, kernelInitializer: kernel(), biasInitializer: 'zeros' }),
    // @gan/layers' Conv2D: tfjs's layer, trained without the gradients nothing needs (see there).
    conv: (options) => conv2d(conv(options)),
    convTranspose: (options) => tfl.layers.conv2dTranspose(conv(options)),
    // @gan/layers' BatchNormalization: tfjs's layer with a one-kernel training path where the backend has it.
    batchNorm: () =>
      batchNormalization({
        axis: -1,
        momentum: 0.9,
        epsilon: 1e-5,
        gammaInitializer: dcganGammaInitializer({ seed: random.seed() }),
        betaInitializer: 'zeros',
      }),
    leakyRelu: () => tfl.layers.leakyReLU({ alpha: 0.2 }),
    relu: () => tfl.layers.reLU(),
  };
}

/** Applies `layers` one after the other. */
export function chain(input: tfl.SymbolicTensor, ...layers: Layer[]): tfl.SymbolicTensor {
  return layers.reduce((x, layer) => layer.apply(x) as tfl.SymbolicTensor, input);
}
