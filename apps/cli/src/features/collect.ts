import { featureBatch, runningStatistics } from '@gan/metrics';
import * as tf from '@tensorflow/tfjs-core';
import type { FeatureSetup } from './network.js';

/** The features (and class probabilities) of a stream of images, as the metrics need them. */
export interface Collected {
  statistics: ReturnType<typeof runningStatistics>;
  features: Float32Array[];
  probabilities: Float32Array[];
  dim: number;
  classes: number;
}

/**
 * Runs `count` images, `batchSize` at a time from `makeBatch`, through the feature network: their running
 * statistics (for FID) and, with `keepFeatures`, the features themselves (for KID and precision/recall).
 */
export async function collect(
  setup: FeatureSetup,
  count: number,
  batchSize: number,
  makeBatch: (start: number, size: number) => tf.Tensor4D,
  keepFeatures: boolean,
): Promise<Collected> {
  let collected: Collected | undefined;
  for (let start = 0; start < count; start += batchSize) {
    const size = Math.min(batchSize, count - start);
    const images = makeBatch(start, size);
    const prepared = setup.prepare(images);
    const { features, probabilities } = featureBatch(setup.network, prepared);
    tf.dispose([images, prepared]);
    const values = (await features.data()) as Float32Array;
    collected ??= {
      statistics: runningStatistics(features.shape[1]),
      features: [],
      probabilities: [],
      dim: features.shape[1],
      classes: probabilities?.shape[1] ?? 0,
    };
    collected.statistics.add(values);
    if (keepFeatures) collected.features.push(values);
    if (probabilities) collected.probabilities.push((await probabilities.data()) as Float32Array);
    tf.dispose([features, ...(probabilities ? [probabilities] : [])]);
  }
  return collected!;
}
