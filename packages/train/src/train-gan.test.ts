import '@tensorflow/tfjs-backend-cpu';
import { createRandom, GanError } from '@gan/core';
import { type GanLoss, nonSaturatingLoss } from '@gan/losses';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { beforeAll, describe, expect, it } from 'vitest';
import { memoryDataset } from './testing/memory-dataset.js';
import { tinyConditionalPair, tinyDiscriminator, tinyGenerator } from './testing/models.js';
import { trainable } from './testing/weights.js';
import { type TrainingError, trainGan } from './train-gan.js';
import type { StepInfo } from './types.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

/** `size` draws from N(mean, std²), as a 1-D dataset. */
function gaussian(size: number, mean = 3, std = 0.5, seed = 100) {
  return memoryDataset({ x: createRandom(seed).normal(size, mean, std), shape: [1] });
}

function mean(values: ArrayLike<number>): number {
  let sum = 0;
  for (let i = 0; i < values.length; i++) sum += values[i];
  return sum / values.length;
}

describe('trainGan', () => {
  it('counts steps with drop-last batches and records each epoch', async () => {
    const epochs: number[] = [];
    const steps: StepInfo[] = [];
    const result = await trainGan({
      generator: tinyGenerator(),
      discriminator: tinyDiscriminator(),
      data: gaussian(10),
      epochs: 2,
      batchSize: 4,
      seed: 1,
      callbacks: { onStepEnd: (info) => void steps.push(info), onEpochEnd: (record) => void epochs.push(record.epoch) },
    });
    // 10 examples in batches of 4: 2 full batches per epoch, the 2 left over are dropped
    expect(result.history.map((record) => record.steps)).toEqual([2, 2]);
    expect(result.steps).toBe(4);
    expect(result.stopped).toBe('completed');
    expect(epochs).toEqual([1, 2]);
    expect(steps.map((s) => [s.epoch, s.step, s.globalStep, s.stepsPerEpoch])).toEqual([
      [1, 1, 1, 2],
      [1, 2, 2, 2],
      [2, 1, 3, 2],
      [2, 2, 4, 2],
    ]);
    // epoch means are the means of the step losses
    expect(result.history[0].generatorLoss).toBeCloseTo((steps[0].generatorLoss + steps[1].generatorLoss) / 2, 6);
    expect(result.history[1].discriminatorLoss).toBeCloseTo(
      (steps[2].discriminatorLoss + steps[3].discriminatorLoss) / 2,
      6,
    );
    expect(result.history[0].seconds).toBeGreaterThan(0);
    expect(result.history[0].imagesPerSecond).toBeCloseTo(8 / result.history[0].seconds, 3);
    expect(result.fixedNoise.shape).toEqual([64, 4]);
    result.fixedNoise.dispose();
  });

  it('takes discriminatorSteps real batches per generator step', async () => {
    const discriminatorBatches: number[] = [];
    const generator = tinyGenerator();
    const data = gaussian(20);
    const batches = data.batches.bind(data);
    const result = await trainGan({
      generator,
      discriminator: tinyDiscriminator(),
      data: {
        ...data,
        batchCount: data.batchCount,
        async *batches(options) {
          for await (const batch of batches(options)) {
            discriminatorBatches.push(batch.x.shape[0]);
            yield batch;
          }
        },
      },
      epochs: 1,
      batchSize: 4,
      discriminatorSteps: 2,
      seed: 1,
    });
    // 5 batches of 4 → 2 steps of (2 D updates + 1 G update); the fifth batch is left over
    expect(result.history[0].steps).toBe(2);
    expect(discriminatorBatches.length).toBe(5);
    expect(result.history[0].imagesPerSecond).toBeCloseTo(16 / result.history[0].seconds, 3);
    result.fixedNoise.dispose();
  });

  it('learns to match a Gaussian with mean 3', async () => {
    const generator = tinyGenerator({ seed: 3 });
    const noise = tf.tensor2d(createRandom(7).normal(4 * 512), [512, 4]);
    const before = mean((generator.predict(noise) as tf.Tensor).dataSync());
    const generated: number[] = [];
    const result = await trainGan({
      generator,
      discriminator: tinyDiscriminator({ seed: 13 }),
      data: gaussian(512),
      epochs: 60,
      batchSize: 64,
      learningRate: 0.02,
      seed: 3,
      sampleCount: 512,
      sampleEpochs: [60],
      callbacks: { onSamples: (_, samples) => void generated.push(mean(samples.dataSync())) },
    });
    expect(Math.abs(before)).toBeLessThan(1);
    expect(generated).toHaveLength(1);
    expect(generated[0]).toBeGreaterThan(2.6);
    expect(generated[0]).toBeLessThan(3.4);
    // inference on fresh noise agrees with the fixed-noise samples
    expect(mean((generator.predict(noise) as tf.Tensor).dataSync())).toBeCloseTo(generated[0], 0);
    tf.dispose([noise, result.fixedNoise]);
  }, 30_000);

  it('learns a class-conditional target and cycles the fixed labels', async () => {
    const numClasses = 2;
    const random = createRandom(8);
    const labels = Int32Array.from({ length: 256 }, (_, i) => i % numClasses);
    const x = Float32Array.from(labels, (label) => (label === 0 ? -2 : 2) + 0.3 * random.normal(1)[0]);
    const { generator, discriminator } = tinyConditionalPair({ numClasses, seed: 4 });
    let last: number[] = [];
    const result = await trainGan({
      generator,
      discriminator,
      data: memoryDataset({ x, shape: [1], labels, numClasses }),
      epochs: 40,
      batchSize: 32,
      learningRate: 0.01,
      seed: 4,
      sampleCount: 100,
      callbacks: {
        onSamples: (_, samples) => {
          last = Array.from(samples.dataSync());
        },
      },
    });
    expect(Array.from(result.fixedLabels!.dataSync()).slice(0, 5)).toEqual([0, 1, 0, 1, 0]);
    const classMean = (label: number) => mean(last.filter((_, i) => i % numClasses === label));
    expect(classMean(0)).toBeLessThan(-1);
    expect(classMean(1)).toBeGreaterThan(1);
    tf.dispose([result.fixedNoise, result.fixedLabels!]);
  }, 30_000);

  it('hands image samples to onSamples as a grid in [0, 1]', async () => {
    const generator = tfl.sequential({
      layers: [
        tfl.layers.dense({ inputShape: [3], units: 16, activation: 'tanh' }),
        tfl.layers.reshape({ targetShape: [4, 4, 1] }),
      ],
    });
    const discriminator = tfl.sequential({
      layers: [tfl.layers.flatten({ inputShape: [4, 4, 1] }), tfl.layers.dense({ units: 1 })],
    });
    const grids: { epoch: number; shape: number[]; min: number; max: number }[] = [];
    const result = await trainGan({
      generator,
      discriminator,
      data: memoryDataset({ x: createRandom(1).uniform(8 * 16, -1, 1), shape: [4, 4, 1] }),
      epochs: 3,
      batchSize: 4,
      sampleCount: 6,
      sampleEpochs: [1, 3],
      seed: 1,
      callbacks: {
        onSamples: async (epoch, grid) => {
          await Promise.resolve();
          const values = grid.dataSync();
          grids.push({ epoch, shape: grid.shape, min: Math.min(...values), max: Math.max(...values) });
        },
      },
    });
    // 6 samples: 3 columns × 2 rows of 4 + 2 pixels, + 2: [14, 20, 1]
    expect(grids.map((g) => [g.epoch, g.shape])).toEqual([
      [1, [14, 20, 1]],
      [3, [14, 20, 1]],
    ]);
    expect(grids.every((g) => g.min >= 0 && g.max <= 1)).toBe(true);
    result.fixedNoise.dispose();
  });

  it('releases every tensor it creates', async () => {
    const config = {
      generator: tinyGenerator({ hidden: 4, batchNorm: true }),
      discriminator: tinyDiscriminator({ batchNorm: true }),
      data: gaussian(32),
      epochs: 3,
      batchSize: 8,
      seed: 2,
      callbacks: { onSamples: () => undefined },
    };
    const before = tf.memory().numTensors;
    const result = await trainGan(config);
    expect(result.steps).toBe(12);
    // only the fixed noise, which the caller owns, is left
    expect(tf.memory().numTensors).toBe(before + 1);
    result.fixedNoise.dispose();
  });

  it('is reproducible with a seed', async () => {
    const run = async () => {
      const result = await trainGan({
        generator: tinyGenerator({ seed: 5 }),
        discriminator: tinyDiscriminator({ seed: 6 }),
        data: gaussian(32),
        epochs: 2,
        batchSize: 8,
        seed: 42,
      });
      const noise = Array.from(result.fixedNoise.dataSync());
      result.fixedNoise.dispose();
      return { noise, losses: result.history.map((r) => [r.discriminatorLoss, r.generatorLoss]) };
    };
    expect(await run()).toEqual(await run());
  });

  it('stops cleanly when the signal aborts', async () => {
    const controller = new AbortController();
    const result = await trainGan({
      generator: tinyGenerator(),
      discriminator: tinyDiscriminator(),
      data: gaussian(32),
      epochs: 5,
      batchSize: 8,
      signal: controller.signal,
      callbacks: { onStepEnd: (info) => (info.globalStep === 6 ? controller.abort() : undefined) },
    });
    // 4 steps per epoch: epoch 1 completes, epoch 2 stops after its second step
    expect(result.stopped).toBe('aborted');
    expect(result.steps).toBe(6);
    expect(result.history.map((r) => r.epoch)).toEqual([1]);
    result.fixedNoise.dispose();
  });

  it('lets a timer abort a long run (it yields to the event loop)', async () => {
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 50);
    const generator = tinyGenerator();
    const discriminator = tinyDiscriminator();
    const before = tf.memory().numTensors;
    const result = await trainGan({
      generator,
      discriminator,
      data: gaussian(32),
      epochs: 100_000,
      batchSize: 8,
      signal: controller.signal,
    });
    expect(result.stopped).toBe('aborted');
    expect(result.steps).toBeGreaterThan(0);
    expect(result.steps).toBeLessThan(400_000);
    result.fixedNoise.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  it('returns at once for an aborted signal', async () => {
    const result = await trainGan({
      generator: tinyGenerator(),
      discriminator: tinyDiscriminator(),
      data: gaussian(32),
      epochs: 3,
      batchSize: 8,
      signal: AbortSignal.abort(),
    });
    expect(result).toMatchObject({ stopped: 'aborted', steps: 0, history: [] });
    result.fixedNoise.dispose();
  });

  it('stops with NON_FINITE_LOSS, keeps the last finite weights and attaches the history', async () => {
    const base = nonSaturatingLoss();
    let calls = 0;
    // finite for the first 5 discriminator updates, NaN from the 6th (epoch 2, step 2 with 4 steps per epoch)
    const failing: GanLoss = {
      name: 'non-saturating',
      discriminatorLoss: (real, fake) => {
        const loss = base.discriminatorLoss(real, fake);
        return ++calls >= 6 ? (tf.mul(loss, Number.NaN) as tf.Scalar) : loss;
      },
      generatorLoss: base.generatorLoss,
    };
    const generator = tinyGenerator();
    const discriminator = tinyDiscriminator();
    let lastFinite: number[][] = [];
    const before = tf.memory().numTensors;
    const error = await trainGan({
      generator,
      discriminator,
      data: gaussian(32),
      epochs: 3,
      batchSize: 8,
      loss: failing,
      callbacks: {
        onStepEnd: () => {
          lastFinite = trainable(discriminator);
        },
      },
    }).catch((e: unknown) => e);
    expect(GanError.isInstance(error)).toBe(true);
    const trainingError = error as TrainingError;
    expect(trainingError.code).toBe('NON_FINITE_LOSS');
    expect(trainingError.message).toMatch(
      /^Discriminator loss is NaN at epoch 2, step 2 \(step 6 overall\), with the "non-saturating" loss\. .*Try a lower learning rate \(now 0\.0002\), another loss \(minimax, least-squares, hinge, wasserstein, relativistic, relativistic-average\)/,
    );
    expect(trainingError.history.map((r) => r.epoch)).toEqual([1]);
    expect(trainingError.steps).toBe(5);
    expect(trainable(discriminator)).toEqual(lastFinite);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('checks the data against the models', async () => {
    const config = { generator: tinyGenerator(), discriminator: tinyDiscriminator(), epochs: 1 };
    await expect(trainGan({ ...config, data: memoryDataset({ x: new Float32Array(8), shape: [2] }) })).rejects.toThrow(
      'Expected examples from the dataset "memory" of shape [n, 1], got [n, 2].',
    );
    await expect(trainGan({ ...config, data: gaussian(10), batchSize: 16 })).rejects.toThrow(
      'Expected at least 16 examples for one step (batchSize 16 × discriminatorSteps 1), got 10 in "memory". Use a smaller batch size.',
    );
    await expect(trainGan({ ...config, data: gaussian(10), epochs: 0 })).rejects.toThrow(
      'Expected epochs to be an integer ≥ 1, got 0.',
    );
    const { generator, discriminator } = tinyConditionalPair({ numClasses: 3 });
    await expect(trainGan({ generator, discriminator, data: gaussian(10), epochs: 1, batchSize: 2 })).rejects.toThrow(
      'Expected a labelled dataset with 3 classes for the conditional GAN, got "memory" with no labels.',
    );
  });
});
