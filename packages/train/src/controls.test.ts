import '@tensorflow/tfjs-backend-cpu';
import { createRandom } from '@gan/core';
import { flipLabels, gradientPenalty, nonSaturatingLoss, r1Penalty, relativisticLoss } from '@gan/losses';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { readLearningRate } from './learning-rate.js';
import { applyModel } from './models.js';
import { tinyImageDiscriminator, tinyImageGenerator } from './testing/image-models.js';
import { tinyDiscriminator, tinyGenerator } from './testing/models.js';
import { nonTrainable, trainable } from './testing/weights.js';
import { createGanTrainer } from './trainer.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

function realBatch(count: number): { x: tf.Tensor } {
  return { x: tf.tensor2d(createRandom(9).normal(count, 3, 0.5), [count, 1]) };
}

function imageBatch(count: number): { x: tf.Tensor } {
  return { x: tf.tensor4d(createRandom(8).uniform(count * 16, -1, 1), [count, 4, 4, 1]) };
}

const blend = (a: number[][], b: number[][], decay: number) =>
  a.map((w, i) => w.map((v, j) => decay * v + (1 - decay) * b[i][j]));

function expectClose(actual: number[][], expected: number[][], digits = 6): void {
  for (const [i, weights] of actual.entries()) {
    for (const [j, value] of weights.entries()) expect(value).toBeCloseTo(expected[i][j], digits);
  }
}

describe('separate learning rates (TTUR) and schedules', () => {
  it('gives each default Adam its own rate; the first Adam step moves weights by about that rate', async () => {
    const generator = tinyGenerator();
    const discriminator = tinyDiscriminator();
    const trainer = createGanTrainer({
      generator,
      discriminator,
      seed: 1,
      generatorLearningRate: 1e-4,
      discriminatorLearningRate: 4e-4,
    });
    expect(readLearningRate(trainer.generatorOptimizer)).toBe(1e-4);
    expect(readLearningRate(trainer.discriminatorOptimizer)).toBe(4e-4);
    const d0 = trainable(discriminator).flat();
    const g0 = trainable(generator).flat();
    const batch = realBatch(4);
    await trainer.discriminatorStep(batch);
    await trainer.generatorStep(4);
    // Adam's first step is lr·m̂/(√v̂ + ε) = lr·sign(gradient)
    const dMove = Math.max(
      ...trainable(discriminator)
        .flat()
        .map((v, i) => Math.abs(v - d0[i])),
    );
    const gMove = Math.max(
      ...trainable(generator)
        .flat()
        .map((v, i) => Math.abs(v - g0[i])),
    );
    expect(dMove).toBeCloseTo(4e-4, 6);
    expect(gMove).toBeCloseTo(1e-4, 6);
    batch.x.dispose();
    trainer.dispose();
  });

  it('multiplies both base rates by the schedule at the current step, counting from initialStep', async () => {
    const trainer = createGanTrainer({
      generator: tinyGenerator(),
      discriminator: tinyDiscriminator(),
      seed: 1,
      learningRate: 1e-3,
      discriminatorLearningRate: 2e-3,
      learningRateSchedule: { kind: 'exponential', decay: 0.5 },
      initialStep: 1,
    });
    expect(trainer.step).toBe(1);
    const batch = realBatch(4);
    await trainer.discriminatorStep(batch); // step 1: factor 0.5
    expect(readLearningRate(trainer.discriminatorOptimizer)).toBeCloseTo(1e-3, 12);
    await trainer.generatorStep(4);
    expect(readLearningRate(trainer.generatorOptimizer)).toBeCloseTo(5e-4, 12);
    expect(trainer.step).toBe(2);
    await trainer.discriminatorStep(batch); // step 2: factor 0.25
    expect(readLearningRate(trainer.discriminatorOptimizer)).toBeCloseTo(5e-4, 12);
    batch.x.dispose();
    trainer.dispose();
  });

  it('rejects bad options', () => {
    const models = { generator: tinyGenerator(), discriminator: tinyDiscriminator() };
    expect(() => createGanTrainer({ ...models, generatorLearningRate: -1 })).toThrow(
      'Expected generatorLearningRate to be a finite number > 0, got -1.',
    );
    expect(() => createGanTrainer({ ...models, ema: { decay: 1 } })).toThrow(/ema.decay to be in \[0, 1\)/);
    expect(() => createGanTrainer({ ...models, labelNoise: 1 })).toThrow(/labelNoise to be a fraction/);
    expect(() => createGanTrainer({ ...models, clipGradientNorm: 0 })).toThrow(/clipGradientNorm/);
    expect(() => createGanTrainer({ ...models, augment: ['color'] })).toThrow(/Expected an image generator/);
    expect(() => createGanTrainer({ ...models, penalty: { kind: 'l1' as 'gp' } })).toThrow(/Unknown penalty kind "l1"/);
  });
});

describe('exponential moving average of the generator', () => {
  it('blends the weights after each generator step: decay·shadow + (1 − decay)·weights', async () => {
    const generator = tinyGenerator({ hidden: 4, batchNorm: true });
    const trainer = createGanTrainer({ generator, discriminator: tinyDiscriminator(), seed: 2, ema: { decay: 0.9 } });
    const ema = trainer.emaGenerator!;
    expect(ema).not.toBe(generator);
    const a = trainable(generator);
    expect(trainable(ema)).toEqual(a);
    const batch = realBatch(4);
    await trainer.discriminatorStep(batch);
    await trainer.generatorStep(4);
    const b = trainable(generator);
    const afterOne = blend(a, b, 0.9);
    expectClose(trainable(ema), afterOne);
    expect(nonTrainable(ema)).toEqual(nonTrainable(generator)); // batch-norm statistics are copied
    await trainer.generatorStep(4);
    expectClose(trainable(ema), blend(afterOne, trainable(generator), 0.9));
    // it is a model of its own: sample it
    const noise = trainer.sampleNoise(3);
    const samples = ema.predict(noise) as tf.Tensor;
    expect(samples.shape).toEqual([3, 1]);
    tf.dispose([noise, samples, batch.x]);
    trainer.dispose();
    ema.dispose();
  });

  it('copies the weights until startStep', async () => {
    const generator = tinyGenerator();
    const trainer = createGanTrainer({
      generator,
      discriminator: tinyDiscriminator(),
      seed: 2,
      ema: { decay: 0.5, startStep: 1 },
    });
    const ema = trainer.emaGenerator!;
    const batch = realBatch(4);
    await trainer.discriminatorStep(batch);
    await trainer.generatorStep(4); // step 0 < startStep: copy
    const b = trainable(generator);
    expect(trainable(ema)).toEqual(b);
    await trainer.generatorStep(4); // step 1: blend
    expectClose(trainable(ema), blend(b, trainable(generator), 0.5));
    batch.x.dispose();
    trainer.dispose();
    ema.dispose();
  });
});

describe('gradient penalties in the discriminator step', () => {
  it.each(['r1', 'gp'] as const)(
    '%s: the step with the penalty differs from the one without by −lr·∇penalty',
    async (kind) => {
      const lr = 0.1;
      const count = 4;
      const latentDim = 4;
      const stepWith = async (penalty: { kind: 'r1' | 'gp'; weight: number } | undefined) => {
        const discriminator = tinyDiscriminator();
        const optimizer = tf.train.sgd(lr);
        const trainer = createGanTrainer({
          generator: tinyGenerator(),
          discriminator,
          discriminatorOptimizer: optimizer,
          seed: 6,
          penalty,
        });
        const batch = realBatch(count);
        await trainer.discriminatorStep(batch);
        batch.x.dispose();
        trainer.dispose();
        optimizer.dispose();
        return trainable(discriminator);
      };
      const without = await stepWith(undefined);
      const withPenalty = await stepWith({ kind, weight: 10 });

      // The penalty's gradient at the initial weights, computed on its own.
      const discriminator = tinyDiscriminator();
      const random = createRandom(6);
      const z = tf.tensor2d(random.normal(count * latentDim, 0, 1), [count, latentDim]);
      const alpha = tf.tensor1d(random.uniform(count, 0, 1));
      const fake = applyModel(tinyGenerator(), z, true);
      const real = realBatch(count).x;
      const penalty = kind === 'r1' ? r1Penalty({ weight: 10 }) : gradientPenalty({ weight: 10 });
      const { grads } = tf.variableGrads(() =>
        penalty.compute({ critic: (x) => applyModel(discriminator, x, true), real, fake, alpha }),
      );
      // (D's last bias does not change ∇ₓD: no gradient, 0)
      const gradients = discriminator.trainableWeights.map((w) => {
        const gradient = grads[(w.read() as tf.Variable).name];
        return gradient === undefined ? new Array<number>(w.read().size).fill(0) : Array.from(gradient.dataSync());
      });
      let moved = 0;
      for (const [i, weights] of withPenalty.entries()) {
        for (const [j, value] of weights.entries()) {
          expect(value - without[i][j]).toBeCloseTo(-lr * gradients[i][j], 5);
          moved = Math.max(moved, Math.abs(value - without[i][j]));
        }
      }
      expect(moved).toBeGreaterThan(1e-4);
      tf.dispose([z, alpha, fake, real, ...Object.values(grads)]);
    },
  );
});

describe('label noise', () => {
  it('flips the labels the random source draws', async () => {
    const count = 6;
    const trainer = createGanTrainer({
      generator: tinyGenerator(),
      discriminator: tinyDiscriminator(),
      seed: 4,
      labelNoise: 0.5,
    });
    // the same draws, in the trainer's order: noise, then one uniform per example
    const random = createRandom(4);
    const z = tf.tensor2d(random.normal(count * 4, 0, 1), [count, 4]);
    const flips = Array.from(random.uniform(count, 0, 1), (u) => (u < 0.5 ? 1 : 0));
    expect(flips).toContain(0);
    expect(flips).toContain(1);
    const batch = realBatch(count);
    const [expected, unflipped] = tf.tidy(() => {
      const realLogits = applyModel(tinyDiscriminator(), batch.x, true);
      const fakeLogits = applyModel(tinyDiscriminator(), applyModel(tinyGenerator(), z, true), true);
      const [r, f] = flipLabels(realLogits, fakeLogits, tf.tensor1d(flips));
      return [
        nonSaturatingLoss().discriminatorLoss(r, f).dataSync()[0],
        nonSaturatingLoss().discriminatorLoss(realLogits, fakeLogits).dataSync()[0],
      ];
    });
    const loss = await trainer.discriminatorStep(batch);
    expect(loss).toBeCloseTo(expected, 5);
    expect(Math.abs(loss - unflipped)).toBeGreaterThan(1e-3);
    tf.dispose([z, batch.x]);
    trainer.dispose();
  });
});

describe('relativistic losses in the trainer', () => {
  it('compares the generator step with the last real batch', async () => {
    const trainer = createGanTrainer({
      generator: tinyGenerator(),
      discriminator: tinyDiscriminator(),
      seed: 5,
      loss: 'relativistic',
    });
    await expect(trainer.generatorStep(4)).rejects.toThrow(/Expected a discriminator step before the generator step/);
    const batch = realBatch(4);
    await trainer.discriminatorStep(batch);
    await expect(trainer.generatorStep(3)).rejects.toThrow('Expected generatorStep(4) to match the last real batch');
    const random = createRandom(5);
    random.normal(16, 0, 1); // the discriminator step's noise
    const z = tf.tensor2d(random.normal(16, 0, 1), [4, 4]);
    const expected = tf.tidy(
      () =>
        relativisticLoss()
          .generatorLoss(
            applyModel(trainer.discriminator, applyModel(trainer.generator, z, true), true),
            applyModel(trainer.discriminator, batch.x, true),
          )
          .dataSync()[0],
    );
    expect(await trainer.generatorStep(4)).toBeCloseTo(expected, 5);
    tf.dispose([z, batch.x]);
    trainer.dispose();
  });
});

describe('DiffAugment in the trainer', () => {
  it('augments real and fake images in every discriminator pass, and leaks nothing with every control on', async () => {
    const random = createRandom(3);
    const int = vi.spyOn(random, 'int');
    const trainer = createGanTrainer({
      generator: tinyImageGenerator(),
      discriminator: tinyImageDiscriminator({ batchNorm: true }),
      random,
      augment: ['translation'],
    });
    const batch = imageBatch(3);
    await trainer.discriminatorStep(batch);
    expect(int).toHaveBeenCalledTimes(2 * 3 * 2); // [dy, dx] per image, real and fake
    int.mockClear();
    await trainer.generatorStep(3);
    expect(int).toHaveBeenCalledTimes(2 * 3); // the fakes only
    trainer.dispose();

    const everything = createGanTrainer({
      generator: tinyImageGenerator(),
      discriminator: tinyImageDiscriminator(),
      seed: 1,
      loss: 'relativistic-average',
      augment: ['color', 'translation', 'cutout'],
      penalty: { kind: 'gp', weight: 1 },
      labelNoise: 0.1,
      clipGradientNorm: 1,
      ema: { decay: 0.99 },
      learningRateSchedule: { kind: 'linear', steps: 10 },
      discriminatorLearningRate: 4e-4,
    });
    await everything.discriminatorStep(batch);
    await everything.generatorStep(3);
    const before = tf.memory().numTensors;
    for (let i = 0; i < 3; i++) {
      expect(Number.isFinite(await everything.discriminatorStep(batch))).toBe(true);
      expect(Number.isFinite(await everything.generatorStep(3))).toBe(true);
    }
    expect(tf.memory().numTensors).toBe(before);
    batch.x.dispose();
    everything.dispose();
    everything.emaGenerator!.dispose();
  });
});
