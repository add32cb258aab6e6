import { GanError } from '@gan/core';
import * as tf from '@tensorflow/tfjs-core';
import { assertFiniteOption } from './labels.js';
import { registerSecondOrderGradients } from './second-order-gradients.js';

/** The discriminator as a function of its (image) input: `x → logits`. Conditional models close over the labels. */
export type Critic = (x: tf.Tensor) => tf.Tensor;

/** The kinds of gradient penalty: WGAN-GP, R1 (on real data), R2 (on fake data). */
export type PenaltyKind = 'gp' | 'r1' | 'r2';

/** What a penalty is computed from. */
export interface PenaltyInput {
  /** The discriminator, differentiable with respect to its input. */
  critic: Critic;
  /** The real batch `[n, …]`. */
  real: tf.Tensor;
  /** The fake batch, same shape as `real`. */
  fake: tf.Tensor;
  /** Interpolation weights `[n]` in [0, 1], drawn per example (WGAN-GP only): `x̂ = α·real + (1 − α)·fake`. */
  alpha?: tf.Tensor;
}

/** A gradient penalty on the discriminator, added to its loss. */
export interface GanPenalty {
  readonly kind: PenaltyKind;
  readonly weight: number;
  /** The weighted penalty, a scalar, differentiable with respect to the critic's weights. */
  compute(input: PenaltyInput): tf.Scalar;
}

export interface PenaltyConfig {
  /** The penalty's weight (λ for WGAN-GP, γ for R1/R2). Defaults to `10`. */
  weight?: number;
}

/** ∇ₓ Σ critic(x), same shape as x. Uses second-order-safe gradients (see registerSecondOrderGradients). */
export function inputGradient(critic: Critic, x: tf.Tensor): tf.Tensor {
  registerSecondOrderGradients();
  return tf.grad((input: tf.Tensor) => tf.sum(critic(input)))(x);
}

/** Squared L2 norm of each example's slice: `[n, …] → [n]`. */
function squaredNormPerExample(gradient: tf.Tensor): tf.Tensor1D {
  const flat = tf.reshape(gradient, [gradient.shape[0], -1]);
  return tf.sum(tf.square(flat), 1) as tf.Tensor1D;
}

function weightOf(config: PenaltyConfig, factory: string): number {
  const weight = config.weight ?? 10;
  assertFiniteOption(weight, 'weight', factory);
  return weight;
}

/**
 * The WGAN-GP gradient penalty (Gulrajani et al. 2017): `λ·mean((‖∇D(x̂)‖₂ − 1)²)` on interpolates
 * `x̂ = α·real + (1 − α)·fake`, with one `α ~ U(0, 1)` per example (pass them as `alpha`). The norm is
 * `sqrt(‖g‖² + 1e−12)`, so its gradient stays finite where the gradient vanishes.
 */
export function gradientPenalty(config: PenaltyConfig = {}): GanPenalty {
  const weight = weightOf(config, 'gradientPenalty');
  return {
    kind: 'gp',
    weight,
    compute: ({ critic, real, fake, alpha }) => {
      if (alpha === undefined) {
        throw new GanError(
          'INVALID_ARGUMENT',
          'Expected interpolation weights alpha [n] for the WGAN-GP penalty, got none. Draw them from U(0, 1), one per example.',
        );
      }
      return tf.tidy(() => {
        const shape = [real.shape[0], ...real.shape.slice(1).map(() => 1)];
        const a = tf.reshape(tf.cast(alpha, 'float32'), shape);
        const interpolated = tf.add(fake, tf.mul(a, tf.sub(real, fake)));
        const norm = tf.sqrt(tf.add(squaredNormPerExample(inputGradient(critic, interpolated)), 1e-12));
        return tf.mul(weight, tf.mean(tf.square(tf.sub(norm, 1)))) as tf.Scalar;
      });
    },
  };
}

function zeroCenteredPenalty(kind: 'r1' | 'r2', config: PenaltyConfig, factory: string): GanPenalty {
  const weight = weightOf(config, factory);
  return {
    kind,
    weight,
    compute: ({ critic, real, fake }) =>
      tf.tidy(() => {
        const x = kind === 'r1' ? real : fake;
        return tf.mul(weight / 2, tf.mean(squaredNormPerExample(inputGradient(critic, x)))) as tf.Scalar;
      }),
  };
}

/** The R1 penalty (Mescheder et al. 2018) on real data: `γ/2·mean(‖∇D(real)‖²)`. */
export function r1Penalty(config: PenaltyConfig = {}): GanPenalty {
  return zeroCenteredPenalty('r1', config, 'r1Penalty');
}

/** The R2 penalty (Mescheder et al. 2018) on fake data: `γ/2·mean(‖∇D(fake)‖²)`. */
export function r2Penalty(config: PenaltyConfig = {}): GanPenalty {
  return zeroCenteredPenalty('r2', config, 'r2Penalty');
}

/** The penalty of `kind` (`'gp'`, `'r1'`, `'r2'`); throws UNKNOWN_NAME for anything else. */
export function createPenalty(config: PenaltyConfig & { kind: PenaltyKind }): GanPenalty {
  switch (config.kind) {
    case 'gp':
      return gradientPenalty(config);
    case 'r1':
      return r1Penalty(config);
    case 'r2':
      return r2Penalty(config);
    default:
      throw new GanError('UNKNOWN_NAME', `Unknown penalty kind "${String(config.kind)}". Known kinds: gp, r1, r2.`);
  }
}
