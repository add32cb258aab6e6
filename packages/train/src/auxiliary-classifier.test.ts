import '@tensorflow/tfjs-backend-cpu';
import { createRandom, type Random } from '@gan/core';
import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { beforeAll, describe, expect, it } from 'vitest';
import { classCrossEntropy } from './auxiliary-classifier.js';
import { inspectGanModels } from './models.js';
import { memoryDataset } from './testing/memory-dataset.js';
import { tinyAuxiliaryPair, tinyConditionalPair } from './testing/models.js';
import { trainable } from './testing/weights.js';
import { trainGan } from './train-gan.js';
import { createGanTrainer } from './trainer.js';
import type { TrainingState } from './training-state.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

const mean = (values: number[]) => values.reduce((a, b) => a + b, 0) / values.length;
const softplus = (x: number) => Math.max(x, 0) + Math.log1p(Math.exp(-Math.abs(x)));
/** Softmax cross-entropy of one row of logits against class `label`, by hand: logsumexp − logit[label]. */
function crossEntropy(logits: number[], label: number): number {
  const top = Math.max(...logits);
  return top + Math.log(logits.reduce((sum, l) => sum + Math.exp(l - top), 0)) - logits[label];
}

/** The noise and labels a trainer step will draw next, replayed from a copy of its random source. */
function nextLatent(random: Random, count: number, latentDim: number, numClasses: number) {
  const replay = createRandom(0);
  replay.setState(random.getState());
  const z = tf.tensor2d(replay.normal(count * latentDim, 0, 1), [count, latentDim]);
  const labels = Array.from({ length: count }, () => replay.int(numClasses));
  return { z, labels, oneHot: tf.cast(tf.oneHot(tf.tensor1d(labels, 'int32'), numClasses), 'float32') as tf.Tensor2D };
}

/** D's adversarial logits and class logits as plain arrays. */
function scores(discriminator: tfl.LayersModel, x: tf.Tensor): { logits: number[]; classLogits: number[][] } {
  const [logits, classLogits] = discriminator.predict(x) as tf.Tensor[];
  const result = { logits: Array.from(logits.dataSync()), classLogits: classLogits.arraySync() as number[][] };
  tf.dispose([logits, classLogits]);
  return result;
}

describe('classCrossEntropy', () => {
  it('matches the hand-computed softmax cross-entropy and stays finite for huge logits', () => {
    const logits = tf.tensor2d([
      [1, 2, 3],
      [0, 0, 0],
    ]);
    const labels = tf.tensor2d([
      [0, 0, 1],
      [1, 0, 0],
    ]);
    // row 1: log(e¹ + e² + e³) − 3 = 0.407606; row 2: log 3 = 1.098612
    expect(classCrossEntropy(logits, labels).dataSync()[0]).toBeCloseTo((0.407606 + 1.098612) / 2, 5);
    const huge = tf.tensor2d([[1000, -1000]]);
    expect(classCrossEntropy(huge, tf.tensor2d([[0, 1]])).dataSync()[0]).toBeCloseTo(2000, 2);
    expect(() => classCrossEntropy(tf.zeros([2, 3]), tf.zeros([2, 4]))).toThrow(
      /Expected class logits \[n, numClasses\]/,
    );
  });
});

describe('auxiliary-classifier GANs (ACGAN)', () => {
  it('are told apart from conditional GANs, and a class head of the wrong width is rejected', () => {
    const acgan = tinyAuxiliaryPair({ numClasses: 3 });
    expect(inspectGanModels(acgan.generator, acgan.discriminator)).toMatchObject({
      kind: 'auxiliary-classifier',
      numClasses: 3,
      latentDim: 4,
    });
    const conditional = tinyConditionalPair({ numClasses: 3 });
    expect(inspectGanModels(conditional.generator, conditional.discriminator).kind).toBe('conditional');
    const wrong = tinyAuxiliaryPair({ numClasses: 4 });
    expect(() => inspectGanModels(acgan.generator, wrong.discriminator)).toThrow(/class logits \(its second output\)/);
    expect(() => createGanTrainer({ ...acgan, auxiliaryWeight: -1 })).toThrow(/auxiliaryWeight/);
  });

  it('a discriminator step changes only D; its loss is the adversarial loss plus the weighted class terms', async () => {
    const numClasses = 3;
    const { generator, discriminator } = tinyAuxiliaryPair({ numClasses });
    const random = createRandom(6);
    const trainer = createGanTrainer({
      generator,
      discriminator,
      random,
      auxiliaryWeight: 0.5,
      learningRate: 0.01,
    });
    expect(trainer.kind).toBe('auxiliary-classifier');
    expect(trainer.auxiliaryWeight).toBe(0.5);
    const realLabels = [0, 1, 2, 1, 0, 2];
    const batch = { x: tf.tensor2d([-1, 0, 1, 2, 0.5, -0.5], [6, 1]), labels: tf.tensor1d(realLabels, 'int32') };

    const { z, labels: fakeLabels, oneHot } = nextLatent(random, 6, 4, numClasses);
    const fakes = generator.predict([z, oneHot]) as tf.Tensor;
    const real = scores(discriminator, batch.x);
    const fake = scores(discriminator, fakes);
    const adversarial = mean(real.logits.map((l) => softplus(-l))) + mean(fake.logits.map((l) => softplus(l)));
    const realClass = mean(real.classLogits.map((row, i) => crossEntropy(row, realLabels[i])));
    const fakeClass = mean(fake.classLogits.map((row, i) => crossEntropy(row, fakeLabels[i])));
    expect(realClass).toBeGreaterThan(0.1);

    const g0 = trainable(generator);
    const d0 = trainable(discriminator);
    const loss = await trainer.discriminatorStep(batch);
    expect(loss).toBeCloseTo(adversarial + 0.5 * (realClass + fakeClass), 5);
    expect(trainable(generator)).toEqual(g0);
    const d1 = trainable(discriminator);
    // every weight moved, the class head's too
    for (const [i, weights] of d1.entries()) expect(weights).not.toEqual(d0[i]);
    tf.dispose([z, oneHot, fakes, batch.x, batch.labels]);
    trainer.dispose();
  });

  it("a generator step's loss includes the class term and changes only G", async () => {
    const numClasses = 2;
    const { generator, discriminator } = tinyAuxiliaryPair({ numClasses, seed: 41 });
    const random = createRandom(2);
    const trainer = createGanTrainer({ generator, discriminator, random, learningRate: 0.01 });
    const { z, labels, oneHot } = nextLatent(random, 5, 4, numClasses);
    const fakes = generator.predict([z, oneHot]) as tf.Tensor;
    const fake = scores(discriminator, fakes);
    const adversarial = mean(fake.logits.map((l) => softplus(-l)));
    const classTerm = mean(fake.classLogits.map((row, i) => crossEntropy(row, labels[i])));
    expect(classTerm).toBeGreaterThan(0.1);

    const g0 = trainable(generator);
    const d0 = trainable(discriminator);
    // auxiliaryWeight defaults to 1
    expect(await trainer.generatorStep(5)).toBeCloseTo(adversarial + classTerm, 5);
    expect(trainable(discriminator)).toEqual(d0);
    expect(trainable(generator)).not.toEqual(g0);
    tf.dispose([z, oneHot, fakes]);
    trainer.dispose();
  });

  it('penalises only the adversarial logit, keeps an EMA generator, samples by class and leaks nothing', async () => {
    const numClasses = 2;
    const { generator, discriminator } = tinyAuxiliaryPair({ numClasses, seed: 51 });
    const noPenalty = createGanTrainer({ generator, discriminator, seed: 3, learningRate: 1e-9 });
    const withPenalty = createGanTrainer({
      generator,
      discriminator,
      seed: 3,
      learningRate: 1e-9,
      penalty: { kind: 'r1', weight: 4 },
      ema: { decay: 0.5 },
    });
    const batch = { x: tf.tensor2d([-1, 0.5, 2, -2], [4, 1]), labels: tf.tensor1d([0, 1, 1, 0], 'int32') };
    // R1 = γ/2 · mean ‖∇ₓ logits(x)‖² over the reals, from the adversarial output alone
    const gradient = tf.grad((x: tf.Tensor) => tf.sum((discriminator.apply(x) as tf.Tensor[])[0]))(batch.x);
    const r1 = (4 / 2) * mean(Array.from(gradient.dataSync(), (g) => g * g));
    const base = await noPenalty.discriminatorStep(batch);
    expect(await withPenalty.discriminatorStep(batch)).toBeCloseTo(base + r1, 4);
    gradient.dispose();

    await withPenalty.generatorStep(4); // creates the generator's Adam slots
    const before = tf.memory().numTensors;
    for (let i = 0; i < 3; i++) {
      await withPenalty.discriminatorStep(batch);
      await withPenalty.generatorStep(4);
    }
    expect(tf.memory().numTensors).toBe(before);
    expect(withPenalty.emaGenerator?.inputs).toHaveLength(2);
    const noise = withPenalty.sampleNoise(3);
    const samples = withPenalty.sample(noise, [1, 0, 1]);
    expect(samples.shape).toEqual([3, 1]);
    tf.dispose([noise, samples, batch.x, batch.labels]);
    noPenalty.dispose();
    withPenalty.dispose();
  });

  it('learns class-dependent outputs on a toy labelled problem', async () => {
    const numClasses = 2;
    const random = createRandom(8);
    const labels = Int32Array.from({ length: 256 }, (_, i) => i % numClasses);
    const x = Float32Array.from(labels, (label) => (label === 0 ? -2 : 2) + 0.3 * random.normal(1)[0]);
    const { generator, discriminator } = tinyAuxiliaryPair({ numClasses, seed: 4 });
    let last: number[] = [];
    const result = await trainGan({
      generator,
      discriminator,
      data: memoryDataset({ x, shape: [1], labels, numClasses }),
      epochs: 30,
      batchSize: 32,
      learningRate: 0.01,
      seed: 4,
      sampleCount: 100,
      sampleEpochs: [30],
      callbacks: {
        onSamples: (_, samples) => {
          last = Array.from(samples.dataSync());
        },
      },
    });
    // D sees no labels, so only the class term can make G class-dependent (with auxiliaryWeight 0 the means stay near 0).
    const classMean = (label: number) => mean(last.filter((_, i) => i % numClasses === label));
    expect(classMean(0)).toBeLessThan(-1.5);
    expect(classMean(1)).toBeGreaterThan(1.5);
    tf.dispose([result.fixedNoise, result.fixedLabels!]);
  }, 30_000);

  it('resumes from a checkpoint to the weights of an uninterrupted run', async () => {
    const numClasses = 2;
    const labels = Int32Array.from({ length: 24 }, (_, i) => i % numClasses);
    const data = memoryDataset({ x: createRandom(5).normal(24, 0, 1), shape: [1], labels, numClasses });
    const common = { data, batchSize: 8, sampleCount: 4, learningRate: 0.01, ema: { decay: 0.9 } };
    const weights = (pair: { generator: tfl.LayersModel; discriminator: tfl.LayersModel }) =>
      [...pair.generator.getWeights(), ...pair.discriminator.getWeights()].map((w) => Array.from(w.dataSync()));

    const straight = tinyAuxiliaryPair({ numClasses });
    (await trainGan({ ...straight, ...common, epochs: 2, seed: 5 })).fixedNoise.dispose();

    const first = tinyAuxiliaryPair({ numClasses });
    let saved: { state: TrainingState; generator: tf.Tensor[]; discriminator: tf.Tensor[] } | undefined;
    const part = await trainGan({
      ...first,
      ...common,
      epochs: 1,
      seed: 5,
      checkpoint: {
        save: (state) => {
          saved = {
            state,
            generator: first.generator.getWeights().map((w) => w.clone()),
            discriminator: first.discriminator.getWeights().map((w) => w.clone()),
          };
        },
      },
    });
    tf.dispose([part.fixedNoise, part.fixedLabels!]);
    const second = tinyAuxiliaryPair({ numClasses });
    second.generator.setWeights(saved!.generator);
    second.discriminator.setWeights(saved!.discriminator);
    const rest = await trainGan({
      ...second,
      ...common,
      epochs: 2,
      random: createRandom(1), // replaced by the checkpoint's random state
      resume: saved!.state,
    });
    tf.dispose([rest.fixedNoise, rest.fixedLabels!, ...saved!.generator, ...saved!.discriminator]);
    expect(rest.steps).toBe(6);
    expect(weights(second)).toEqual(weights(straight));
  });
});
