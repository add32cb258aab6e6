import { formatShape, GanError } from '@gan/core';
import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';

/**
 * What maps images to features: a layers model (or graph model) with one output `[n, dim]`, or two outputs
 * `[features, probabilities]` (see `featureAndProbabilityModel`), or a function that does the same.
 */
export type FeatureNetwork = Pick<tfl.LayersModel, 'predict'> | ((images: tf.Tensor) => tf.Tensor | tf.Tensor[]);

/** Features (and class probabilities when the network has a second output) of one batch. */
export interface FeatureBatch {
  /** `[n, dim]` features; flattened when the network returns feature maps. */
  features: tf.Tensor2D;
  /** `[n, classes]` probabilities, when the network returns a second output. */
  probabilities?: tf.Tensor2D;
}

/** Options of {@link extractFeatures}. */
export interface ExtractFeaturesConfig {
  /** Images passed to the network at once. Defaults to `100`. */
  batchSize?: number;
}

/** Runs `network` on `images` (one batch); the caller owns the returned tensors. */
export function featureBatch(network: FeatureNetwork, images: tf.Tensor): FeatureBatch {
  return tf.tidy(() => {
    const output = typeof network === 'function' ? network(images) : network.predict(images);
    const outputs = Array.isArray(output) ? output : [output];
    const [features, probabilities] = outputs as tf.Tensor[];
    if (!features || features.shape[0] !== images.shape[0]) {
      throw new GanError(
        'SHAPE_MISMATCH',
        `Expected the feature network to return [${images.shape[0]}, dim] for ${images.shape[0]} images, got ` +
          `${features ? `${formatShape(features.shape)}` : 'nothing'}.`,
      );
    }
    const flat = tf.reshape(features, [features.shape[0], -1]) as tf.Tensor2D;
    return probabilities
      ? { features: flat, probabilities: tf.reshape(probabilities, [probabilities.shape[0], -1]) as tf.Tensor2D }
      : { features: flat };
  });
}

/** Runs `network` over `images` `[n, ...]` in batches and concatenates the features (and probabilities). */
export function extractFeatures(
  network: FeatureNetwork,
  images: tf.Tensor,
  config: ExtractFeaturesConfig = {},
): FeatureBatch {
  const batchSize = config.batchSize ?? 100;
  const n = images.shape[0];
  const parts: FeatureBatch[] = [];
  for (let start = 0; start < n; start += batchSize) {
    const size = Math.min(batchSize, n - start);
    const batch = tf.slice(images, start, size);
    parts.push(featureBatch(network, batch));
    batch.dispose();
  }
  const features = tf.concat(parts.map((part) => part.features)) as tf.Tensor2D;
  const probabilities = parts.every((part) => part.probabilities)
    ? (tf.concat(parts.map((part) => part.probabilities!)) as tf.Tensor2D)
    : undefined;
  for (const part of parts) tf.dispose([part.features, ...(part.probabilities ? [part.probabilities] : [])]);
  return probabilities ? { features, probabilities } : { features };
}
