import { GanError } from '@gan/core';
import type * as tf from '@tensorflow/tfjs-core';

/**
 * A learning-rate schedule: the factor the base learning rate is multiplied by before training step `step`
 * (0-based count of generator updates done). Either a function, or:
 *
 * - `{ kind: 'linear', steps, endFactor?, startStep? }`: 1 until `startStep` (default `0`), then linearly
 *   down to `endFactor` (default `0`) over `steps` steps, then `endFactor`.
 * - `{ kind: 'exponential', decay, steps? }`: `decay^(step / steps)` (`steps` defaults to `1`).
 */
export type LearningRateSchedule =
  | ((step: number) => number)
  | { kind: 'linear'; steps: number; endFactor?: number; startStep?: number }
  | { kind: 'exponential'; decay: number; steps?: number };

/** The factor of `schedule` at `step`; throws INVALID_ARGUMENT for a factor that is not finite and ≥ 0. */
export function learningRateFactor(schedule: LearningRateSchedule | undefined, step: number): number {
  let factor: number;
  if (schedule === undefined) factor = 1;
  else if (typeof schedule === 'function') factor = schedule(step);
  else if (schedule.kind === 'linear') {
    const startStep = schedule.startStep ?? 0;
    const endFactor = schedule.endFactor ?? 0;
    const progress = Math.min(1, Math.max(0, (step - startStep) / schedule.steps));
    factor = 1 + (endFactor - 1) * progress;
  } else if (schedule.kind === 'exponential') {
    factor = schedule.decay ** (step / (schedule.steps ?? 1));
  } else {
    throw new GanError(
      'UNKNOWN_NAME',
      `Unknown learningRateSchedule kind "${String(
        (schedule as { kind: unknown }).kind,
      )}". Known kinds: linear, exponential, or pass a function (step) => factor.`,
    );
  }
  if (!(Number.isFinite(factor) && factor >= 0)) {
    throw new GanError(
      'INVALID_ARGUMENT',
      `Expected learningRateSchedule to give a finite factor ≥ 0, got ${String(factor)} at step ${step}.`,
    );
  }
  return factor;
}

interface WithLearningRate {
  learningRate: number;
}

/** The optimizer's learning rate (every tfjs optimizer keeps it in `learningRate`), or `undefined`. */
export function readLearningRate(optimizer: tf.Optimizer): number | undefined {
  const value = (optimizer as unknown as Partial<WithLearningRate>).learningRate;
  return typeof value === 'number' ? value : undefined;
}

/** Sets the optimizer's learning rate (read by tfjs optimizers on every `applyGradients`). */
export function writeLearningRate(optimizer: tf.Optimizer, value: number): void {
  (optimizer as unknown as WithLearningRate).learningRate = value;
}
