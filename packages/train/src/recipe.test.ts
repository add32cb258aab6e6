import '@tensorflow/tfjs-backend-cpu';
import { createRandom, GanError } from '@gan/core';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { readTrainRecipe, type TrainRecipe, trainGanConfig } from './recipe.js';
import { memoryDataset } from './testing/memory-dataset.js';
import { tinyDiscriminator, tinyGenerator } from './testing/models.js';
import { trainable } from './testing/weights.js';
import { trainGan } from './train-gan.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

/** 2-D points: 24 examples, 3 batches of 8 per epoch. */
const data = memoryDataset({ x: createRandom(3).normal(48, 1, 0.5), shape: [2] });

const recipe: TrainRecipe = {
  version: 1,
  epochs: 2,
  batchSize: 8,
  learningRate: 0.01,
  generatorLearningRate: 0.005,
  learningRateDecay: 'linear',
  beta1: 0.5,
  loss: 'least-squares',
  noise: 'uniform',
  seed: 11,
  sampleEpochs: [2],
  discriminatorSteps: 1,
  augment: [],
  clipGradientNorm: 5,
  labelNoise: 0.1,
  ema: 0.9,
  checkpointEvery: 2,
};

const models = () => ({
  generator: tinyGenerator({ features: 2, hidden: 8 }),
  discriminator: tinyDiscriminator({ features: 2 }),
});

describe('TrainRecipe', () => {
  it('becomes the trainGan config it stands for, the same after a JSON round trip', () => {
    const save = () => {};
    const parts = { ...models(), data, checkpoint: { save } };
    const config = trainGanConfig(recipe, parts);
    expect(config).toMatchObject({
      data,
      epochs: 2,
      batchSize: 8,
      learningRate: 0.01,
      generatorLearningRate: 0.005,
      beta1: 0.5,
      loss: 'least-squares',
      noise: 'uniform',
      seed: 11,
      sampleEpochs: [2],
      discriminatorSteps: 1,
      augment: [],
      clipGradientNorm: 5,
      labelNoise: 0.1,
      // 2 epochs of 3 steps
      learningRateSchedule: { kind: 'linear', steps: 6, endFactor: 0 },
      ema: { decay: 0.9 },
      checkpoint: { save, everySteps: 2 },
    });
    for (const key of ['version', 'learningRateDecay', 'checkpointEvery']) expect(config).not.toHaveProperty(key);
    expect(trainGanConfig(JSON.parse(JSON.stringify(recipe)), parts)).toEqual(config);
    expect(trainGanConfig({ ...recipe, learningRateDecay: 'exponential', ema: undefined }, parts)).toMatchObject({
      learningRateSchedule: { kind: 'exponential', decay: 0.1, steps: 6 },
      ema: undefined,
    });
  });

  it('trains as the hand-written config does', async () => {
    const byRecipe = models();
    const byHand = models();
    byHand.generator.setWeights(byRecipe.generator.getWeights());
    byHand.discriminator.setWeights(byRecipe.discriminator.getWeights());
    const a = await trainGan(trainGanConfig(recipe, { ...byRecipe, data }));
    const b = await trainGan({
      ...byHand,
      data,
      epochs: 2,
      batchSize: 8,
      learningRate: 0.01,
      generatorLearningRate: 0.005,
      learningRateSchedule: { kind: 'linear', steps: 6, endFactor: 0 },
      beta1: 0.5,
      loss: 'least-squares',
      noise: 'uniform',
      seed: 11,
      sampleEpochs: [2],
      clipGradientNorm: 5,
      labelNoise: 0.1,
      ema: { decay: 0.9 },
    });
    expect(a.history.map((r) => r.generatorLoss)).toEqual(b.history.map((r) => r.generatorLoss));
    expect(trainable(byRecipe.generator)).toEqual(trainable(byHand.generator));
    tf.dispose([a.fixedNoise, b.fixedNoise]);
  });

  it('reads a recipe stored before recipes had a version, and refuses a newer one', () => {
    // config.json "training" of a run started before --d-steps, --augment and --label-noise existed
    const stored = {
      epochs: 5,
      batchSize: 64,
      learningRate: 0.0002,
      beta1: 0.5,
      loss: 'non-saturating',
      noise: 'normal',
      seed: 4,
      sampleEpochs: 'every',
      keepBestBy: 'discriminatorLoss',
    };
    const { sampleEpochs, ...rest } = stored;
    expect(readTrainRecipe(stored)).toEqual({
      ...rest,
      version: 1,
      discriminatorSteps: 1,
      augment: [],
      labelNoise: 0,
    });
    expect(readTrainRecipe({ ...stored, sampleEpochs: [1, 5] }).sampleEpochs).toEqual([1, 5]);
    expect(readTrainRecipe(recipe)).toEqual(recipe);
    let error: unknown;
    try {
      readTrainRecipe({ ...recipe, version: 2 });
    } catch (caught) {
      error = caught;
    }
    expect(GanError.isInstance(error) && error.code).toBe('UNSUPPORTED');
    expect((error as Error).message).toContain('Expected a training recipe of version 1, got version 2');
  });
});
