import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-wasm';
import { createRandom, GanError } from '@gan/core';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { tinyConditionalPair, tinyDiscriminator, tinyGenerator } from './testing/models.js';
import { nonTrainable, trainable } from './testing/weights.js';
import { createGanTrainer } from './trainer.js';

function realBatch(count: number, features = 1): { x: tf.Tensor } {
  return { x: tf.tensor2d(createRandom(9).normal(count * features, 3, 0.5), [count, features]) };
}

// Every installed pure-JS backend; the same suite must pass on each.
describe.each(['cpu', 'wasm'])('on the %s backend', (backend) => {
  beforeAll(async () => {
    await tf.setBackend(backend);
  });

  describe('createGanTrainer', () => {
    it('reads the latent size from the generator and uses the defaults', () => {
      const trainer = createGanTrainer({
        generator: tinyGenerator({ latentDim: 5 }),
        discriminator: tinyDiscriminator(),
      });
      expect(trainer.latentDim).toBe(5);
      expect(trainer.exampleShape).toEqual([1]);
      expect(trainer.numClasses).toBeUndefined();
      expect(trainer.loss.name).toBe('non-saturating');
      expect(trainer.noise).toBe('normal');
      expect(trainer.learningRate).toBe(2e-4);
      // PyTorch's Adam: betas (0.5, 0.999) for the DCGAN, ε 1e-8 (not tfjs's 1e-7).
      for (const optimizer of [trainer.generatorOptimizer, trainer.discriminatorOptimizer]) {
        expect(optimizer.getConfig()).toMatchObject({ learningRate: 2e-4, beta1: 0.5, beta2: 0.999, epsilon: 1e-8 });
      }
      trainer.dispose();
    });

    it('takes the default optimizers’ ε from adamEpsilon, and refuses one that is not positive', () => {
      const trainer = createGanTrainer({
        generator: tinyGenerator(),
        discriminator: tinyDiscriminator(),
        adamEpsilon: 1e-6,
      });
      expect(trainer.generatorOptimizer.getConfig().epsilon).toBe(1e-6);
      trainer.dispose();
      expect(() =>
        createGanTrainer({ generator: tinyGenerator(), discriminator: tinyDiscriminator(), adamEpsilon: 0 }),
      ).toThrow('Expected adamEpsilon to be a finite number > 0, got 0.');
    });

    it('a discriminator step changes only D, a generator step only G (BatchNorm in both)', async () => {
      const generator = tinyGenerator({ hidden: 8, batchNorm: true });
      const discriminator = tinyDiscriminator({ batchNorm: true });
      const trainer = createGanTrainer({ generator, discriminator, seed: 1, learningRate: 0.01 });
      const batch = realBatch(8);

      const g0 = trainable(generator);
      const d0 = trainable(discriminator);
      const gStats0 = nonTrainable(generator);
      const dStats0 = nonTrainable(discriminator);
      const dLoss = await trainer.discriminatorStep(batch);
      expect(Number.isFinite(dLoss)).toBe(true);
      expect(trainable(generator)).toEqual(g0);
      const d1 = trainable(discriminator);
      for (const [i, weights] of d1.entries()) expect(weights).not.toEqual(d0[i]);
      // Both networks ran in training mode: their BatchNorm moving statistics moved (as in PyTorch).
      expect(nonTrainable(generator)).not.toEqual(gStats0);
      expect(nonTrainable(discriminator)).not.toEqual(dStats0);

      const gLoss = await trainer.generatorStep(8);
      expect(Number.isFinite(gLoss)).toBe(true);
      expect(trainable(discriminator)).toEqual(d1);
      const g1 = trainable(generator);
      for (const [i, weights] of g1.entries()) expect(weights).not.toEqual(g0[i]);

      batch.x.dispose();
      trainer.dispose();
    });

    it('draws fresh noise for every step', async () => {
      const random = createRandom(3);
      const normal = vi.spyOn(random, 'normal');
      const trainer = createGanTrainer({
        generator: tinyGenerator({ latentDim: 4 }),
        discriminator: tinyDiscriminator(),
        random,
      });
      await trainer.generatorStep(6);
      await trainer.generatorStep(6);
      const batch = realBatch(6);
      await trainer.discriminatorStep(batch);
      expect(normal).toHaveBeenCalledTimes(3);
      expect(normal.mock.calls[0]).toEqual([24, 0, 1]);
      const [first, second, third] = normal.mock.results.map((result) => Array.from(result.value as Float32Array));
      expect(first).not.toEqual(second);
      expect(second).not.toEqual(third);
      batch.x.dispose();
      trainer.dispose();
    });

    it('draws U(−1, 1) noise when asked', () => {
      const random = createRandom(4);
      const uniform = vi.spyOn(random, 'uniform');
      const trainer = createGanTrainer({
        generator: tinyGenerator(),
        discriminator: tinyDiscriminator(),
        random,
        noise: 'uniform',
      });
      const noise = trainer.sampleNoise(100);
      expect(noise.shape).toEqual([100, 4]);
      expect(uniform).toHaveBeenCalledWith(400, -1, 1);
      const values = Array.from(noise.dataSync());
      expect(Math.min(...values)).toBeGreaterThanOrEqual(-1);
      expect(Math.max(...values)).toBeLessThan(1);
      expect(Math.min(...values)).toBeLessThan(-0.9);
      noise.dispose();
      trainer.dispose();
    });

    it('does not grow tf.memory().numTensors over many steps', async () => {
      const trainer = createGanTrainer({
        generator: tinyGenerator({ hidden: 8, batchNorm: true }),
        discriminator: tinyDiscriminator({ batchNorm: true }),
        seed: 2,
      });
      const batch = realBatch(4);
      // The first updates create the optimizers' slot variables.
      await trainer.discriminatorStep(batch);
      await trainer.generatorStep(4);
      const before = tf.memory().numTensors;
      for (let i = 0; i < 20; i++) {
        await trainer.discriminatorStep(batch);
        await trainer.generatorStep(4);
      }
      const noise = trainer.sampleNoise(3);
      tf.dispose(trainer.sample(noise));
      noise.dispose();
      expect(tf.memory().numTensors).toBe(before);
      batch.x.dispose();
      trainer.dispose();
    });

    it('samples in inference mode: the same noise gives the same examples and BatchNorm statistics stay', () => {
      const generator = tinyGenerator({ hidden: 8, batchNorm: true });
      const trainer = createGanTrainer({ generator, discriminator: tinyDiscriminator(), seed: 1 });
      const noise = trainer.sampleNoise(5);
      const stats = nonTrainable(generator);
      const first = trainer.sample(noise);
      const second = trainer.sample(tf.slice(noise, [0, 0], [1, 4]) as tf.Tensor2D);
      expect(first.shape).toEqual([5, 1]);
      // inference mode: example 0 does not depend on the rest of the batch
      expect(second.dataSync()[0]).toBeCloseTo(first.dataSync()[0], 6);
      expect(nonTrainable(generator)).toEqual(stats);
      expect(() => trainer.sample(tf.zeros([2, 3]) as tf.Tensor2D)).toThrow(
        'Expected noise of shape [n, 4], got [2, 3].',
      );
      tf.dispose([noise, first, second]);
      trainer.dispose();
    });

    it('trains a conditional pair with one-hot labels', async () => {
      const { generator, discriminator } = tinyConditionalPair({ numClasses: 3 });
      const trainer = createGanTrainer({ generator, discriminator, seed: 5 });
      expect(trainer.numClasses).toBe(3);
      const x = tf.zeros([6, 1]);
      const labels = tf.tensor1d([0, 1, 2, 0, 1, 2], 'int32');
      const d0 = trainable(discriminator);
      expect(Number.isFinite(await trainer.discriminatorStep({ x, labels }))).toBe(true);
      expect(trainable(discriminator)).not.toEqual(d0);
      expect(Number.isFinite(await trainer.generatorStep(6))).toBe(true);
      await expect(trainer.discriminatorStep({ x })).rejects.toThrow(
        /Expected labelled batches for the conditional GAN \(3 classes\)/,
      );
      const noise = trainer.sampleNoise(2);
      const samples = trainer.sample(noise, [2, 0]);
      expect(samples.shape).toEqual([2, 1]);
      expect(() => trainer.sample(noise)).toThrow(/Expected class labels/);
      expect(() => trainer.sample(noise, [1])).toThrow('Expected 2 labels (one per noise vector), got 1.');
      tf.dispose([x, labels, noise, samples]);
      trainer.dispose();
    });

    it('uses the optimizers it is given and leaves them to the caller', async () => {
      const generatorOptimizer = tf.train.sgd(0.1);
      const discriminatorOptimizer = tf.train.sgd(0.1);
      const trainer = createGanTrainer({
        generator: tinyGenerator(),
        discriminator: tinyDiscriminator(),
        generatorOptimizer,
        discriminatorOptimizer,
        loss: 'least-squares',
      });
      expect(trainer.learningRate).toBeUndefined();
      expect(trainer.loss.name).toBe('least-squares');
      const spy = vi.spyOn(generatorOptimizer, 'applyGradients');
      await trainer.generatorStep(2);
      expect(spy).toHaveBeenCalledTimes(1);
      trainer.dispose();
      generatorOptimizer.dispose();
      discriminatorOptimizer.dispose();
    });

    it('clips the discriminator weights for WGAN', async () => {
      const discriminator = tinyDiscriminator();
      const trainer = createGanTrainer({
        generator: tinyGenerator(),
        discriminator,
        loss: 'wasserstein',
        discriminatorWeightClip: 0.01,
      });
      const batch = realBatch(4);
      await trainer.discriminatorStep(batch);
      for (const weights of trainable(discriminator)) {
        expect(Math.max(...weights.map(Math.abs))).toBeLessThanOrEqual(0.01 + 1e-7);
      }
      batch.x.dispose();
      trainer.dispose();
    });

    it('rejects mismatched networks and options with clear errors', () => {
      expect(() =>
        createGanTrainer({ generator: tinyGenerator({ features: 2 }), discriminator: tinyDiscriminator() }),
      ).toThrow(
        "Expected the discriminator's input of shape [n, 2], got [n, 1]. It must take what the generator produces.",
      );
      expect(() =>
        createGanTrainer({ generator: tinyGenerator(), discriminator: tinyDiscriminator(), latentDim: 8 }),
      ).toThrow("Expected latentDim 8, but the generator's input is [n, 4]. Pass latentDim 4 or leave it out.");
      const { generator } = tinyConditionalPair({ numClasses: 2 });
      expect(() => createGanTrainer({ generator, discriminator: tinyDiscriminator() })).toThrow(
        /Expected a discriminator with 2 inputs \(examples, one-hot labels\) to match the conditional generator, got 1/,
      );
      expect(() =>
        createGanTrainer({ generator: tinyGenerator(), discriminator: tinyDiscriminator(), loss: 'bce' }),
      ).toThrow(GanError);
      expect(() =>
        createGanTrainer({ generator: tinyGenerator(), discriminator: tinyDiscriminator(), learningRate: -1 }),
      ).toThrow('Expected learningRate to be a finite number > 0, got -1.');
    });
  });
});
