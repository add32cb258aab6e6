import { GanError } from '@gan/core';
import type { PenaltyKind } from '@gan/losses';
import type { AugmentPolicy } from './augment.js';
import type { LearningRateSchedule } from './learning-rate.js';
import type { CheckpointConfig } from './training-state.js';
import type { NoiseKind, TrainGanConfig } from './types.js';

/** The version of {@link TrainRecipe} this package writes and reads. */
export const trainRecipeVersion = 1;

/** Learning-rate decays a recipe can name (`learningRateDecay`). */
export const learningRateDecays = ['linear', 'exponential'] as const;
export type LearningRateDecay = (typeof learningRateDecays)[number];

/**
 * How a GAN is trained, as plain data that survives `JSON.stringify`: everything of {@link TrainGanConfig}
 * except the networks, the data, the hooks and the state of a run. `gan train` stores it, verbatim, as the
 * `training` of a run's config.json. A field named like one of `TrainGanConfig` means the same and is passed
 * on as it is by {@link trainGanConfig}; the others are described here.
 */
export interface TrainRecipe {
  /** Format version ({@link trainRecipeVersion}). */
  version: 1;
  epochs: number;
  batchSize: number;
  learningRate: number;
  generatorLearningRate?: number;
  discriminatorLearningRate?: number;
  /**
   * Decay of both learning rates over the run's steps (`epochs` × steps per epoch): `linear` to 0 at the last
   * step; `exponential` by 0.1^(step / total steps), ending at 0.1×. Defaults to none.
   */
  learningRateDecay?: LearningRateDecay;
  beta1: number;
  /** Adam's β₂; `0.999` without it. */
  beta2?: number;
  /** A loss's registered name in `@gan/losses`. */
  loss: string;
  noise: NoiseKind;
  /** Seed of the random source (noise, labels, shuffling), unless the caller passes its own `random`. */
  seed: number;
  /** 1-based epochs after which samples are drawn; every epoch without it. */
  sampleEpochs?: number[];
  discriminatorSteps: number;
  augment: AugmentPolicy[];
  penalty?: { kind: PenaltyKind; weight: number };
  clipGradientNorm?: number;
  labelNoise: number;
  /** Decay of the generator's moving average (`ema.decay`); none without it. */
  ema?: number;
  /** Also hand a checkpoint to `checkpoint.save` every this many steps (`checkpoint.everySteps`). */
  checkpointEvery?: number;
}

/**
 * What {@link trainGanConfig} takes besides a recipe: the networks, the data, and what belongs to one run
 * (random source, hooks, abort signal, where checkpoints go, the state to resume from).
 */
export type TrainRecipeParts = Omit<TrainGanConfig, keyof TrainRecipe | 'learningRateSchedule' | 'checkpoint'> & {
  checkpoint?: Omit<CheckpointConfig, 'everySteps'>;
};

/**
 * The schedule of `learningRateDecay` over a run of `totalSteps` generator updates: `linear` goes from 1× to
 * 0× the base rates by the last step; `exponential` multiplies them by 0.1^(step / totalSteps), ending at 0.1×.
 */
export function learningRateDecaySchedule(
  decay: LearningRateDecay | undefined,
  totalSteps: number,
): LearningRateSchedule | undefined {
  if (decay === undefined) return undefined;
  const steps = Math.max(1, totalSteps);
  return decay === 'linear' ? { kind: 'linear', steps, endFactor: 0 } : { kind: 'exponential', decay: 0.1, steps };
}

/** The configuration of `trainGan` that trains by `recipe` on `parts.data`. */
export function trainGanConfig(recipe: TrainRecipe, parts: TrainRecipeParts): TrainGanConfig {
  const { version, learningRateDecay, ema, checkpointEvery, ...passed } = recipe;
  checkRecipeVersion(version);
  const stepsPerEpoch = Math.floor(parts.data.batchCount(recipe.batchSize, true) / recipe.discriminatorSteps);
  return {
    ...parts,
    ...passed,
    learningRateSchedule: learningRateDecaySchedule(learningRateDecay, recipe.epochs * stepsPerEpoch),
    ema: ema === undefined ? undefined : { decay: ema },
    checkpoint: parts.checkpoint === undefined ? undefined : { ...parts.checkpoint, everySteps: checkpointEvery },
  };
}

function checkRecipeVersion(version: unknown): void {
  if (version !== trainRecipeVersion) {
    throw new GanError(
      'UNSUPPORTED',
      `Expected a training recipe of version ${trainRecipeVersion}, got version ${String(version)}. Update @gan/train to use it.`,
    );
  }
}

/**
 * A stored recipe as this version reads it. A recipe without `version` is one `gan train` wrote before
 * recipes had one (its config.json `training`): its `sampleEpochs: 'every'` becomes no `sampleEpochs`, and
 * fields added since (`discriminatorSteps`, `augment`, `labelNoise`) get the values those runs trained with.
 * Fields the recipe does not know (a caller's own, kept beside it) stay as they are.
 */
export function readTrainRecipe<T extends object>(stored: T): T & TrainRecipe {
  const recipe = stored as T & Omit<Partial<TrainRecipe>, 'sampleEpochs'> & { sampleEpochs?: number[] | 'every' };
  if (recipe.version !== undefined) {
    checkRecipeVersion(recipe.version);
    return recipe as T & TrainRecipe;
  }
  const { sampleEpochs, ...rest } = recipe;
  return {
    ...rest,
    version: trainRecipeVersion,
    ...(sampleEpochs === undefined || sampleEpochs === 'every' ? {} : { sampleEpochs }),
    discriminatorSteps: recipe.discriminatorSteps ?? 1,
    augment: recipe.augment ?? [],
    labelNoise: recipe.labelNoise ?? 0,
  } as T & TrainRecipe;
}
