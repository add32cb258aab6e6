import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import type { Initializer } from './initializers.js';
import {
  assertPositiveInteger,
  assertPositiveNumber,
  type InitializerOption,
  type LayerArgs,
  serializeInitializer,
  toInitializer,
} from './layer-utils.js';
import { spectralNormalize } from './spectral-norm.js';

type LayerVariable = tfl.LayerVariable;

/** Options shared by {@link spectralDense} and {@link spectralConv2d}. */
export interface SpectralLayerConfig extends LayerArgs {
  /** Whether to add a bias (not normalized). Defaults to `true`. */
  useBias?: boolean;
  /** Kernel init (before normalization). Defaults to `tf.initializers.glorotUniform({})`, the tfjs default. */
  kernelInitializer?: InitializerOption;
  /** Bias init. Defaults to `tf.initializers.zeros()`. */
  biasInitializer?: InitializerOption;
  /**
   * Power iterations per call in training mode (`{ training: true }`); inference runs none and only reads `u`.
   * Defaults to `1` (as in the paper and PyTorch: `u` converges over the training steps).
   */
  powerIterations?: number;
  /** Lower bound of the norms in the power iteration and of σ. Defaults to `1e-12` (PyTorch's `eps`). */
  epsilon?: number;
  /**
   * Seed of the random start vector `u` (N(0, 1)). Defaults to `undefined` (unseeded); builders pass a seed
   * from `createRandom(seed).seed()` so that runs are reproducible. `u` is saved with the weights.
   */
  seed?: number;
}

/**
 * The part of the spectrally normalized layers that they share: the kernel, bias and the non-trainable power
 * iteration vector `u`, and {@link SpectralLayer.normalizedKernel}, which divides the kernel by σ(W). In training
 * mode it also advances `u` (written to the weight, like batch norm's moving statistics).
 */
export abstract class SpectralLayer extends tfl.layers.Layer {
  readonly useBias: boolean;
  readonly kernelInitializer: Initializer;
  readonly biasInitializer: Initializer;
  readonly powerIterations: number;
  readonly epsilon: number;
  readonly seed: number | undefined;
  protected kernel: LayerVariable | null = null;
  protected bias: LayerVariable | null = null;
  protected u: LayerVariable | null = null;

  constructor(config: SpectralLayerConfig) {
    super(config);
    this.useBias = config.useBias ?? true;
    this.kernelInitializer = toInitializer(config.kernelInitializer, () => tfl.initializers.glorotUniform({}));
    this.biasInitializer = toInitializer(config.biasInitializer, () => tfl.initializers.zeros());
    this.powerIterations = config.powerIterations ?? 1;
    assertPositiveInteger(this.powerIterations, `${this.getClassName()} powerIterations`);
    this.epsilon = config.epsilon ?? 1e-12;
    assertPositiveNumber(this.epsilon, `${this.getClassName()} epsilon`);
    this.seed = config.seed;
  }

  /** Creates kernel, bias and `u`; call from `build`. */
  protected addSpectralWeights(kernelShape: number[]): void {
    const units = kernelShape[kernelShape.length - 1];
    this.kernel = this.addWeight('kernel', kernelShape, 'float32', this.kernelInitializer, undefined, true);
    if (this.useBias) this.bias = this.addWeight('bias', [units], 'float32', this.biasInitializer, undefined, true);
    const uInitializer = tfl.initializers.randomNormal({ mean: 0, stddev: 1, seed: this.seed });
    this.u = this.addWeight('u', [units], 'float32', uInitializer, undefined, false);
  }

  /**
   * `W / σ(W)`. With `training`, first runs {@link SpectralLayerConfig.powerIterations} power iterations and
   * stores the new `u`. Call inside `tf.tidy`.
   */
  normalizedKernel(training = false): tf.Tensor {
    const kernel = (this.kernel as LayerVariable).read();
    const u = (this.u as LayerVariable).read() as tf.Tensor1D;
    const result = spectralNormalize(kernel, u, {
      powerIterations: training ? this.powerIterations : 0,
      epsilon: this.epsilon,
    });
    if (training) (this.u as LayerVariable).write(result.u);
    return result.kernel;
  }

  /** The current estimate of σ(W) from the stored `u`, without advancing it. */
  sigma(): number {
    return tf.tidy(() => {
      const kernel = (this.kernel as LayerVariable).read();
      const u = (this.u as LayerVariable).read() as tf.Tensor1D;
      return spectralNormalize(kernel, u, { powerIterations: 0, epsilon: this.epsilon }).sigma.dataSync()[0];
    });
  }

  protected addBias(output: tf.Tensor): tf.Tensor {
    return this.bias ? tf.add(output, this.bias.read()) : output;
  }

  override getConfig(): tf.serialization.ConfigDict {
    const config: tf.serialization.ConfigDict = {
      useBias: this.useBias,
      kernelInitializer: serializeInitializer(this.kernelInitializer),
      biasInitializer: serializeInitializer(this.biasInitializer),
      powerIterations: this.powerIterations,
      epsilon: this.epsilon,
    };
    if (this.seed !== undefined) config.seed = this.seed;
    return { ...config, ...super.getConfig() };
  }
}
