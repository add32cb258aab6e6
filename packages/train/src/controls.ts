import { GanError, integerAtLeast, positiveNumber, type Random } from '@gan/core';
import { createPenalty, type GanPenalty } from '@gan/losses';
import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { augmentPolicies, diffAugment } from './augment.js';
import { cloneModel, updateEma } from './ema.js';
import type { GanTrainerConfig } from './types.js';

/** The optional training controls of a trainer and its step count. */
export interface TrainingControls {
  /** Generator updates done so far. */
  step: number;
  penalty: GanPenalty | undefined;
  emaGenerator: tfl.LayersModel | undefined;
  clipGradientNorm: number | undefined;
  /** DiffAugment with freshly drawn parameters, or the input itself when `augment` is empty. */
  augment(x: tf.Tensor): tf.Tensor;
  /** `[n]` 0/1 flags, each 1 with probability `labelNoise`; `undefined` without label noise. */
  drawFlips(count: number): tf.Tensor1D | undefined;
  /** Updates the EMA generator and counts the step. */
  afterGeneratorStep(): void;
}

/** Validates the control options of `config` and builds them (EMA clone, penalty, augmentation, label noise). */
export function trainingControls(
  config: GanTrainerConfig,
  generator: tfl.LayersModel,
  exampleShape: readonly number[],
  random: Random,
): TrainingControls {
  const initialStep = config.initialStep ?? 0;
  integerAtLeast(initialStep, 0, 'initialStep');
  const labelNoise = config.labelNoise ?? 0;
  if (!(labelNoise >= 0 && labelNoise < 1)) {
    throw new GanError(
      'INVALID_ARGUMENT',
      `Expected labelNoise to be a fraction in [0, 1), got ${String(labelNoise)}.`,
    );
  }
  const policies = config.augment ?? [];
  if (policies.length > 0 && exampleShape.length !== 3) {
    throw new GanError(
      'UNSUPPORTED',
      `Expected an image generator ([n, h, w, c] output) for augment, got examples of shape [${exampleShape.join(', ')}]. Leave augment out for non-image data.`,
    );
  }
  for (const policy of policies) {
    if (!augmentPolicies.includes(policy)) {
      throw new GanError(
        'UNKNOWN_NAME',
        `Unknown augment policy "${String(policy)}". Known policies: ${augmentPolicies.join(', ')}.`,
      );
    }
  }
  if (config.clipGradientNorm !== undefined) positiveNumber(config.clipGradientNorm, 'clipGradientNorm');
  const ema = config.ema;
  if (ema !== undefined) {
    if (!(ema.decay >= 0 && ema.decay < 1)) {
      throw new GanError(
        'INVALID_ARGUMENT',
        `Expected ema.decay to be in [0, 1) (e.g. 0.999), got ${String(ema.decay)}.`,
      );
    }
    integerAtLeast(ema.startStep ?? 0, 0, 'ema.startStep');
  }
  const controls: TrainingControls = {
    step: initialStep,
    penalty: config.penalty === undefined ? undefined : createPenalty(config.penalty),
    emaGenerator: ema === undefined ? undefined : cloneModel(generator),
    clipGradientNorm: config.clipGradientNorm,
    augment: (x) => (policies.length === 0 ? x : diffAugment(x, policies, random)),
    drawFlips: (count) => {
      if (labelNoise === 0) return undefined;
      const draws = random.uniform(count, 0, 1);
      return tf.tensor1d(draws.map((u) => (u < labelNoise ? 1 : 0)));
    },
    afterGeneratorStep: () => {
      if (ema !== undefined && controls.emaGenerator !== undefined) {
        const decay = controls.step >= (ema.startStep ?? 0) ? ema.decay : 0;
        updateEma(controls.emaGenerator, generator, decay);
      }
      controls.step++;
    },
  };
  return controls;
}
