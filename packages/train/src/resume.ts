import { GanError } from '@gan/core';
import type { TrainingState } from './training-state.js';

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
