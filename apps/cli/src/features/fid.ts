import { createRandom, GanError } from '@gan/core';
import type { ArrayDataset } from '@gan/data';
import { frechetDistance } from '@gan/metrics';
import type * as tfl from '@tensorflow/tfjs-layers';
import { collect } from './collect.js';
import { generatedImages, generatedLabels, referenceImages } from './images.js';
import { builtInShapes, featureSetup } from './network.js';

/** What {@link createFidEvaluator} needs. */
export interface FidEvaluatorConfig {
  /** The training data; the reference is `count` of its examples (or all, when fewer), chosen as `gan eval` does. */
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
  /** Short name of the feature network, e.g. `emoji classifier`, for each figure's line. */
  readonly network: string;
  /** The feature network and what it was trained on, to print with the figures. */
  readonly protocol: string;
}

/**
 * The FID of `gan train --eval-every`: the same protocol as `gan eval` (the built-in feature network of
 * @gan/metrics for the data's shape: the digit classifier's 64 features for 28×28×1, the emoji classifier's
 * 128 for 64×64×3; images scaled to [0, 1]; the same choice of real images and of labels for a conditional
 * generator); noise drawn from its own seeded source, so measuring never changes the training run.
 */
export async function createFidEvaluator(config: FidEvaluatorConfig): Promise<FidEvaluator> {
  const { data, count, noise, seed } = config;
  const batchSize = config.batchSize ?? 200;
  const shape = [...data.shape];
  let setup: Awaited<ReturnType<typeof featureSetup>>;
  try {
    setup = await featureSetup(undefined, shape, '0,1');
  } catch (cause) {
    if (!GanError.isInstance(cause)) throw cause;
    throw new GanError(
      'UNSUPPORTED',
      `--eval-every measures FID with the built-in feature networks of @gan/metrics: ${builtInShapes()}; this run's data is [${shape.join(', ')}]. ` +
        'Drop --eval-every (and --keep-best-by fid), and measure the saved generator with gan eval --features PATH instead.',
      { cause },
    );
  }
  const realCount = Math.min(count, data.size);
  const real = await collect(setup, realCount, batchSize, referenceImages(data, setup.selection, realCount), false);
  const realStatistics = real.statistics.statistics();
  return {
    realCount,
    network: setup.name,
    protocol: setup.description,
    async measure(generator) {
      const numClasses = generator.inputs.length > 1 ? (generator.inputs[1]!.shape[1] as number) : undefined;
      const makeBatch = generatedImages(generator, {
        noise,
        range: data.range as [number, number],
        random: createRandom(seed),
        labelOf:
          numClasses === undefined ? undefined : generatedLabels(data, setup.selection, count, numClasses).labelOf,
      });
      const fake = await collect(setup, count, batchSize, makeBatch, false);
      return frechetDistance(realStatistics, fake.statistics.statistics());
    },
  };
}
