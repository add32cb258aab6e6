import { assertShape, createRandom, GanError } from '@gan/core';
import { lossNames } from '@gan/losses';
import * as tf from '@tensorflow/tfjs-core';
import { yieldToEventLoop } from './event-loop.js';
import { imageGrid } from './image-grid.js';
import { cyclingLabels } from './noise.js';
import { createGanTrainer } from './trainer.js';
import type { EpochRecord, GanTrainer, StepInfo, TrainGanConfig, TrainResult } from './types.js';
import { assertInteger } from './validate.js';

/** A GanError thrown by {@link trainGan} with the history of the epochs completed before it. */
export type TrainingError = GanError & { history: EpochRecord[]; steps: number };

/** How often (ms) the loop lets the event loop run, so that an abort or a UI update gets through. */
const YIELD_INTERVAL_MS = 25;

function nonFiniteLoss(
  trainer: GanTrainer,
  network: 'Discriminator' | 'Generator',
  value: number,
  where: { epoch: number; step: number; globalStep: number },
): GanError {
  const rate = trainer.learningRate === undefined ? '' : ` (now ${trainer.learningRate})`;
  const others = lossNames.filter((name) => name !== trainer.loss.name).join(', ');
  return new GanError(
    'NON_FINITE_LOSS',
    `${network} loss is ${value} at epoch ${where.epoch}, step ${where.step} (step ${where.globalStep} overall), ` +
      `with the "${trainer.loss.name}" loss. That update was skipped, so the weights hold their last finite values. ` +
      `Try a lower learning rate${rate}, another loss (${others}), or check the data for NaN or infinite values.`,
  );
}

function checkConfig(config: TrainGanConfig, trainer: GanTrainer): void {
  const { data } = config;
  assertShape(
    [null, ...data.shape],
    [null, ...trainer.exampleShape],
    `examples from the dataset "${data.name}"`,
    'The generator must produce, and the discriminator take, examples of the same shape as the data.',
  );
  if (trainer.numClasses !== undefined && data.numClasses !== trainer.numClasses) {
    throw new GanError(
      'INVALID_ARGUMENT',
      `Expected a labelled dataset with ${trainer.numClasses} classes for the conditional GAN, got "${data.name}" with ${data.numClasses ?? 'no'} labels.`,
    );
  }
  if (config.sampleEpochs !== undefined && config.sampleEpochs !== 'every') {
    for (const epoch of config.sampleEpochs) assertInteger(epoch, 'every entry of sampleEpochs', 1);
  }
}

/**
 * Trains a GAN: per step, `discriminatorSteps` discriminator updates (each on a fresh real batch) and one
 * generator update with fresh noise (see {@link createGanTrainer}). Reads both losses each step and stops
 * with GanError `NON_FINITE_LOSS` (carrying `history`) when one is not finite. Stops cleanly between steps
 * when `signal` aborts. After the epochs in `sampleEpochs`, passes samples from a fixed noise batch (drawn
 * once, first, from the random source) to `onSamples`.
 */
export async function trainGan(config: TrainGanConfig): Promise<TrainResult> {
  const { data, epochs, callbacks = {}, signal } = config;
  const batchSize = config.batchSize ?? 128;
  const discriminatorSteps = config.discriminatorSteps ?? 1;
  const sampleCount = config.sampleCount ?? 64;
  const sampleEpochs = config.sampleEpochs ?? 'every';
  const shuffle = config.shuffle ?? true;
  assertInteger(epochs, 'epochs', 1);
  assertInteger(batchSize, 'batchSize', 1);
  assertInteger(discriminatorSteps, 'discriminatorSteps', 1);
  assertInteger(sampleCount, 'sampleCount', 1);

  const random = config.random ?? createRandom(config.seed);
  const trainer = createGanTrainer({ ...config, random });
  const history: EpochRecord[] = [];
  let globalStep = 0;
  let fixedNoise: tf.Tensor2D | undefined;
  let fixedLabels: tf.Tensor1D | undefined;
  try {
    checkConfig(config, trainer);
    const stepsPerEpoch = Math.floor(data.batchCount(batchSize, true) / discriminatorSteps);
    if (stepsPerEpoch === 0) {
      throw new GanError(
        'INVALID_ARGUMENT',
        `Expected at least ${batchSize * discriminatorSteps} examples for one step (batchSize ${batchSize} × discriminatorSteps ${discriminatorSteps}), ` +
          `got ${data.size} in "${data.name}". Use a smaller batch size.`,
      );
    }
    // Drawn first, so the samples of a seeded run do not depend on anything else.
    fixedNoise = trainer.sampleNoise(sampleCount);
    if (trainer.numClasses !== undefined) fixedLabels = cyclingLabels(sampleCount, trainer.numClasses);

    const isAborted = () => signal?.aborted === true;
    let stopped: TrainResult['stopped'] = 'completed';
    let lastYield = performance.now();

    for (let epoch = 1; epoch <= epochs && stopped === 'completed'; epoch++) {
      if (isAborted()) {
        stopped = 'aborted';
        break;
      }
      const start = performance.now();
      let discriminatorSum = 0;
      let discriminatorCount = 0;
      let generatorSum = 0;
      let steps = 0;
      let pending = 0;
      let stepDiscriminatorSum = 0;
      for await (const batch of data.batches({ batchSize, shuffle, random, dropLast: true })) {
        let discriminatorLoss: number;
        try {
          if (steps === stepsPerEpoch) break; // leftover batches (fewer than discriminatorSteps)
          if (pending === 0 && isAborted()) {
            stopped = 'aborted';
            break;
          }
          discriminatorLoss = await trainer.discriminatorStep(batch);
        } finally {
          batch.x.dispose();
          batch.labels?.dispose();
        }
        const where = { epoch, step: steps + 1, globalStep: globalStep + 1 };
        if (!Number.isFinite(discriminatorLoss))
          throw nonFiniteLoss(trainer, 'Discriminator', discriminatorLoss, where);
        discriminatorSum += discriminatorLoss;
        discriminatorCount++;
        stepDiscriminatorSum += discriminatorLoss;
        if (++pending < discriminatorSteps) continue;

        const generatorLoss = await trainer.generatorStep(batchSize);
        if (!Number.isFinite(generatorLoss)) throw nonFiniteLoss(trainer, 'Generator', generatorLoss, where);
        generatorSum += generatorLoss;
        steps++;
        globalStep++;
        const info: StepInfo = {
          epoch,
          step: steps,
          stepsPerEpoch,
          globalStep,
          discriminatorLoss: stepDiscriminatorSum / discriminatorSteps,
          generatorLoss,
        };
        pending = 0;
        stepDiscriminatorSum = 0;
        await callbacks.onStepEnd?.(info);
        if (performance.now() - lastYield >= YIELD_INTERVAL_MS) {
          await yieldToEventLoop();
          lastYield = performance.now();
        }
      }
      if (stopped === 'aborted') break;

      const seconds = (performance.now() - start) / 1000;
      const record: EpochRecord = {
        epoch,
        discriminatorLoss: discriminatorCount === 0 ? Number.NaN : discriminatorSum / discriminatorCount,
        generatorLoss: steps === 0 ? Number.NaN : generatorSum / steps,
        steps,
        seconds,
        imagesPerSecond: seconds > 0 ? (steps * discriminatorSteps * batchSize) / seconds : 0,
      };
      history.push(record);
      await callbacks.onEpochEnd?.(record);
      if (callbacks.onSamples && (sampleEpochs === 'every' || sampleEpochs.includes(epoch))) {
        await emitSamples(trainer, fixedNoise, fixedLabels, data.range, epoch, callbacks.onSamples);
      }
    }
    return { history, steps: globalStep, stopped, fixedNoise, fixedLabels };
  } catch (error) {
    tf.dispose([fixedNoise, fixedLabels].filter((t) => t !== undefined));
    if (GanError.isInstance(error) && error.code === 'NON_FINITE_LOSS') {
      Object.assign(error, { history, steps: globalStep });
    }
    throw error;
  } finally {
    trainer.dispose();
  }
}

async function emitSamples(
  trainer: GanTrainer,
  noise: tf.Tensor2D,
  labels: tf.Tensor1D | undefined,
  range: readonly [number, number],
  epoch: number,
  onSamples: (epoch: number, samples: tf.Tensor) => void | Promise<void>,
): Promise<void> {
  const columns = trainer.numClasses === undefined ? undefined : Math.min(trainer.numClasses, noise.shape[0]);
  const samples = tf.tidy(() => {
    const generated = trainer.sample(noise, labels);
    return generated.rank === 4 ? imageGrid(generated as tf.Tensor4D, { range, columns }) : generated;
  });
  try {
    await onSamples(epoch, samples);
  } finally {
    samples.dispose();
  }
}
