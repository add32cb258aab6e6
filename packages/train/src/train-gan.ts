import { assertShape, createRandom, GanError, integerAtLeast } from '@gan/core';
import { lossNames } from '@gan/losses';
import * as tf from '@tensorflow/tfjs-core';
import { yieldToEventLoop } from './event-loop.js';
import { imageGrid } from './image-grid.js';
import { readLearningRate } from './learning-rate.js';
import { cyclingLabels } from './noise.js';
import { epochBatches, epochStart, restoreTrainer } from './resume.js';
import { createGanTrainer } from './trainer.js';
import { captureTrainingState, emptyEpochSums } from './training-state.js';
import type { EpochRecord, GanTrainer, StepInfo, TrainGanConfig, TrainResult } from './types.js';

/** A GanError thrown by {@link trainGan} with the history of the epochs completed before it. */
export type TrainingError = GanError & {
  history: EpochRecord[];
  steps: number;
};

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
      `Expected a labelled dataset with ${
        trainer.numClasses
      } classes for the conditional GAN, got "${data.name}" with ${data.numClasses ?? 'no'} labels.`,
    );
  }
  if (config.sampleEpochs !== undefined && config.sampleEpochs !== 'every') {
    for (const epoch of config.sampleEpochs) integerAtLeast(epoch, 1, 'every entry of sampleEpochs');
  }
}

/**
 * Trains a GAN: per step, `discriminatorSteps` discriminator updates (each on a fresh real batch) and one
 * generator update with fresh noise (see {@link createGanTrainer}). Reads both losses each step and stops
 * with GanError `NON_FINITE_LOSS` (carrying `history`) when one is not finite. Stops cleanly between steps
 * when `signal` aborts. After the epochs in `sampleEpochs`, passes samples from a fixed noise batch (drawn
 * once, first, from the random source) to `onSamples`.
 *
 * With `checkpoint`, hands a {@link TrainingState} to `checkpoint.save` at epoch ends, every
 * `checkpoint.everySteps` steps and on abort; with `resume` (such a state, plus the models and a fresh
 * random source of the same run), goes on where that state was taken, giving the weights an uninterrupted
 * run would have.
 */
export async function trainGan(config: TrainGanConfig): Promise<TrainResult> {
  const { data, epochs, callbacks = {}, signal, checkpoint, resume } = config;
  const batchSize = config.batchSize ?? 128;
  const discriminatorSteps = config.discriminatorSteps ?? 1;
  const sampleCount = config.sampleCount ?? 64;
  const sampleEpochs = config.sampleEpochs ?? 'every';
  const shuffle = config.shuffle ?? true;
  integerAtLeast(epochs, 1, 'epochs');
  integerAtLeast(batchSize, 1, 'batchSize');
  integerAtLeast(discriminatorSteps, 1, 'discriminatorSteps');
  integerAtLeast(sampleCount, 1, 'sampleCount');
  if (checkpoint?.everySteps !== undefined) integerAtLeast(checkpoint.everySteps, 1, 'checkpoint.everySteps');

  const random = config.random ?? createRandom(config.seed);
  // A resumed run's trainer counts generator updates from where the state was taken (schedules, EMA start).
  const trainer = createGanTrainer({ ...config, random, initialStep: config.resume?.globalStep ?? config.initialStep });
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
        `Expected at least ${
          batchSize * discriminatorSteps
        } examples for one step (batchSize ${batchSize} × discriminatorSteps ${discriminatorSteps}), ` +
          `got ${data.size} in "${data.name}". Use a smaller batch size.`,
      );
    }
    const expected = { stepsPerEpoch, batchSize, discriminatorSteps, sampleCount, latentDim: trainer.latentDim };
    const restored = resume ? await restoreTrainer(trainer, resume, expected) : undefined;
    // A fresh run's fixed noise is drawn first, so the samples of a seeded run do not depend on anything else.
    fixedNoise = restored?.fixedNoise ?? trainer.sampleNoise(sampleCount);
    if (restored) {
      history.push(...restored.history);
      globalStep = restored.globalStep;
    }
    const firstEpoch = restored?.firstEpoch ?? 1;
    if (trainer.numClasses !== undefined) fixedLabels = cyclingLabels(sampleCount, trainer.numClasses);
    const noise = fixedNoise;

    const isAborted = () => signal?.aborted === true;
    let stopped: TrainResult['stopped'] = 'completed';
    let lastYield = performance.now();

    /** Where the loop is, for a checkpoint. */
    let position = {
      epoch: firstEpoch - 1,
      stepInEpoch: stepsPerEpoch,
      epochRandomState: random.getState(),
    };
    let sums = emptyEpochSums();
    const save = async (reason: 'epoch' | 'steps' | 'aborted'): Promise<void> => {
      if (!checkpoint) return;
      const loop = { ...position, stepsPerEpoch, globalStep, batchSize, discriminatorSteps, sums, history };
      await checkpoint.save(await captureTrainingState(trainer, { ...loop, fixedNoise: noise }), reason);
    };
    const everySteps = checkpoint?.everySteps;
    const atEpochEnd = checkpoint?.atEpochEnd ?? true;

    for (let epoch = firstEpoch; epoch <= epochs && stopped === 'completed'; epoch++) {
      const start = epochStart(epoch, stepsPerEpoch, random, resume);
      let steps = start.steps;
      sums = start.sums;
      position = { epoch, stepInEpoch: steps, epochRandomState: start.epochRandomState };
      if (isAborted()) {
        stopped = 'aborted';
        break;
      }
      const batches = epochBatches(data, { batchSize, shuffle, discriminatorSteps }, random, start, resume);
      const startTime = performance.now() - sums.seconds * 1000;
      let pending = 0;
      let stepDiscriminatorSum = 0;
      let stepNormSum = 0;
      let stepPenaltySum = 0;
      let stepHit = false;
      for await (const batch of batches) {
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
        sums.discriminatorSum += discriminatorLoss;
        sums.discriminatorCount++;
        stepDiscriminatorSum += discriminatorLoss;
        stepNormSum += trainer.measures.discriminatorGradientNorm ?? 0;
        stepPenaltySum += trainer.measures.penalty ?? 0;
        if (++pending < discriminatorSteps) continue;

        const generatorLoss = await trainer.generatorStep(batchSize);
        if (!Number.isFinite(generatorLoss)) throw nonFiniteLoss(trainer, 'Generator', generatorLoss, where);
        sums.generatorSum += generatorLoss;
        steps++;
        globalStep++;
        position.stepInEpoch = steps;
        const info: StepInfo = {
          epoch,
          step: steps,
          stepsPerEpoch,
          globalStep,
          discriminatorLoss: stepDiscriminatorSum / discriminatorSteps,
          generatorLoss,
          ...stepMeasures(trainer, stepNormSum / discriminatorSteps, stepPenaltySum / discriminatorSteps),
        };
        pending = 0;
        stepDiscriminatorSum = 0;
        stepNormSum = 0;
        stepPenaltySum = 0;
        await callbacks.onStepEnd?.(info);
        if (everySteps !== undefined && globalStep % everySteps === 0) {
          // At an epoch's last step the state is saved once the epoch's record exists.
          if (steps < stepsPerEpoch) {
            sums.seconds = (performance.now() - startTime) / 1000;
            await save('steps');
          } else stepHit = true;
        }
        if (performance.now() - lastYield >= YIELD_INTERVAL_MS) {
          await yieldToEventLoop();
          lastYield = performance.now();
        }
      }
      sums.seconds = (performance.now() - startTime) / 1000;
      if (stopped === 'aborted') break;

      const { seconds } = sums;
      const record: EpochRecord = {
        epoch,
        discriminatorLoss: sums.discriminatorCount === 0 ? Number.NaN : sums.discriminatorSum / sums.discriminatorCount,
        generatorLoss: steps === 0 ? Number.NaN : sums.generatorSum / steps,
        steps,
        seconds,
        imagesPerSecond: seconds > 0 ? (steps * discriminatorSteps * batchSize) / seconds : 0,
      };
      history.push(record);
      await callbacks.onEpochEnd?.(record);
      if (callbacks.onSamples && (sampleEpochs === 'every' || sampleEpochs.includes(epoch))) {
        await emitSamples(trainer, noise, fixedLabels, data.range, epoch, callbacks.onSamples);
      }
      if (atEpochEnd || stepHit) await save(atEpochEnd ? 'epoch' : 'steps');
    }
    if (stopped === 'aborted' && (checkpoint?.onAbort ?? true)) await save('aborted');
    return {
      history,
      steps: globalStep,
      stopped,
      fixedNoise: noise,
      fixedLabels,
    };
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

/** The learning rates, gradient norms and penalty term of a step, where the trainer has them. */
function stepMeasures(trainer: GanTrainer, discriminatorNorm: number, penalty: number): Partial<StepInfo> {
  const { measures } = trainer;
  return {
    generatorLearningRate: readLearningRate(trainer.generatorOptimizer),
    discriminatorLearningRate: readLearningRate(trainer.discriminatorOptimizer),
    ...(measures.generatorGradientNorm === undefined
      ? {}
      : { generatorGradientNorm: measures.generatorGradientNorm, discriminatorGradientNorm: discriminatorNorm }),
    ...(measures.penalty === undefined ? {} : { penalty }),
  };
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
