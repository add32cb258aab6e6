import { assertShape, createRandom, GanError } from '@gan/core';
import { lossNames } from '@gan/losses';
import * as tf from '@tensorflow/tfjs-core';
import { yieldToEventLoop } from './event-loop.js';
import { imageGrid } from './image-grid.js';
import { cyclingLabels } from './noise.js';
import { createGanTrainer } from './trainer.js';
import { trainableVariables } from './models.js';
import { checkResumeState } from './resume.js';
import {
  readModelWeights,
  readOptimizerState,
  restoreModelWeights,
  restoreOptimizerState,
  type TrainingState,
} from './training-state.js';
import type { EpochRecord, GanTrainer, StepInfo, TrainGanConfig, TrainResult } from './types.js';
import { assertInteger } from './validate.js';

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
    for (const epoch of config.sampleEpochs) assertInteger(epoch, 'every entry of sampleEpochs', 1);
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
  assertInteger(epochs, 'epochs', 1);
  assertInteger(batchSize, 'batchSize', 1);
  assertInteger(discriminatorSteps, 'discriminatorSteps', 1);
  assertInteger(sampleCount, 'sampleCount', 1);
  if (checkpoint?.everySteps !== undefined) assertInteger(checkpoint.everySteps, 'checkpoint.everySteps', 1);

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
    let firstEpoch = 1;
    if (resume) {
      checkResumeState(resume, {
        stepsPerEpoch,
        batchSize,
        discriminatorSteps,
        sampleCount,
        latentDim: trainer.latentDim,
      });
      await restoreOptimizerState(
        trainer.generatorOptimizer,
        resume.optimizers.generator,
        trainableVariables(trainer.generator, 'generator'),
        'generator',
      );
      await restoreOptimizerState(
        trainer.discriminatorOptimizer,
        resume.optimizers.discriminator,
        trainableVariables(trainer.discriminator, 'discriminator'),
        'discriminator',
      );
      if (trainer.emaGenerator !== undefined) {
        if (resume.emaGenerator === undefined) {
          throw new GanError(
            'INVALID_ARGUMENT',
            'Cannot resume with ema: the checkpoint holds no moving-average generator (its run had no ema). Resume without ema.',
          );
        }
        restoreModelWeights(trainer.emaGenerator, resume.emaGenerator, 'moving-average generator');
      }
      fixedNoise = tf.tensor2d(resume.fixedNoise.values, resume.fixedNoise.shape);
      history.push(...resume.history.map((record) => ({ ...record })));
      globalStep = resume.globalStep;
      random.setState(resume.randomState);
      firstEpoch = resume.stepInEpoch >= resume.stepsPerEpoch ? resume.epoch + 1 : resume.epoch;
    } else {
      // Drawn first, so the samples of a seeded run do not depend on anything else.
      fixedNoise = trainer.sampleNoise(sampleCount);
    }
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
    let sums = {
      discriminatorSum: 0,
      discriminatorCount: 0,
      generatorSum: 0,
      seconds: 0,
    };
    const save = async (reason: 'epoch' | 'steps' | 'aborted'): Promise<void> => {
      if (!checkpoint) return;
      const state: TrainingState = {
        version: 1,
        epoch: position.epoch,
        stepInEpoch: position.stepInEpoch,
        stepsPerEpoch,
        globalStep,
        batchSize,
        discriminatorSteps,
        randomState: random.getState(),
        epochRandomState: [...position.epochRandomState],
        epochSums: { ...sums },
        history: history.map((record) => ({ ...record })),
        fixedNoise: {
          shape: [noise.shape[0], noise.shape[1]],
          values: Float32Array.from(await noise.data()),
        },
        optimizers: {
          generator: await readOptimizerState(trainer.generatorOptimizer),
          discriminator: await readOptimizerState(trainer.discriminatorOptimizer),
        },
      };
      if (trainer.emaGenerator !== undefined) state.emaGenerator = await readModelWeights(trainer.emaGenerator);
      await checkpoint.save(state, reason);
    };
    const everySteps = checkpoint?.everySteps;
    const atEpochEnd = checkpoint?.atEpochEnd ?? true;

    for (let epoch = firstEpoch; epoch <= epochs && stopped === 'completed'; epoch++) {
      const resumed = resume !== undefined && epoch === resume.epoch && resume.stepInEpoch < stepsPerEpoch;
      const epochRandomState = resumed ? [...resume.epochRandomState] : random.getState();
      let steps = resumed ? resume.stepInEpoch : 0;
      sums = resumed
        ? { ...resume.epochSums }
        : {
            discriminatorSum: 0,
            discriminatorCount: 0,
            generatorSum: 0,
            seconds: 0,
          };
      position = { epoch, stepInEpoch: steps, epochRandomState };
      if (isAborted()) {
        stopped = 'aborted';
        break;
      }
      let skip = 0;
      if (resumed) {
        // Replay the epoch's shuffle from the state it began with, skip the batches already trained on,
        // then go on with the random state of the moment the checkpoint was taken.
        random.setState(epochRandomState);
        skip = resume.stepInEpoch * discriminatorSteps;
      }
      const start = performance.now() - sums.seconds * 1000;
      let pending = 0;
      let stepDiscriminatorSum = 0;
      let stepHit = false;
      for await (const batch of data.batches({
        batchSize,
        shuffle,
        random,
        dropLast: true,
      })) {
        let discriminatorLoss: number;
        try {
          if (skip > 0) {
            if (--skip === 0) random.setState(resume!.randomState);
            continue;
          }
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
        };
        pending = 0;
        stepDiscriminatorSum = 0;
        await callbacks.onStepEnd?.(info);
        if (everySteps !== undefined && globalStep % everySteps === 0) {
          // At an epoch's last step the state is saved once the epoch's record exists.
          if (steps < stepsPerEpoch) {
            sums.seconds = (performance.now() - start) / 1000;
            await save('steps');
          } else stepHit = true;
        }
        if (performance.now() - lastYield >= YIELD_INTERVAL_MS) {
          await yieldToEventLoop();
          lastYield = performance.now();
        }
      }
      sums.seconds = (performance.now() - start) / 1000;
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
