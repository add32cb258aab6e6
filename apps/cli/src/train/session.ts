import type { createRandom } from '@gan/core';
import { GanError } from '@gan/core';
import { cloneModel, type TrainingState, trainGan, trainGanConfig } from '@gan/train';
import type * as tf from '@tensorflow/tfjs-core';
import type { FidEvaluator } from '../features/fid.js';
import type { Progress } from '../progress.js';
import type { BestSoFar } from '../run/best-metric.js';
import { checkpointPaths, type RunModels, saveLatest } from '../run/checkpoints.js';
import { openRunLog, runLogPath } from '../run/log.js';
import {
  combineHooks,
  emaHooks,
  epochArtifactHooks,
  fidHooks,
  keepBestHooks,
  progressHooks,
  type RunHooks,
  stepLogHooks,
} from './callbacks.js';
import type { RunData } from './create-run.js';
import type { TrainSettings } from './flags.js';
import { trainRecipe } from './settings.js';
import { tensorBoardHooks } from './tensorboard.js';
import { stallHooks, stallMessages, startStallWatchdog } from './watchdog.js';

/** What a run trains with besides its settings. */
export interface TrainContext {
  data: RunData;
  random: ReturnType<typeof createRandom>;
  models: RunModels;
  /** The state of the checkpoint a resumed run goes on from. */
  resume: TrainingState | undefined;
  /** The best epoch so far, from that checkpoint. */
  best: BestSoFar | undefined;
  progress: Progress;
  /** Measures FID after the epochs of `--eval-every`. */
  fid: FidEvaluator | undefined;
  /** Weight histograms in tensorboard/ at epoch ends (`--tb-histograms`). */
  tensorBoardHistograms?: boolean;
  /** Minutes without progress after which the process is stopped as stuck (`--stall-minutes`); 0 or none: never. */
  stallMinutes?: number;
}

/**
 * Trains the run in `settings.out` until its last epoch or Ctrl-C (which saves a checkpoint), writing the run
 * folder as it goes; a non-finite loss says which checkpoint is kept.
 */
export async function train(settings: TrainSettings, context: TrainContext): Promise<void> {
  const { data, random, models, resume, progress, fid } = context;
  const { out } = settings;
  const checkpoints = checkpointPaths(out);

  const controller = new AbortController();
  const onSignal = (signal: string) => {
    progress.message(`${signal}: stopping after this step and saving a checkpoint…`);
    controller.abort();
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);

  const realPreview = data.shape.length === 1 ? await firstPoints(data) : undefined;
  const log = await openRunLog(runLogPath(out), resume?.globalStep ?? 0);
  // The trainer keeps the moving average; this copy of the architecture receives its weights to save them.
  const emaGenerator = settings.ema === undefined ? undefined : cloneModel(models.generator);
  const history = resume ? resume.history.map((record) => ({ ...record })) : [];
  const best = keepBestHooks(settings.keepBestBy, context.best, out, models);
  const artifacts = epochArtifactHooks(out, models, history, realPreview);
  const tensorBoard = tensorBoardHooks(settings, {
    models,
    histograms: context.tensorBoardHistograms === true,
    resumeStep: resume?.globalStep,
    realPreview,
  });
  const stallMinutes = context.stallMinutes ?? 0;
  const watchdog =
    stallMinutes > 0
      ? startStallWatchdog(stallMinutes, stallMessages(stallMinutes, out), { savedStep: resume?.globalStep })
      : undefined;
  const hooks = combineHooks(
    [
      stepLogHooks(log, settings.batchSize),
      progressHooks(progress, settings.epochs),
      fid &&
        settings.evalEvery !== undefined &&
        fidHooks({
          fid,
          every: settings.evalEvery,
          count: settings.evalCount,
          generator: models.generator,
          log,
          progress,
          firstStep: resume?.globalStep ?? 0,
        }),
      best,
      artifacts,
      emaGenerator && emaHooks(emaGenerator, out),
      tensorBoard,
      watchdog && stallHooks(watchdog),
    ].filter((hook): hook is RunHooks => Boolean(hook)),
  );
  let lastSaved: TrainingState | undefined = resume;

  try {
    const result = await trainGan(
      trainGanConfig(trainRecipe(settings), {
        ...models,
        data,
        random,
        signal: controller.signal,
        resume,
        checkpoint: {
          save: async (state, reason) => {
            try {
              await saveLatest(out, models, state, { best: best.current(), reason });
            } catch (error) {
              throw checkpointWriteError(error, checkpoints.latest, out, lastSaved);
            }
            await hooks.onCheckpoint(state, reason);
            lastSaved = state;
          },
        },
        callbacks: hooks,
      }),
    );
    result.fixedNoise.dispose();
    result.fixedLabels?.dispose();
    if (result.stopped === 'aborted') {
      await artifacts.saveNetworks();
      progress.message(
        `Stopped at step ${result.steps}; checkpoint saved in ${checkpoints.latest}. Continue with: gan train --resume ${out}`,
      );
      process.exitCode = 130;
    } else {
      progress.message(
        `Done: ${out} (generator/, ${emaGenerator ? 'generator-ema/, ' : ''}discriminator/, config.json, history.json, log.jsonl, loss.png, samples/, tensorboard/, checkpoints/)`,
      );
    }
  } catch (error) {
    if (GanError.isInstance(error) && error.code === 'NON_FINITE_LOSS') {
      const kept =
        lastSaved === undefined
          ? 'No checkpoint was saved before it (the first epoch did not finish).'
          : `The last good checkpoint (epoch ${lastSaved.epoch}, step ${lastSaved.globalStep} overall) is kept in ${checkpoints.latest}; continue from it with a lower rate: gan train --resume ${out} --lr ${settings.learningRate / 10}`;
      throw new GanError('NON_FINITE_LOSS', `${error.message}\nThe run stopped. ${kept}`, { cause: error });
    }
    // Anything else the run had to give up on (a worker thread that gave no answer, a TensorBoard file that could
    // not be written): say where it can go on from.
    if (GanError.isInstance(error) && error.code === 'ABORTED' && !checkpointErrors.has(error)) {
      const kept =
        lastSaved === undefined
          ? 'No checkpoint was saved before it: start the run again.'
          : `Its last checkpoint (epoch ${lastSaved.epoch}, step ${lastSaved.globalStep} overall) is intact in ${checkpoints.latest}: go on with gan train --resume ${out}`;
      throw new GanError('ABORTED', `${error.message}\nThe run stopped. ${kept}`, { cause: error });
    }
    throw error;
  } finally {
    watchdog?.stop();
    log.close();
    tensorBoard.close();
    emaGenerator?.dispose();
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}

/** The errors {@link checkpointWriteError} made: they say themselves which checkpoint is intact. */
const checkpointErrors = new WeakSet<Error>();

/**
 * A checkpoint that could not be written (a full disk, a read-only folder) as one line: the save goes to a
 * temporary folder renamed into place, so the checkpoint before it is still whole.
 */
function checkpointWriteError(error: unknown, latest: string, out: string, kept: TrainingState | undefined): unknown {
  const code = (error as NodeJS.ErrnoException).code;
  if (GanError.isInstance(error) || typeof code !== 'string') return error;
  const reason = code === 'ENOSPC' || code === 'EDQUOT' ? 'the disk is full' : (error as Error).message;
  const before =
    kept === undefined
      ? 'No checkpoint was written before it.'
      : `The checkpoint before it (epoch ${kept.epoch}, step ${kept.globalStep} overall) is intact in ${latest}; make room and go on with gan train --resume ${out}.`;
  const wrapped = new GanError('ABORTED', `Could not write the checkpoint ${latest}: ${reason} (${code}). ${before}`, {
    cause: error,
  });
  checkpointErrors.add(wrapped);
  return wrapped;
}

/** The first points of 2-D data (at most 512), drawn under the samples. */
async function firstPoints(data: {
  batches: (o: { batchSize: number; shuffle: boolean }) => AsyncIterable<{ x: tf.Tensor; labels?: tf.Tensor }>;
  size: number;
}) {
  for await (const batch of data.batches({ batchSize: Math.min(512, data.size), shuffle: false })) {
    const points = (await batch.x.data()) as Float32Array;
    batch.x.dispose();
    batch.labels?.dispose();
    return points;
  }
  return undefined;
}
