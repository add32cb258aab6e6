import { formatShape, formatValue, GanError, invalidArgument, isPositiveInteger, type Random } from '@gan/core';
import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';

/** How to move between two noise vectors. */
export type InterpolationMethod = 'slerp' | 'lerp';

function checkPair(a: tf.Tensor, b: tf.Tensor, what: string): void {
  if (a.shape.length !== b.shape.length || a.shape.some((size, i) => size !== b.shape[i])) {
    throw new GanError(
      'SHAPE_MISMATCH',
      `Expected ${what} of the same shape, got ${formatShape(a.shape)} and ${formatShape(b.shape)}.`,
    );
  }
}

/** Linear interpolation `(1 − t) a + t b`, elementwise. */
export function lerp(a: tf.Tensor, b: tf.Tensor, t: number): tf.Tensor {
  checkPair(a, b, 'two tensors to interpolate');
  return tf.tidy(() => tf.add(tf.mul(a, 1 - t), tf.mul(b, t)));
}

/**
 * Spherical linear interpolation (White, 2016, "Sampling generative networks") along the last axis:
 * `sin((1 − t)ω) / sin ω · a + sin(tω) / sin ω · b` with `ω` the angle between `a` and `b`. Rows of a `[n, d]`
 * tensor are interpolated independently. Where `a` and `b` are (nearly) parallel it falls back to {@link lerp}.
 * Preferred for Gaussian noise: a straight line between two samples passes through improbably short vectors.
 */
export function slerp(a: tf.Tensor, b: tf.Tensor, t: number): tf.Tensor {
  checkPair(a, b, 'two tensors to interpolate');
  return tf.tidy(() => {
    const axis = a.rank - 1;
    const norms = tf.mul(tf.norm(a, 'euclidean', axis, true), tf.norm(b, 'euclidean', axis, true));
    const cosine = tf.clipByValue(tf.div(tf.sum(tf.mul(a, b), axis, true), tf.maximum(norms, 1e-12)), -1, 1);
    const omega = tf.acos(cosine);
    const sine = tf.sin(omega);
    const parallel = tf.less(sine, 1e-6);
    const safeSine = tf.where(parallel, tf.onesLike(sine), sine);
    const weightA = tf.where(parallel, tf.fill(sine.shape, 1 - t), tf.div(tf.sin(tf.mul(omega, 1 - t)), safeSine));
    const weightB = tf.where(parallel, tf.fill(sine.shape, t), tf.div(tf.sin(tf.mul(omega, t)), safeSine));
    return tf.add(tf.mul(a, weightA), tf.mul(b, weightB));
  });
}

/** `steps` evenly spaced fractions from 0 to 1 (both ends included). */
function fractions(steps: number): number[] {
  if (!Number.isInteger(steps) || steps < 2) {
    throw invalidArgument('steps', 'an integer ≥ 2 (both ends included)', formatValue(steps));
  }
  return Array.from({ length: steps }, (_, i) => i / (steps - 1));
}

/** A row vector `[1, d]` from a `[d]` or `[1, d]` tensor. */
function asRow(vector: tf.Tensor, what: string): tf.Tensor2D {
  if (vector.rank === 1) return tf.expandDims(vector, 0) as tf.Tensor2D;
  if (vector.rank === 2 && vector.shape[0] === 1) return tf.clone(vector) as tf.Tensor2D;
  throw new GanError('SHAPE_MISMATCH', `Expected ${what} of shape [d] or [1, d], got ${formatShape(vector.shape)}.`);
}

/**
 * The `steps` points `[steps, d]` from `from` to `to` (each `[d]` or `[1, d]`), ends included, by `method`.
 */
export function interpolationPath(
  from: tf.Tensor,
  to: tf.Tensor,
  steps: number,
  method: InterpolationMethod = 'slerp',
): tf.Tensor2D {
  const ts = fractions(steps);
  if (method !== 'slerp' && method !== 'lerp') {
    throw new GanError('UNKNOWN_NAME', `Unknown interpolation method "${String(method)}". Expected slerp or lerp.`);
  }
  return tf.tidy(() => {
    const a = asRow(from, 'the start vector');
    const b = asRow(to, 'the end vector');
    checkPair(a, b, 'start and end vectors');
    const step = method === 'slerp' ? slerp : lerp;
    return tf.concat(ts.map((t) => step(a, b, t))) as tf.Tensor2D;
  });
}

/** Options of {@link interpolate}. */
export interface InterpolateConfig {
  /** How to move between the noise vectors. Defaults to `'slerp'`. */
  method?: InterpolationMethod;
  /** One-hot (or soft) labels `[numClasses]` or `[1, numClasses]` for a conditional generator. Defaults to none. */
  labels?: tf.Tensor;
  /**
   * Labels at the end of the path: the labels move linearly from `labels` to `toLabels` (interpolating one-hot
   * vectors, so the middle images mix two classes). Defaults to `labels` (the class stays fixed).
   */
  toLabels?: tf.Tensor;
}

/**
 * Images `[steps, ...]` of `generator` along the path from noise `z0` to `z1` (each `[latentDim]` or
 * `[1, latentDim]`), ends included. For a conditional generator pass `labels` (and `toLabels` to move between
 * classes too; with `z0 === z1` only the class changes). The caller owns the returned tensor.
 */
export function interpolate(
  generator: tfl.LayersModel,
  z0: tf.Tensor,
  z1: tf.Tensor,
  steps: number,
  config: InterpolateConfig = {},
): tf.Tensor {
  const conditional = generator.inputs.length > 1;
  if (conditional && !config.labels) {
    throw new GanError(
      'INVALID_ARGUMENT',
      `The generator "${generator.name}" takes labels as a second input; pass config.labels (one-hot [numClasses]).`,
    );
  }
  if (!conditional && (config.labels || config.toLabels)) {
    throw new GanError(
      'INVALID_ARGUMENT',
      `The generator "${generator.name}" takes no labels; leave out config.labels.`,
    );
  }
  return tf.tidy(() => {
    const noise = interpolationPath(z0, z1, steps, config.method ?? 'slerp');
    if (!conditional) return generator.predict(noise) as tf.Tensor;
    const labels = interpolationPath(config.labels!, config.toLabels ?? config.labels!, steps, 'lerp');
    return generator.predict([noise, labels]) as tf.Tensor;
  });
}

/**
 * Mean of the rows `indices` of `vectors` `[n, d]` (all rows when left out) as `[1, d]`: the latent vector behind a
 * chosen group of samples, as the DCGAN paper averages three samples per concept before doing arithmetic.
 */
export function meanVector(vectors: tf.Tensor2D, indices?: readonly number[]): tf.Tensor2D {
  if (vectors.rank !== 2) {
    throw new GanError('SHAPE_MISMATCH', `Expected vectors of shape [n, d], got ${formatShape(vectors.shape)}.`);
  }
  const bad = indices?.find((index) => !Number.isInteger(index) || index < 0 || index >= vectors.shape[0]);
  if (indices && (indices.length === 0 || bad !== undefined)) {
    throw new GanError(
      'INVALID_ARGUMENT',
      `Expected row indices in 0..${vectors.shape[0] - 1}, got [${indices.join(', ')}].`,
    );
  }
  return tf.tidy(() => {
    const chosen = indices ? tf.gather(vectors, tf.tensor1d([...indices], 'int32')) : vectors;
    return tf.mean(chosen, 0, true) as tf.Tensor2D;
  });
}

/**
 * Latent vector arithmetic `mean(a) − mean(b) + mean(c)` (Radford et al., 2016: "smiling woman − neutral woman +
 * neutral man"), each argument a `[k, d]` group of vectors (or one `[d]` / `[1, d]` vector). Returns `[1, d]`.
 */
export function latentArithmetic(a: tf.Tensor, b: tf.Tensor, c: tf.Tensor): tf.Tensor2D {
  return tf.tidy(() => {
    const mean = (group: tf.Tensor) => (group.rank === 1 ? tf.expandDims(group, 0) : tf.mean(group, 0, true));
    const [ma, mb, mc] = [mean(a), mean(b), mean(c)];
    checkPair(ma, mb, 'vectors a and b');
    checkPair(ma, mc, 'vectors a and c');
    return tf.add(tf.sub(ma, mb), mc) as tf.Tensor2D;
  });
}

/**
 * Noise `[count, latentDim]` from the truncated standard normal: values beyond `±threshold` are drawn again until
 * they fall inside (the "truncation trick" of BigGAN: smaller thresholds trade variety for fidelity).
 */
export function truncatedNoise(random: Random, count: number, latentDim: number, threshold: number): tf.Tensor2D {
  if (!(threshold > 0) || !Number.isFinite(threshold)) {
    throw new GanError('INVALID_ARGUMENT', `Expected a positive, finite truncation threshold, got ${threshold}.`);
  }
  if (!isPositiveInteger(count) || !isPositiveInteger(latentDim)) {
    throw invalidArgument('count and latentDim', 'positive integers', `${count} and ${latentDim}`);
  }
  const values = random.normal(count * latentDim);
  for (let i = 0; i < values.length; i++) {
    while (Math.abs(values[i]!) > threshold) values[i] = random.normal(1)[0]!;
  }
  return tf.tensor2d(values, [count, latentDim]);
}
