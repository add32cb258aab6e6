import { join } from 'node:path';
import { tensorBoardLogger } from '@gan/train/node';
import type { RunModels } from '../run/checkpoints.js';
import type { RunHooks } from './callbacks.js';
import type { TrainSettings } from './flags.js';

/** The TensorBoard log of a run folder (`tensorboard --logdir runs` shows every run under it). */
export function tensorBoardDir(out: string): string {
  return join(out, 'tensorboard');
}

/**
 * `DIR/tensorboard/`: a new event file per process with both losses, both learning rates, images/s, the
 * gradient norms (`--clip-grad-norm`) and the penalty term (`--penalty`) per step, the epoch means and FID, the
 * samples of each sample epoch (the image grid, or for 2-D data the scatter plot of samples/ over the real points in
 * grey) and, with `--tb-histograms`, the weights of both networks at epoch ends.
 * A resumed run starts its file after the checkpoint's step.
 */
export function tensorBoardHooks(
  settings: TrainSettings,
  context: {
    models: RunModels;
    histograms: boolean;
    resumeStep: number | undefined;
    /** The first real points of 2-D data, drawn under the samples (as in samples/). */
    realPreview?: Float32Array;
  },
): RunHooks & { close(): void } {
  const { models } = context;
  const logger = tensorBoardLogger(tensorBoardDir(settings.out), {
    batchSize: settings.batchSize * settings.discriminatorSteps,
    histograms: context.histograms ? { generator: models.generator, discriminator: models.discriminator } : undefined,
    resumeStep: context.resumeStep,
    realPoints: context.realPreview,
  });
  return {
    onStepEnd: logger.onStepEnd,
    onEpochEnd: logger.onEpochEnd,
    onSamples: logger.onSamples,
    onCheckpoint: () => logger.flush(),
    close: () => logger.close(),
  };
}
