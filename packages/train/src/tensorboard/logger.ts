import { type RawImage, scatterPlot } from '@gan/data';
import { encodePng } from '@gan/data/node';
import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import type { EpochRecord, StepInfo, TrainCallbacks } from '../types.js';
import { histogramOf, type TensorBoardValue } from './events.js';
import { createEventFileWriter, type EventFileWriter } from './writer.js';

/** Options of {@link tensorBoardLogger}. */
export interface TensorBoardLoggerOptions {
  /** Examples per step, for the `speed/images_per_second` scalar of each step. Without it, only per epoch. */
  batchSize?: number;
  /** Networks whose weights are written as histograms (`weights/NAME/WEIGHT`) at every epoch end. */
  histograms?: Record<string, tfl.LayersModel>;
  /** Flush to the file at most this often during steps (seconds; epoch ends and samples always flush). Defaults to 2. */
  flushSeconds?: number;
  /**
   * More scalars of each step that the caller tracks (an `undefined` or non-finite value is left out).
   */
  stepScalars?: (info: StepInfo) => Record<string, number | undefined>;
  /** Continues a run at this step (a resumed run): writes a `SessionLog` START at the next step, so TensorBoard drops the steps the run before it wrote past this one. */
  resumeStep?: number;
  /**
   * Real points `[x0, y0, x1, y1, …]` drawn in grey under the samples of 2-D data (samples of shape `[n, 2]`), as
   * `gan train` draws them in `samples/`. Defaults to none (the samples alone).
   */
  realPoints?: Float32Array;
}

/** The trainGan callbacks that write a TensorBoard log, plus a way to add scalars and to close the file. */
export interface TensorBoardLogger extends Required<TrainCallbacks> {
  readonly writer: EventFileWriter;
  /** The last step seen (epoch-level values are written at it). */
  readonly step: number;
  /** Writes scalars at `step` (defaults to the last step seen). */
  scalars(values: Record<string, number | undefined>, step?: number): void;
  flush(): void;
  close(): void;
}

/**
 * A `trainGan` callback that writes TensorBoard event files into `dir` (TFRecord framing with masked
 * CRC-32C, `Event`/`Summary` protobufs): per step both losses, both learning rates, images/s (with
 * `batchSize`), the gradient norms before clipping (with `clipGradientNorm`), the penalty term (with
 * `penalty`) and the caller's `stepScalars`; per
 * epoch the epoch's means, images/s and any `fid` set on the record; the samples of each sample epoch as
 * a PNG image (`samples`; needs the optional peer `pngjs`): an image grid as it is, 2-D points (`[n, 2]`) as
 * `scatterPlot` draws them, over `realPoints` in grey; and with `histograms` the weights of the given networks. `tensorboard --logdir DIR` shows it. Close it when training ends.
 */
export function tensorBoardLogger(dir: string, options: TensorBoardLoggerOptions = {}): TensorBoardLogger {
  const writer = createEventFileWriter(dir);
  const flushMs = (options.flushSeconds ?? 2) * 1000;
  let step = options.resumeStep ?? 0;
  let lastFlush = performance.now();
  let lastStepTime: number | undefined;
  // TensorBoard drops the events at and after a START's step: those a run wrote past its checkpoint before it stopped.
  if (options.resumeStep !== undefined) {
    writer.write({ wallTime: Date.now() / 1000, step: options.resumeStep + 1, sessionLog: 'start' });
  }

  const write = (values: TensorBoardValue[], at = step) => {
    if (values.length > 0) writer.write({ wallTime: Date.now() / 1000, step: at, summary: values });
  };
  const scalars = (values: Record<string, number | undefined>, at = step) =>
    write(
      Object.entries(values)
        .filter((entry): entry is [string, number] => entry[1] !== undefined && Number.isFinite(entry[1]))
        .map(([tag, scalar]) => ({ tag, scalar })),
      at,
    );

  const logger: TensorBoardLogger = {
    writer,
    get step() {
      return step;
    },
    scalars,
    flush: () => {
      writer.flush();
      lastFlush = performance.now();
    },
    close: () => writer.close(),
    onStepEnd: (info: StepInfo) => {
      step = info.globalStep;
      const now = performance.now();
      const seconds = lastStepTime === undefined ? undefined : (now - lastStepTime) / 1000;
      lastStepTime = now;
      const speed =
        options.batchSize !== undefined && seconds !== undefined && seconds > 0
          ? options.batchSize / seconds
          : undefined;
      scalars({
        'loss/discriminator': info.discriminatorLoss,
        'loss/generator': info.generatorLoss,
        'speed/images_per_second': speed,
        'learning_rate/generator': info.generatorLearningRate,
        'learning_rate/discriminator': info.discriminatorLearningRate,
        'gradient_norm/generator': info.generatorGradientNorm,
        'gradient_norm/discriminator': info.discriminatorGradientNorm,
        'penalty/discriminator': info.penalty,
        ...options.stepScalars?.(info),
      });
      if (now - lastFlush >= flushMs) logger.flush();
    },
    onEpochEnd: async (record: EpochRecord) => {
      const fid = (record as EpochRecord & { fid?: number }).fid;
      scalars({
        'epoch/loss_discriminator': record.discriminatorLoss,
        'epoch/loss_generator': record.generatorLoss,
        'epoch/images_per_second': record.imagesPerSecond,
        'eval/fid': fid,
      });
      for (const [name, model] of Object.entries(options.histograms ?? {})) {
        const values: TensorBoardValue[] = [];
        for (const weight of model.weights) {
          const data = (await weight.read().data()) as Float32Array;
          values.push({ tag: `weights/${name}/${weight.name}`, histogram: histogramOf(data) });
        }
        write(values);
      }
      logger.flush();
      // The epoch's sampling and saving would count as the next step's time.
      lastStepTime = undefined;
    },
    onSamples: async (_epoch: number, samples: tf.Tensor) => {
      const image = await samplesImage(samples, options.realPoints);
      if (image === undefined) return;
      const { height, width, channels, data } = image;
      const encoded = await encodePng(data, width, height, channels);
      write([{ tag: 'samples', image: { height, width, colorspace: channels, encoded } }]);
      logger.flush();
      lastStepTime = undefined;
    },
  };
  return logger;
}

/** The sample grid `[h, w, 1|3|4]` in [0, 1] as bytes, 2-D points `[n, 2]` as a scatter plot; else nothing. */
async function samplesImage(
  samples: tf.Tensor,
  realPoints: Float32Array | undefined,
): Promise<(RawImage & { channels: 1 | 3 | 4 }) | undefined> {
  if (samples.rank === 2 && samples.shape[1] === 2) {
    return { ...scatterPlot((await samples.data()) as Float32Array, { realPoints }), channels: 3 };
  }
  if (samples.rank !== 3) return undefined;
  const [height, width, channels] = samples.shape as [number, number, number];
  if (channels !== 1 && channels !== 3 && channels !== 4) return undefined;
  const bytes = tf.tidy(() => tf.cast(tf.round(tf.mul(tf.clipByValue(samples, 0, 1), 255)), 'int32'));
  const data = Uint8Array.from((await bytes.data()) as Int32Array);
  bytes.dispose();
  return { height, width, channels, data };
}
