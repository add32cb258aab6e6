import { join } from 'node:path';
import { learningRateFactor, trainGanConfig } from '@gan/train';
import { tensorBoardLogger } from '@gan/train/node';
import type { RunModels } from '../run/checkpoints.js';
import type { RunHooks } from './callbacks.js';
import type { RunData } from './create-run.js';
import type { TrainSettings } from './flags.js';
import { trainRecipe } from './settings.js';

/** The TensorBoard log of a run folder (`tensorboard --logdir runs` shows every run under it). */
export function tensorBoardDir(out: string): string {
  return join(out, 'tensorboard');
}

/**
 * `DIR/tensorboard/`: a new event file per process with both losses, both learning rates and images/s per
 * step, the epoch means and FID, the sample grid of each sample epoch and, with `--tb-histograms`, the
 * weights of both networks at epoch ends. A resumed run starts its file at the checkpoint's step.
 */
export function tensorBoardHooks(
  settings: TrainSettings,
  context: { data: RunData; models: RunModels; histograms: boolean; resumeStep: number | undefined },
): RunHooks & { close(): void } {
  const { data, models } = context;
  const config = trainGanConfig(trainRecipe(settings), { ...models, data });
  const base = config.learningRate ?? 2e-4;
  const rates = [config.generatorLearningRate ?? base, config.discriminatorLearningRate ?? base];
  const schedule = config.learningRateSchedule;
  const logger = tensorBoardLogger(tensorBoardDir(settings.out), {
    batchSize: settings.batchSize * (config.discriminatorSteps ?? 1),
    histograms: context.histograms ? { generator: models.generator, discriminator: models.discriminator } : undefined,
    resumeStep: context.resumeStep,
    stepScalars: (info) => {
      // The trainer scales the rates before each update by the factor of the updates done before it.
      const factor = schedule === undefined ? 1 : learningRateFactor(schedule, info.globalStep - 1);
      return { 'learning_rate/generator': rates[0] * factor, 'learning_rate/discriminator': rates[1] * factor };
    },
  });
  return {
    onStepEnd: logger.onStepEnd,
    onEpochEnd: logger.onEpochEnd,
    onSamples: logger.onSamples,
    onCheckpoint: () => logger.flush(),
    close: () => logger.close(),
  };
}
