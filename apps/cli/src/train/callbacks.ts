import { scatterPlot } from '@gan/data';
import { saveModel } from '@gan/models/node';
import type { EpochRecord, SavedTensor, StepInfo, TrainCallbacks, TrainingState } from '@gan/train';
import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import type { FidEvaluator } from '../features/fid.js';
import { toRaster } from '../images.js';
import { plotLosses } from '../plot.js';
import type { Progress } from '../progress.js';
import { type BestMetricName, type BestSoFar, improvedBest } from '../run/best-metric.js';
import { type RunModels, saveBest } from '../run/checkpoints.js';
import { runPaths, writeJson, writePng } from '../run/files.js';
import type { RunLog } from '../run/log.js';

type CheckpointReason = 'epoch' | 'steps' | 'aborted';

/** A part of what `gan train` does as the loop goes: trainGan's callbacks and a hook for every checkpoint. */
export interface RunHooks extends TrainCallbacks {
  /** After `checkpoints/latest` holds `state`. */
  onCheckpoint?(state: TrainingState, reason: CheckpointReason): void | Promise<void>;
}

/** The hooks as one: each event goes to each hook that has it, in order, one after the other. */
export function combineHooks(hooks: readonly RunHooks[]): Required<RunHooks> {
  const each =
    <E extends keyof RunHooks>(event: E) =>
    async (...args: Parameters<Required<RunHooks>[E]>): Promise<void> => {
      for (const hook of hooks) await (hook[event] as ((...a: typeof args) => unknown) | undefined)?.(...args);
    };
  return {
    onStepEnd: each('onStepEnd'),
    onEpochEnd: each('onEpochEnd'),
    onSamples: each('onSamples'),
    onCheckpoint: each('onCheckpoint'),
  };
}

/** The progress bar (or the step-less log lines of a non-TTY) and one line per epoch. */
export function progressHooks(progress: Progress, epochs: number): RunHooks {
  return {
    onStepEnd: (info) =>
      progress.step(info.epoch, info.step, info.stepsPerEpoch, {
        discriminator: info.discriminatorLoss,
        generator: info.generatorLoss,
      }),
    onEpochEnd: (record) =>
      progress.epochDone(
        `epoch ${record.epoch}/${epochs}  D ${record.discriminatorLoss.toFixed(4)}  G ${record.generatorLoss.toFixed(4)}  ${record.imagesPerSecond.toFixed(1)} img/s  ${record.seconds.toFixed(1)} s`,
      ),
  };
}

/** A line of log.jsonl per step, with its time and speed; the log reaches the disk with every checkpoint. */
export function stepLogHooks(log: RunLog, batchSize: number): RunHooks {
  let lastStepTime = performance.now();
  return {
    onStepEnd: (info: StepInfo) => {
      const now = performance.now();
      const seconds = (now - lastStepTime) / 1000;
      lastStepTime = now;
      log.append({
        step: info.globalStep,
        epoch: info.epoch,
        stepInEpoch: info.step,
        discriminatorLoss: info.discriminatorLoss,
        generatorLoss: info.generatorLoss,
        seconds,
        imagesPerSecond: seconds > 0 ? batchSize / seconds : 0,
        time: new Date().toISOString(),
      });
    },
    onCheckpoint: () => log.sync(),
  };
}

/** What {@link fidHooks} measures and where it says so. */
export interface FidHooksConfig {
  fid: FidEvaluator;
  /** Measure after every this many epochs. */
  every: number;
  count: number;
  generator: tfl.LayersModel;
  log: RunLog;
  progress: Progress;
  /** The step the run starts after (a resumed run's). */
  firstStep: number;
}

/**
 * FID every `every` epochs (`--eval-every`): set on the epoch's record (so history.json and checkpoints keep
 * it), logged in log.jsonl and said on the terminal.
 */
export function fidHooks(config: FidHooksConfig): RunHooks {
  const { fid, every, count, generator, log, progress } = config;
  let lastStep = config.firstStep;
  return {
    onStepEnd: (info) => {
      lastStep = info.globalStep;
    },
    onEpochEnd: async (record) => {
      if (record.epoch % every !== 0) return;
      const measured = await fid.measure(generator);
      // Set on the trainer's own record, so checkpoints (and a resumed run's history) keep it too.
      Object.assign(record, { fid: measured });
      log.append({
        kind: 'eval',
        step: lastStep,
        epoch: record.epoch,
        fid: measured,
        count,
        time: new Date().toISOString(),
      });
      progress.message(
        `epoch ${record.epoch}: FID ${measured.toFixed(3)} (${count} generated vs ${fid.realCount} real, ${fid.network})`,
      );
    },
  };
}

/** The best epoch so far by a metric (`--keep-best-by`), saved as `checkpoints/best` with its epoch's checkpoint. */
export interface KeepBest extends RunHooks {
  /** The best so far (carried over from the checkpoint resumed from), for every checkpoint's metadata. */
  current(): BestSoFar | undefined;
}

export function keepBestHooks(
  metric: BestMetricName | undefined,
  best: BestSoFar | undefined,
  out: string,
  models: RunModels,
): KeepBest {
  let improved = false;
  return {
    current: () => best,
    onEpochEnd: async (record) => {
      if (metric === undefined) return;
      const fid = (record as EpochRecord & { fid?: number }).fid;
      const better = await improvedBest(metric, best, { record, generator: models.generator, fid });
      if (better) {
        best = better;
        improved = true;
      }
    },
    onCheckpoint: async (state, reason) => {
      if (reason === 'epoch' && improved) await saveBest(out, models, state, { best, reason });
      improved = false;
    },
  };
}

/** What the run folder gets at each epoch end: history.json, loss.png, generator/ and discriminator/, samples/. */
export interface EpochArtifacts extends RunHooks {
  /** Saves generator/ and discriminator/ (also done at each epoch end). */
  saveNetworks(): Promise<void>;
}

export function epochArtifactHooks(
  out: string,
  models: RunModels,
  history: EpochRecord[],
  /** The first real points, drawn under the samples of 2-D data. */
  realPreview: Float32Array | undefined,
): EpochArtifacts {
  const paths = runPaths(out);
  const saveNetworks = async () => {
    await saveModel(models.generator, paths.generator);
    await saveModel(models.discriminator, paths.discriminator);
  };
  return {
    saveNetworks,
    onEpochEnd: async (record) => {
      history.push(record);
      await writeJson(paths.history, history);
      await writePng(
        paths.lossPlot,
        plotLosses({
          discriminator: history.map((h) => h.discriminatorLoss),
          generator: history.map((h) => h.generatorLoss),
        }),
      );
      await saveNetworks();
    },
    onSamples: async (epoch, samples) => {
      if (samples.rank === 3) {
        await writePng(paths.sample(epoch), await toRaster(samples as tf.Tensor3D));
      } else {
        await writePng(
          paths.sample(epoch),
          scatterPlot((await samples.data()) as Float32Array, { realPoints: realPreview }),
        );
      }
    },
  };
}

/** Writes weights read by `readModelWeights` (a checkpoint's moving average) into `model`. */
function writeWeights(model: tfl.LayersModel, saved: SavedTensor[]): void {
  const tensors = saved.map((weight) => tf.tensor(weight.values, weight.shape, weight.dtype));
  model.setWeights(tensors);
  tf.dispose(tensors);
}

/**
 * generator-ema/ (`--ema`): the trainer keeps the moving average; a copy of the generator's architecture takes
 * its weights from each epoch's (and the last) checkpoint to save them.
 */
export function emaHooks(emaGenerator: tfl.LayersModel, out: string): RunHooks {
  return {
    onCheckpoint: async (state, reason) => {
      if (reason === 'steps' || state.emaGenerator === undefined) return;
      writeWeights(emaGenerator, state.emaGenerator);
      await saveModel(emaGenerator, runPaths(out).generatorEma);
    },
  };
}
