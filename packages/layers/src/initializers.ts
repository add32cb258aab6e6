import * as tfl from '@tensorflow/tfjs-layers';

/** A tfjs-layers initializer (what `kernelInitializer` and friends accept). */
export type Initializer = ReturnType<typeof tfl.initializers.randomNormal>;

/** Options of the DCGAN initializers. */
export interface DcganInitializerConfig {
  /**
   * Seed of the normal draw, so that the same seed gives the same weights. Give every layer its own seed
   * (e.g. from `createRandom(seed).seed()` of @gan/core): layers with the same seed and shape get the same
   * weights. Defaults to `undefined` (unseeded: different weights on each build).
   */
  seed?: number;
}

/**
 * The DCGAN paper's weight init for conv, transposed conv and dense kernels: N(0, 0.02)
 * (`nn.init.normal_(w, 0.0, 0.02)` in the PyTorch tutorial). It is a tfjs `RandomNormal` initializer, so it
 * serializes as one and loads without @gan/layers.
 */
export function dcganWeightInitializer(config: DcganInitializerConfig = {}): Initializer {
  return tfl.initializers.randomNormal({ mean: 0, stddev: 0.02, seed: config.seed });
}

/**
 * The DCGAN paper's init of batch-norm scales γ: N(1, 0.02) (`nn.init.normal_(w, 1.0, 0.02)` in the PyTorch
 * tutorial; β stays 0). A tfjs `RandomNormal` initializer, like {@link dcganWeightInitializer}.
 */
export function dcganGammaInitializer(config: DcganInitializerConfig = {}): Initializer {
  return tfl.initializers.randomNormal({ mean: 1, stddev: 0.02, seed: config.seed });
}
