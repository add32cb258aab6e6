import { formatShape, GanError } from '@gan/core';
import * as tf from '@tensorflow/tfjs-core';

/** Options of {@link precisionRecall}. */
export interface PrecisionRecallConfig {
  /** The k of the k-nearest-neighbour radius of each sample. Defaults to `3` (as Kynkäänniemi et al.). */
  k?: number;
  /** Rows of a distance block computed at once (memory: `blockSize × n` floats). Defaults to `1024`. */
  blockSize?: number;
}

/** Improved precision and recall. */
export interface PrecisionRecall {
  /** Fraction of fake samples inside the estimated manifold of the real ones (fidelity). */
  precision: number;
  /** Fraction of real samples inside the estimated manifold of the fake ones (coverage). */
  recall: number;
  /** The k used. */
  k: number;
}

/** Calls `visit(row, distances)` with the squared distances `[rows of a, n of b]` block by block. */
async function forEachDistanceBlock(
  a: tf.Tensor2D,
  b: tf.Tensor2D,
  blockSize: number,
  visit: (row: number, squared: Float32Array, columns: number) => void,
): Promise<void> {
  const bNorms = tf.tidy(() => tf.reshape(tf.sum(tf.square(b), 1), [1, -1]));
  const rows = a.shape[0];
  for (let start = 0; start < rows; start += blockSize) {
    const size = Math.min(blockSize, rows - start);
    const block = tf.tidy(() => {
      const part = tf.slice(a, [start, 0], [size, -1]);
      const aNorms = tf.sum(tf.square(part), 1, true);
      return tf.relu(tf.sub(tf.add(aNorms, bNorms), tf.mul(tf.matMul(part, b, false, true), 2)));
    });
    const values = (await block.data()) as Float32Array;
    block.dispose();
    for (let r = 0; r < size; r++) visit(start + r, values.subarray(r * b.shape[0], (r + 1) * b.shape[0]), b.shape[0]);
  }
  bNorms.dispose();
}

/** Squared distance of each sample of `points` to its k-th nearest other sample. */
async function kthNeighbourRadii(points: tf.Tensor2D, k: number, blockSize: number): Promise<Float64Array> {
  const radii = new Float64Array(points.shape[0]);
  const smallest = new Float64Array(k + 1);
  await forEachDistanceBlock(points, points, blockSize, (row, squared) => {
    smallest.fill(Number.POSITIVE_INFINITY);
    for (let j = 0; j < squared.length; j++) {
      const value = j === row ? 0 : squared[j]!;
      if (value >= smallest[k]!) continue;
      let i = k;
      while (i > 0 && smallest[i - 1]! > value) {
        smallest[i] = smallest[i - 1]!;
        i--;
      }
      smallest[i] = value;
    }
    // smallest[0] is the sample itself (distance 0); smallest[k] is its k-th neighbour.
    radii[row] = smallest[k]!;
  });
  return radii;
}

/** Fraction of `queries` that fall within the radius of at least one of `support`. */
async function coverage(queries: tf.Tensor2D, support: tf.Tensor2D, radii: Float64Array, blockSize: number) {
  let inside = 0;
  await forEachDistanceBlock(queries, support, blockSize, (_row, squared) => {
    for (let j = 0; j < squared.length; j++) {
      if (squared[j]! <= radii[j]!) {
        inside += 1;
        return;
      }
    }
  });
  return inside / queries.shape[0];
}

/**
 * Improved precision and recall (Kynkäänniemi et al., 2019) of `fake` against `real` features `[n, dim]`: each set's
 * manifold is the union of balls around its samples with the distance to their k-th nearest neighbour as radius;
 * precision is the share of fake samples inside the real manifold, recall the share of real samples inside the
 * fake manifold. O(n²) distances, computed in blocks with tfjs.
 */
export async function precisionRecall(
  real: tf.Tensor2D,
  fake: tf.Tensor2D,
  config: PrecisionRecallConfig = {},
): Promise<PrecisionRecall> {
  const k = config.k ?? 3;
  const blockSize = config.blockSize ?? 1024;
  if (real.rank !== 2 || fake.rank !== 2 || real.shape[1] !== fake.shape[1]) {
    throw new GanError(
      'SHAPE_MISMATCH',
      `Expected real and fake features of shape [n, dim] with the same dim, got ${formatShape(real.shape)} and ` +
        `${formatShape(fake.shape)}.`,
    );
  }
  if (!Number.isInteger(k) || k < 1 || k >= Math.min(real.shape[0], fake.shape[0])) {
    throw new GanError(
      'INVALID_ARGUMENT',
      `Expected k to be an integer from 1 to one less than the smaller set (${Math.min(real.shape[0], fake.shape[0])}), got ${k}.`,
    );
  }
  const realRadii = await kthNeighbourRadii(real, k, blockSize);
  const fakeRadii = await kthNeighbourRadii(fake, k, blockSize);
  const precision = await coverage(fake, real, realRadii, blockSize);
  const recall = await coverage(real, fake, fakeRadii, blockSize);
  return { precision, recall, k };
}
