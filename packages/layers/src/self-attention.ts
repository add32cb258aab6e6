import { formatShape, GanError } from '@gan/core';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import type { Initializer } from './initializers.js';
import {
  assertPositiveInteger,
  type InitializerOption,
  type LayerArgs,
  type Shape,
  serializeInitializer,
  singleShape,
  singleTensor,
  toInitializer,
} from './layer-utils.js';

type LayerVariable = tfl.LayerVariable;

/** Options of {@link selfAttention}. */
export interface SelfAttentionConfig extends LayerArgs {
  /**
   * Channels of the query and key projections f and g. Defaults to `max(1, floor(channels / 8))`, as in SAGAN.
   */
  attentionChannels?: number;
  /** Init of the 1×1 kernels of f, g and h. Defaults to `tf.initializers.glorotUniform({})`. */
  kernelInitializer?: InitializerOption;
}

/**
 * Self-attention of SAGAN (Zhang et al. 2019) over the positions of images `[n, h, w, c]`. With 1×1 convolutions
 * (with bias) f, g → `attentionChannels` and h → c, and N = h·w positions:
 * `s_ji = g(x_j) · f(x_i)`, `β_j = softmax_i(s_j)`, `o_j = Σ_i β_ji h(x_i)`, output `γ · o + x`. γ is a trainable
 * scalar initialised to 0, so the layer starts as the identity and learns how much attention to mix in.
 * Weights: `f_kernel`, `f_bias`, `g_kernel`, `g_bias`, `h_kernel`, `h_bias`, `gamma` `[1]`. Memory grows as N².
 */
export class SelfAttention extends tfl.layers.Layer {
  /** @nocollapse */
  static className = 'SelfAttention';
  readonly attentionChannels: number | undefined;
  readonly kernelInitializer: Initializer;
  private weightsOf: Record<'f' | 'g' | 'h', { kernel: LayerVariable; bias: LayerVariable }> | null = null;
  private gamma: LayerVariable | null = null;

  constructor(config: SelfAttentionConfig = {}) {
    super(config);
    if (config.attentionChannels !== undefined) {
      assertPositiveInteger(config.attentionChannels, 'SelfAttention attentionChannels');
    }
    this.attentionChannels = config.attentionChannels;
    this.kernelInitializer = toInitializer(config.kernelInitializer, () => tfl.initializers.glorotUniform({}));
  }

  private imageShape(inputShape: Shape | Shape[]): Shape {
    const shape = singleShape(inputShape);
    if (shape.length !== 4 || shape[3] == null) {
      throw new GanError(
        'SHAPE_MISMATCH',
        `SelfAttention expects feature maps of shape [n, height, width, channels], got ${formatShape(shape)}.`,
      );
    }
    return shape;
  }

  override build(inputShape: Shape | Shape[]): void {
    const channels = this.imageShape(inputShape)[3] as number;
    const inner = this.attentionChannels ?? Math.max(1, Math.floor(channels / 8));
    const projection = (name: string, units: number) => ({
      kernel: this.addWeight(`${name}_kernel`, [channels, units], 'float32', this.kernelInitializer, undefined, true),
      bias: this.addWeight(`${name}_bias`, [units], 'float32', tfl.initializers.zeros(), undefined, true),
    });
    this.weightsOf = { f: projection('f', inner), g: projection('g', inner), h: projection('h', channels) };
    this.gamma = this.addWeight('gamma', [1], 'float32', tfl.initializers.zeros(), undefined, true);
    this.built = true;
  }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    return this.imageShape(inputShape);
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => {
      const x = singleTensor(inputs) as tf.Tensor4D;
      this.imageShape(x.shape);
      const [n, height, width, channels] = x.shape;
      const positions = tf.reshape(x, [n * height * width, channels]) as tf.Tensor2D;
      const weights = this.weightsOf as NonNullable<typeof this.weightsOf>;
      // A 1×1 convolution is a dense layer applied at every position.
      const project = (name: 'f' | 'g' | 'h') => {
        const { kernel, bias } = weights[name];
        const out = tf.add(tf.matMul(positions, kernel.read() as tf.Tensor2D), bias.read());
        return tf.reshape(out, [n, height * width, kernel.shape[1] as number]) as tf.Tensor3D;
      };
      const keys = project('f');
      const queries = project('g');
      const values = project('h');
      const attention = tf.softmax(tf.matMul(queries, keys, false, true)); // [n, N (j), N (i)], rows sum to 1
      const attended = tf.reshape(tf.matMul(attention, values), x.shape);
      return tf.add(tf.mul((this.gamma as LayerVariable).read(), attended), x);
    });
  }

  override getConfig(): tf.serialization.ConfigDict {
    const config: tf.serialization.ConfigDict = { kernelInitializer: serializeInitializer(this.kernelInitializer) };
    if (this.attentionChannels !== undefined) config.attentionChannels = this.attentionChannels;
    return { ...config, ...super.getConfig() };
  }
}

/**
 * Creates a {@link SelfAttention} layer (SAGAN).
 *
 * @example
 * const attended = selfAttention().apply(features); // same shape; identity until γ moves away from 0
 */
export function selfAttention(config: SelfAttentionConfig = {}): SelfAttention {
  return new SelfAttention(config);
}
