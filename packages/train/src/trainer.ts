import { createRandom, GanError, formatShape } from '@gan/core';
import type { Batch } from '@gan/data';
import { getLoss, type GanLoss } from '@gan/losses';
import * as tf from '@tensorflow/tfjs-core';
import { applyModel, inspectGanModels, trainableVariables } from './models.js';
import { drawLabels, drawNoise, oneHotLabels } from './noise.js';
import type { GanTrainer, GanTrainerConfig } from './types.js';
import { minimizeIfFinite } from './update.js';
import { assertBeta, assertInteger, assertPositive } from './validate.js';

/**
 * Creates the GAN update as reusable steps (the PyTorch DCGAN recipe):
 *
 * - `discriminatorStep(batch)`: fakes = G(z) in training mode, computed outside the discriminator's
 *   gradient; real and fake logits from two separate forward passes of D in training mode; the loss is
 *   minimized over D's trainable variables only.
 * - `generatorStep(n)`: fresh noise, D(G(z)) in training mode, the loss minimized over G's trainable
 *   variables only.
 *
 * Training mode makes batch normalisation normalise with batch statistics and update its moving
 * statistics, in both networks, on every forward pass (PyTorch does the same); only trainable weights are
 * left to the other network's optimizer.
 */
export function createGanTrainer(config: GanTrainerConfig): GanTrainer {
  const { generator, discriminator } = config;
  const info = inspectGanModels(generator, discriminator, config.latentDim);
  const { latentDim, numClasses } = info;
  const loss: GanLoss =
    typeof config.loss === 'string' ? getLoss(config.loss) : (config.loss ?? getLoss('non-saturating'));
  const noise = config.noise ?? 'normal';
  if (noise !== 'normal' && noise !== 'uniform') {
    throw new GanError('INVALID_ARGUMENT', `Expected noise to be "normal" or "uniform", got "${String(noise)}".`);
  }
  const random = config.random ?? createRandom(config.seed);
  const clip = config.discriminatorWeightClip;
  if (clip !== undefined) assertPositive(clip, 'discriminatorWeightClip');

  const needsDefault = config.generatorOptimizer === undefined || config.discriminatorOptimizer === undefined;
  const learningRate = needsDefault ? (config.learningRate ?? 2e-4) : undefined;
  const beta1 = config.beta1 ?? 0.5;
  const beta2 = config.beta2 ?? 0.999;
  if (learningRate !== undefined) assertPositive(learningRate, 'learningRate');
  assertBeta(beta1, 'beta1');
  assertBeta(beta2, 'beta2');
  const owned: tf.Optimizer[] = [];
  const defaultOptimizer = (): tf.Optimizer => {
    const optimizer = tf.train.adam(learningRate, beta1, beta2);
    owned.push(optimizer);
    return optimizer;
  };
  const generatorOptimizer = config.generatorOptimizer ?? defaultOptimizer();
  const discriminatorOptimizer = config.discriminatorOptimizer ?? defaultOptimizer();
  const generatorVariables = trainableVariables(generator, 'generator');
  const discriminatorVariables = trainableVariables(discriminator, 'discriminator');

  /** Fresh noise and, for a conditional GAN, random labels as one-hot. */
  const drawLatent = (count: number): { z: tf.Tensor2D; labels?: tf.Tensor2D } => {
    const z = drawNoise(random, noise, count, latentDim);
    if (numClasses === undefined) return { z };
    const indices = drawLabels(random, count, numClasses);
    const labels = oneHotLabels(indices, numClasses);
    indices.dispose();
    return { z, labels };
  };

  const inputsOf = (main: tf.Tensor, labels: tf.Tensor | undefined): tf.Tensor | tf.Tensor[] =>
    labels === undefined ? main : [main, labels];

  const realLabelsOf = (batch: Batch): tf.Tensor2D | undefined => {
    if (numClasses === undefined) return undefined;
    if (batch.labels === undefined) {
      throw new GanError(
        'INVALID_ARGUMENT',
        `Expected labelled batches for the conditional GAN (${numClasses} classes), got a batch without labels. Use a labelled dataset or an unconditional model.`,
      );
    }
    return oneHotLabels(batch.labels, numClasses);
  };

  const discriminatorStep = async (batch: Batch): Promise<number> => {
    const count = batch.x.shape[0];
    const realLabels = realLabelsOf(batch);
    // The generator runs outside the discriminator's gradient tape: D's update cannot reach G.
    const { z, labels: fakeLabels } = drawLatent(count);
    const fakes = tf.tidy(() => applyModel(generator, inputsOf(z, fakeLabels), true));
    try {
      return await minimizeIfFinite({
        optimizer: discriminatorOptimizer,
        model: discriminator,
        variables: discriminatorVariables,
        clip,
        objective: () => {
          const realLogits = applyModel(discriminator, inputsOf(batch.x, realLabels), true);
          const fakeLogits = applyModel(discriminator, inputsOf(fakes, fakeLabels), true);
          return loss.discriminatorLoss(realLogits, fakeLogits);
        },
      });
    } finally {
      tf.dispose([z, fakes]);
      if (fakeLabels) fakeLabels.dispose();
      if (realLabels) realLabels.dispose();
    }
  };

  const generatorStep = async (batchSize: number): Promise<number> => {
    assertInteger(batchSize, 'batchSize', 1);
    const { z, labels } = drawLatent(batchSize);
    try {
      return await minimizeIfFinite({
        optimizer: generatorOptimizer,
        model: generator,
        variables: generatorVariables,
        objective: () => {
          const fakes = applyModel(generator, inputsOf(z, labels), true);
          return loss.generatorLoss(applyModel(discriminator, inputsOf(fakes, labels), true));
        },
      });
    } finally {
      z.dispose();
      if (labels) labels.dispose();
    }
  };

  const sample = (z: tf.Tensor2D, labels?: tf.Tensor1D | readonly number[]): tf.Tensor => {
    if (z.rank !== 2 || z.shape[1] !== latentDim) {
      throw new GanError('SHAPE_MISMATCH', `Expected noise of shape [n, ${latentDim}], got ${formatShape(z.shape)}.`);
    }
    if (numClasses === undefined) return tf.tidy(() => applyModel(generator, z, false));
    if (labels === undefined) {
      throw new GanError(
        'INVALID_ARGUMENT',
        `Expected class labels for the conditional generator (${numClasses} classes), got none.`,
      );
    }
    const count = Array.isArray(labels) ? labels.length : (labels as tf.Tensor1D).shape[0];
    if (count !== z.shape[0]) {
      throw new GanError('SHAPE_MISMATCH', `Expected ${z.shape[0]} labels (one per noise vector), got ${count}.`);
    }
    return tf.tidy(() => {
      const indices = Array.isArray(labels) ? tf.tensor1d(labels as number[], 'int32') : (labels as tf.Tensor1D);
      return applyModel(generator, [z, oneHotLabels(indices, numClasses)], false);
    });
  };

  return {
    generator,
    discriminator,
    loss,
    latentDim,
    exampleShape: info.exampleShape,
    numClasses,
    noise,
    random,
    learningRate,
    discriminatorStep,
    generatorStep,
    sampleNoise: (count) => {
      assertInteger(count, 'count', 1);
      return drawNoise(random, noise, count, latentDim);
    },
    sample,
    dispose: () => {
      for (const optimizer of owned.splice(0)) optimizer.dispose();
    },
  };
}
