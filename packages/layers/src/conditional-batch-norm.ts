import { formatShape, GanError } from '@gan/core';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { besselFactor } from './batch-normalization.js';
import type { Initializer } from './initializers.js';
import {
  assertPositiveInteger,
  assertPositiveNumber,
  type InitializerOption,
  type LayerArgs,
  type Shape,
  serializeInitializer,
  toInitializer,
} from './layer-utils.js';

type LayerVariable = tfl.LayerVariable;

/** Options of {@link conditionalBatchNorm}. */
export interface ConditionalBatchNormConfig extends LayerArgs {
  /** Number of classes (width of the one-hot labels). Required. */
  numClasses: number;
  /**
   * Weight of the old value in the moving averages (tfjs convention: PyTorch's `momentum=0.1` is `0.9`).
   * Defaults to `0.9`.
   */
  momentum?: number;
  /** Added to the variance. Defaults to `1e-5` (PyTorch). */
  epsilon?: number;
  /** Init of the per-class scales γ `[numClasses, channels]`. Defaults to `tf.initializers.ones()`. */
  gammaInitializer?: InitializerOption;
  /** Init of the per-class offsets β `[numClasses, channels]`. Defaults to `tf.initializers.zeros()`. */
  betaInitializer?: InitializerOption;
}

/**
 * Class-conditional batch normalization (de Vries et al. 2017; Miyato & Koyama 2018): inputs `[x, labels]`,
 * x `[n, ..., channels]` and one-hot labels `[n, numClasses]`. Normalizes x over every axis but the last (batch
 * statistics with `{ training: true }`, which also update the moving mean and variance; moving statistics
 * otherwise, as tfjs `batchNormalization`), then scales and shifts with the label's own γ and β:
 * `γ_y = labels · gamma`, `β_y = labels · beta` (so soft labels mix the classes' parameters).
 * Weights: `gamma`, `beta` `[numClasses, channels]`, and non-trainable `moving_mean`, `moving_variance` `[channels]`.
 */
export class ConditionalBatchNorm extends tfl.layers.Layer {
  /** @nocollapse */
  static className = 'ConditionalBatchNorm';
  readonly numClasses: number;
  readonly momentum: number;
  readonly epsilon: number;
  readonly gammaInitializer: Initializer;
  readonly betaInitializer: Initializer;
  private gamma: LayerVariable | null = null;
  private beta: LayerVariable | null = null;
  private movingMean: LayerVariable | null = null;
  private movingVariance: LayerVariable | null = null;

  constructor(config: ConditionalBatchNormConfig) {
    super(config);
    assertPositiveInteger(config?.numClasses, 'ConditionalBatchNorm numClasses');
    this.numClasses = config.numClasses;
    this.momentum = config.momentum ?? 0.9;
    if (!(this.momentum >= 0 && this.momentum < 1)) {
      throw new GanError('INVALID_ARGUMENT', `Expected ConditionalBatchNorm momentum in [0, 1), got ${this.momentum}.`);
    }
    this.epsilon = config.epsilon ?? 1e-5;
    assertPositiveNumber(this.epsilon, 'ConditionalBatchNorm epsilon');
    this.gammaInitializer = toInitializer(config.gammaInitializer, () => tfl.initializers.ones());
    this.betaInitializer = toInitializer(config.betaInitializer, () => tfl.initializers.zeros());
  }

  private shapes(inputShape: Shape | Shape[]): [Shape, Shape] {
    const shapes = inputShape as Shape[];
    const valid =
      Array.isArray(shapes[0]) &&
      shapes.length === 2 &&
      shapes[0].length >= 2 &&
      shapes[0][shapes[0].length - 1] != null &&
      shapes[1].length === 2 &&
      shapes[1][1] === this.numClasses;
    if (!valid) {
      const got = Array.isArray(shapes[0])
        ? shapes.map((s) => formatShape(s)).join(' and ')
        : formatShape(shapes as unknown as Shape);
      throw new GanError(
        'SHAPE_MISMATCH',
        `ConditionalBatchNorm expects two inputs, features [n, ..., channels] and one-hot labels [n, ${this.numClasses}], ` +
          `got ${got}. Apply it as conditionalBatchNorm(config).apply([features, labels]).`,
      );
    }
    return [shapes[0], shapes[1]];
  }

  override build(inputShape: Shape | Shape[]): void {
    const [features] = this.shapes(inputShape);
    const channels = features[features.length - 1] as number;
    const classShape = [this.numClasses, channels];
    this.gamma = this.addWeight('gamma', classShape, 'float32', this.gammaInitializer, undefined, true);
    this.beta = this.addWeight('beta', classShape, 'float32', this.betaInitializer, undefined, true);
    this.movingMean = this.addWeight('moving_mean', [channels], 'float32', tfl.initializers.zeros(), undefined, false);
    this.movingVariance = this.addWeight(
      'moving_variance',
      [channels],
      'float32',
      tfl.initializers.ones(),
      undefined,
      false,
    );
    this.built = true;
  }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    return this.shapes(inputShape)[0];
  }

  override call(inputs: tf.Tensor | tf.Tensor[], kwargs: Record<string, unknown>): tf.Tensor {
    return tf.tidy(() => {
      const [x, labels] = inputs as tf.Tensor[];
      this.shapes([x.shape, labels.shape]);
      const channels = x.shape[x.rank - 1];
      const axes = Array.from({ length: x.rank - 1 }, (_, i) => i);
      let mean: tf.Tensor;
      let variance: tf.Tensor;
      const movingMean = this.movingMean as LayerVariable;
      const movingVariance = this.movingVariance as LayerVariable;
      if (kwargs?.training === true) {
        ({ mean, variance } = tf.moments(x, axes));
        const keep = this.momentum;
        movingMean.write(tf.add(tf.mul(movingMean.read(), keep), tf.mul(mean, 1 - keep)));
        // The unbiased batch variance, as PyTorch's BatchNorm keeps its running variance.
        const unbiased = tf.mul(variance, besselFactor(x, x.rank - 1));
        movingVariance.write(tf.add(tf.mul(movingVariance.read(), keep), tf.mul(unbiased, 1 - keep)));
      } else {
        mean = movingMean.read();
        variance = movingVariance.read();
      }
      const normalized = tf.div(tf.sub(x, mean), tf.sqrt(tf.add(variance, this.epsilon)));
      const perExample = [x.shape[0], ...Array<number>(x.rank - 2).fill(1), channels];
      const gamma = tf.reshape(
        tf.matMul(labels as tf.Tensor2D, (this.gamma as LayerVariable).read() as tf.Tensor2D),
        perExample,
      );
      const beta = tf.reshape(
        tf.matMul(labels as tf.Tensor2D, (this.beta as LayerVariable).read() as tf.Tensor2D),
        perExample,
      );
      return tf.add(tf.mul(normalized, gamma), beta);
    });
  }

  override getConfig(): tf.serialization.ConfigDict {
    return {
      numClasses: this.numClasses,
      momentum: this.momentum,
      epsilon: this.epsilon,
      gammaInitializer: serializeInitializer(this.gammaInitializer),
      betaInitializer: serializeInitializer(this.betaInitializer),
      ...super.getConfig(),
    };
  }
}

/**
 * Creates a {@link ConditionalBatchNorm} layer, applied to `[features, oneHotLabels]`.
 *
 * @example
 * const normed = conditionalBatchNorm({ numClasses: 10 }).apply([features, labels]); // shape of features
 */
export function conditionalBatchNorm(config: ConditionalBatchNormConfig): ConditionalBatchNorm {
  return new ConditionalBatchNorm(config);
}
