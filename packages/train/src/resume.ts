import { GanError, type Random } from '@gan/core';
import type { Batch, Dataset } from '@gan/data';
import * as tf from '@tensorflow/tfjs-core';
import { trainableVariables } from './models.js';
import {
  type EpochSums,
  emptyEpochSums,
  restoreModelWeights,
  restoreOptimizerState,
  type TrainingState,
} from './training-state.js';
import type { EpochRecord, GanTrainer } from './types.js';

/** What the run about to resume looks like, to check a saved {@link TrainingState} against. */
export interface ResumeExpectation {
  stepsPerEpoch: number;
  batchSize: number;
  discriminatorSteps: number;
  sampleCount: number;
  latentDim: number;
}

function mismatch(what: string, saved: string | number, now: string | number): GanError {
  return new GanError(
    'INVALID_ARGUMENT',
    `Cannot resume: the checkpoint was saved with ${what} ${saved}, this run has ${now}. ` +
      'Resume with the data and settings the run was started with.',
  );
}

/** Throws a clear GanError when `state` cannot continue the run described by `expected`. */
export function checkResumeState(state: TrainingState, expected: ResumeExpectation): void {
  if (state.version !== 1) {
    throw new GanError(
      'UNSUPPORTED',
      `Expected a training state of version 1, got version ${String(
        state.version,
      )}. Update @gan/train to resume this run.`,
    );
  }
  if (state.batchSize !== expected.batchSize) throw mismatch('batchSize', state.batchSize, expected.batchSize);
  if (state.discriminatorSteps !== expected.discriminatorSteps) {
    throw mismatch('discriminatorSteps', state.discriminatorSteps, expected.discriminatorSteps);
  }
  if (state.stepsPerEpoch !== expected.stepsPerEpoch) {
    throw mismatch('steps per epoch (data size ÷ batch size)', state.stepsPerEpoch, expected.stepsPerEpoch);
  }
  const [count, latentDim] = state.fixedNoise.shape;
  if (latentDim !== expected.latentDim) throw mismatch('latentDim', latentDim, expected.latentDim);
  if (count !== expected.sampleCount) throw mismatch('sampleCount', count, expected.sampleCount);
  if (state.fixedNoise.values.length !== count * latentDim) {
    throw new GanError(
      'CORRUPT_FILE',
      `Expected ${count * latentDim} fixed-noise values in the training state, got ${
        state.fixedNoise.values.length
      }. Resume from an earlier checkpoint.`,
    );
  }
}

/** Where {@link restoreTrainer} leaves a resumed run. */
export interface RestoredRun {
  /** The run's fixed sample noise, as a tensor the caller owns. */
  fixedNoise: tf.Tensor2D;
  /** Records of the epochs completed before the state was taken (copies). */
  history: EpochRecord[];
  globalStep: number;
  /** The first epoch the loop runs: the one the state was taken in, or the next when it was complete. */
  firstEpoch: number;
}

/**
 * Checks `state` against the run about to resume (see {@link checkResumeState}) and puts it back into
 * `trainer`: both optimizers' state, the moving-average generator, and the random source as it was when the
 * state was taken. The networks' own weights are the caller's to restore.
 */
export async function restoreTrainer(
  trainer: GanTrainer,
  state: TrainingState,
  expected: ResumeExpectation,
): Promise<RestoredRun> {
  checkResumeState(state, expected);
  await restoreOptimizerState(
    trainer.generatorOptimizer,
    state.optimizers.generator,
    trainableVariables(trainer.generator, 'generator'),
    'generator',
  );
  await restoreOptimizerState(
    trainer.discriminatorOptimizer,
    state.optimizers.discriminator,
    trainableVariables(trainer.discriminator, 'discriminator'),
    'discriminator',
  );
  if (trainer.emaGenerator !== undefined) {
    if (state.emaGenerator === undefined) {
      throw new GanError(
        'INVALID_ARGUMENT',
        'Cannot resume with ema: the checkpoint holds no moving-average generator (its run had no ema). Resume without ema.',
      );
    }
    restoreModelWeights(trainer.emaGenerator, state.emaGenerator, 'moving-average generator');
  }
  const fixedNoise = tf.tensor2d(state.fixedNoise.values, state.fixedNoise.shape);
  trainer.random.setState(state.randomState);
  return {
    fixedNoise,
    history: state.history.map((record) => ({ ...record })),
    globalStep: state.globalStep,
    firstEpoch: state.stepInEpoch >= state.stepsPerEpoch ? state.epoch + 1 : state.epoch,
  };
}

/** How an epoch of the loop begins. */
export interface EpochStart {
  /** Steps already done in the epoch: 0, or those done before the state a run resumes from was taken. */
  steps: number;
  sums: EpochSums;
  /** The random source's state before the epoch's shuffle. */
  epochRandomState: number[];
  /** Whether the epoch is the unfinished one of the state resumed from, to be replayed by {@link epochBatches}. */
  replay: boolean;
}

/** Where `epoch` begins: from scratch, or, for the epoch `resume` was taken in the middle of, where it was. */
export function epochStart(
  epoch: number,
  stepsPerEpoch: number,
  random: Random,
  resume: TrainingState | undefined,
): EpochStart {
  const replay = resume !== undefined && epoch === resume.epoch && resume.stepInEpoch < stepsPerEpoch;
  if (!replay) return { steps: 0, sums: emptyEpochSums(), epochRandomState: random.getState(), replay };
  return {
    steps: resume.stepInEpoch,
    sums: { ...resume.epochSums },
    epochRandomState: [...resume.epochRandomState],
    replay,
  };
}

/**
 * One epoch's batches. For the epoch a resumed state was taken in (`start.replay`), the epoch's shuffle is
 * replayed from the random state it began with, the batches already trained on are skipped (and disposed),
 * and the random source then goes on from the state of the moment the checkpoint was taken.
 */
export function epochBatches(
  data: Dataset,
  options: { batchSize: number; shuffle: boolean; discriminatorSteps: number },
  random: Random,
  start: EpochStart,
  resume: TrainingState | undefined,
): AsyncIterable<Batch> {
  if (start.replay) random.setState(start.epochRandomState);
  const batches = data.batches({ batchSize: options.batchSize, shuffle: options.shuffle, random, dropLast: true });
  if (!start.replay || resume === undefined) return batches;
  return skipBatches(batches, resume.stepInEpoch * options.discriminatorSteps, () =>
    random.setState(resume.randomState),
  );
}

/** `batches` without the first `count` (disposed); `afterSkipping` runs once the last of them is passed. */
async function* skipBatches(
  batches: AsyncIterable<Batch>,
  count: number,
  afterSkipping: () => void,
): AsyncGenerator<Batch> {
  let skip = count;
  for await (const batch of batches) {
    if (skip > 0) {
      batch.x.dispose();
      batch.labels?.dispose();
      if (--skip === 0) afterSkipping();
      continue;
    }
    yield batch;
  }
}
