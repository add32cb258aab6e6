import { createRandom, GanError } from '@gan/core';
import type { ArrayDataset } from '@gan/data';
import { frechetDistance } from '@gan/metrics';
import type * as tfl from '@tensorflow/tfjs-layers';
import * as tf from '@tensorflow/tfjs-core';
import { collect, featureSetup, realBatch } from './eval-command.js';

/** What {@link createFidEvaluator} needs. */
export interface FidEvaluatorConfig {
  /** The training data; its first `count` examples (or all, when fewer) are the reference. */
  data: ArrayDataset;
  /** Generated images per measurement. */
  count: number;
  /** Noise distribution of the run. */
  noise: 'normal' | 'uniform';
  /** Seed of the noise, the same for every measurement so that epochs compare. */
  seed: number;
  /** Images per forward pass. Defaults to `200`. */
  batchSize?: number;
}

/** Measures the FID of a generator during training, against statistics of the real data computed once. */
export interface FidEvaluator {
  /** FID of `generator`'s images (the same noise every call) against the real data. */
  measure(generator: tfl.LayersModel): Promise<number>;
  /** Real images used as the reference. */
  readonly realCount: number;
}

/**
 * The FID of `gan train --eval-every`: the same protocol as `gan eval` (the @gan/metrics digit classifier's
 * 64 features, images scaled to [0, 1]), so 28×28×1 runs only; noise drawn from its own seeded source, so
 * measuring never changes the training run.
 */
export async function createFidEvaluator(config: FidEvaluatorConfig): Promise<FidEvaluator> {
  const { data, count, noise, seed } = config;
  const batchSize = config.batchSize ?? 200;
  const shape = [...data.shape];
  if (shape.join(',') !== '28,28,1') {
    throw new GanError(
      'UNSUPPORTED',
      `--eval-every measures FID with the @gan/metrics digit classifier, which takes 28×28×1 images; this run's data is [${shape.join(', ')}]. ` +
        'Drop --eval-every (and --keep-best-by fid), and measure the saved generator with gan eval --features PATH instead.',
    );
  }
  const setup = await featureSetup(undefined, shape, '0,1');
  const realCount = Math.min(count, data.size);
  const real = await collect(setup, realCount, batchSize, (start, size) => realBatch(data, start, size), false);
  const realStatistics = real.statistics.statistics();
  const [low, high] = data.range as [number, number];
  return {
    realCount,
    async measure(generator) {
      const latentDim = generator.inputs[0]!.shape[1] as number;
      const numClasses = generator.inputs.length > 1 ? (generator.inputs[1]!.shape[1] as number) : undefined;
      const random = createRandom(seed);
      const fake = await collect(
        setup,
        count,
        batchSize,
        (start, size) =>
          tf.tidy((): tf.Tensor4D => {
            const values =
              noise === 'uniform' ? random.uniform(size * latentDim, -1, 1) : random.normal(size * latentDim);
            const z = tf.tensor2d(values, [size, latentDim]);
            let inputs: tf.Tensor | tf.Tensor[] = z;
            if (numClasses !== undefined) {
              const indices = Array.from({ length: size }, (_, i) => (start + i) % numClasses);
              inputs = [z, tf.cast(tf.oneHot(tf.tensor1d(indices, 'int32'), numClasses), 'float32')];
            }
            const output = generator.predict(inputs) as tf.Tensor4D;
            return tf.clipByValue(tf.div(tf.sub(output, low), high - low), 0, 1) as tf.Tensor4D;
          }),
        false,
      );
      return frechetDistance(realStatistics, fake.statistics.statistics());
    },
  };
}
