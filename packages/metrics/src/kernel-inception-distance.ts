import { createRandom, formatShape, GanError, type Random } from '@gan/core';
import * as tf from '@tensorflow/tfjs-core';
import { meanAndStd, sumFloat64 } from './feature-matrix.js';

/** Options of {@link kernelInceptionDistance}. */
export interface KernelInceptionDistanceConfig {
  /** Number of random subsets the estimate is averaged over. Defaults to `100` (as torch-fidelity). */
  subsets?: number;
  /** Samples drawn (without replacement) from each set per subset; capped at the smaller set. Defaults to `1000`. */
  subsetSize?: number;
  /** Degree of the polynomial kernel `(x·y / dim + coef0)^degree`. Defaults to `3`. */
  degree?: number;
  /** Constant of the polynomial kernel. Defaults to `1`. */
  coef0?: number;
  /** Source of randomness for the subsets. Defaults to `createRandom(seed)`. */
  random?: Random;
  /** Seed used when `random` is not given. Defaults to a random seed. */
  seed?: number;
}

/** KID estimate: mean and spread of the unbiased MMD² over the subsets. */
export interface KernelInceptionDistance {
  /** Mean of the unbiased MMD² estimates of the subsets. */
  mean: number;
  /** Population standard deviation (divided by `subsets`) of the subset estimates. */
  std: number;
  /** Number of subsets averaged. */
  subsets: number;
  /** Samples per set in each subset. */
  subsetSize: number;
}

function polynomialKernel(x: tf.Tensor2D, y: tf.Tensor2D, degree: number, coef0: number): tf.Tensor2D {
  return tf.tidy(() => tf.pow(tf.add(tf.div(tf.matMul(x, y, false, true), x.shape[1]), coef0), degree)) as tf.Tensor2D;
}

/**
 * Kernel Inception Distance (Bińkowski et al., 2018): the squared maximum mean discrepancy between `real` and
 * `fake` features `[n, dim]` under the cubic polynomial kernel `k(x, y) = (x·y / dim + 1)³`, estimated without bias
 * (`Σ_{i≠j} k(xᵢ, xⱼ) / m(m−1) + Σ_{i≠j} k(yᵢ, yⱼ) / m(m−1) − 2 Σ k(xᵢ, yⱼ) / m²`) on `subsets` random subsets
 * of `subsetSize` samples each. Kernel matrices are computed with tfjs; their sums are taken in float64.
 * Unlike FID it is unbiased, so it compares fairly across sample counts; it can be slightly negative.
 */
export async function kernelInceptionDistance(
  real: tf.Tensor2D,
  fake: tf.Tensor2D,
  config: KernelInceptionDistanceConfig = {},
): Promise<KernelInceptionDistance> {
  if (real.rank !== 2 || fake.rank !== 2 || real.shape[1] !== fake.shape[1]) {
    throw new GanError(
      'SHAPE_MISMATCH',
      `Expected real and fake features of shape [n, dim] with the same dim, got ${formatShape(real.shape)} and ` +
        `${formatShape(fake.shape)}. Use one feature network for both sets.`,
    );
  }
  const subsets = config.subsets ?? 100;
  const degree = config.degree ?? 3;
  const coef0 = config.coef0 ?? 1;
  const m = Math.min(config.subsetSize ?? 1000, real.shape[0], fake.shape[0]);
  if (m < 2 || !Number.isInteger(subsets) || subsets < 1) {
    throw new GanError(
      'INVALID_ARGUMENT',
      `KID needs at least 2 samples per set and subsets ≥ 1, got ${m} samples (real ${real.shape[0]}, fake ` +
        `${fake.shape[0]}) and ${subsets} subsets. Evaluate more samples.`,
    );
  }
  const random = config.random ?? createRandom(config.seed);
  const pick = (n: number) => {
    const indices = random.shuffle(Int32Array.from({ length: n }, (_, i) => i)) as Int32Array;
    return tf.tensor1d(indices.subarray(0, m), 'int32');
  };
  const estimates: number[] = [];
  for (let s = 0; s < subsets; s++) {
    const realIndices = pick(real.shape[0]);
    const fakeIndices = pick(fake.shape[0]);
    const x = tf.gather(real, realIndices) as tf.Tensor2D;
    const y = tf.gather(fake, fakeIndices) as tf.Tensor2D;
    const kxx = polynomialKernel(x, x, degree, coef0);
    const kyy = polynomialKernel(y, y, degree, coef0);
    const kxy = polynomialKernel(x, y, degree, coef0);
    const sumXX = await sumFloat64(kxx, true);
    const sumYY = await sumFloat64(kyy, true);
    const sumXY = await sumFloat64(kxy);
    tf.dispose([realIndices, fakeIndices, x, y, kxx, kyy, kxy]);
    estimates.push((sumXX + sumYY) / (m * (m - 1)) - (2 * sumXY) / (m * m));
  }
  const { mean, std } = meanAndStd(estimates);
  return { mean, std, subsets, subsetSize: m };
}
