import {
  createRandom,
  formatShape,
  formatValue,
  GanError,
  integerAtLeast,
  invalidArgument,
  oneOf,
  positiveNumber,
} from '@gan/core';
import type { Batch } from '@gan/data';
import { flipLabels, type GanLoss, getLoss } from '@gan/losses';
import * as tf from '@tensorflow/tfjs-core';
import { adam } from './adam.js';
import { auxiliaryWeightOf, classCrossEntropy } from './auxiliary-classifier.js';
import { trainingControls } from './controls.js';
import { learningRateFactor, readLearningRate, writeLearningRate } from './learning-rate.js';
import { applyModel, applyModelOutputs, inspectGanModels, trainableVariables } from './models.js';
import { drawLabels, drawNoise, oneHotLabels } from './noise.js';
import type { GanTrainer, GanTrainerConfig, UpdateMeasures } from './types.js';
import { minimizeIfFinite } from './update.js';

/** Throws INVALID_ARGUMENT unless `value` (an Adam beta) is in [0, 1). */
function betaOf(value: number, option: string): void {
  if (!(value >= 0 && value < 1)) throw invalidArgument(option, 'in [0, 1)', formatValue(value));
}

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
 *
 * An auxiliary-classifier GAN (ACGAN, Odena et al. 2017: a two-input generator, a discriminator that takes
 * the examples only and returns `[logits, classLogits]`) adds `auxiliaryWeight` times the class logits'
 * softmax cross-entropy to both losses: on the real and the fake examples for D, on the fakes for G. Label
 * noise and gradient penalties act on the adversarial logits only.
 */
export function createGanTrainer(config: GanTrainerConfig): GanTrainer {
  const { generator, discriminator } = config;
  const info = inspectGanModels(generator, discriminator, config.latentDim);
  const { latentDim, numClasses, kind } = info;
  const auxiliaryWeight = kind === 'auxiliary-classifier' ? auxiliaryWeightOf(config.auxiliaryWeight) : undefined;
  const loss: GanLoss =
    typeof config.loss === 'string' ? getLoss(config.loss) : (config.loss ?? getLoss('non-saturating'));
  const noise = oneOf(config.noise ?? 'normal', ['normal', 'uniform'] as const, 'noise');
  const random = config.random ?? createRandom(config.seed);
  const clip = config.discriminatorWeightClip;
  if (clip !== undefined) positiveNumber(clip, 'discriminatorWeightClip');

  const needsDefault = config.generatorOptimizer === undefined || config.discriminatorOptimizer === undefined;
  const learningRate = needsDefault ? (config.learningRate ?? 2e-4) : undefined;
  const beta1 = config.beta1 ?? 0.5;
  const beta2 = config.beta2 ?? 0.999;
  if (learningRate !== undefined) positiveNumber(learningRate, 'learningRate');
  betaOf(beta1, 'beta1');
  betaOf(beta2, 'beta2');
  // PyTorch's Adam ε, unless the backend's float precision needs a larger one (WebGL on 16-bit textures: 1e-4).
  const backendEpsilon = tf.backend().epsilon();
  const adamEpsilon = config.adamEpsilon ?? (backendEpsilon > 1e-7 ? backendEpsilon : 1e-8);
  if (needsDefault) positiveNumber(adamEpsilon, 'adamEpsilon');
  const owned: tf.Optimizer[] = [];
  const defaultOptimizer = (rate: number | undefined, option: string): tf.Optimizer => {
    if (rate !== undefined) positiveNumber(rate, option);
    const optimizer = adam(rate ?? learningRate, beta1, beta2, adamEpsilon);
    owned.push(optimizer);
    return optimizer;
  };
  const generatorOptimizer =
    config.generatorOptimizer ?? defaultOptimizer(config.generatorLearningRate, 'generatorLearningRate');
  const discriminatorOptimizer =
    config.discriminatorOptimizer ?? defaultOptimizer(config.discriminatorLearningRate, 'discriminatorLearningRate');
  const controls = trainingControls(config, generator, info.exampleShape, random);
  const baseRates = [readLearningRate(generatorOptimizer), readLearningRate(discriminatorOptimizer)] as const;
  /** Sets both optimizers' learning rates for the current step (a no-op without a schedule). */
  const scheduleLearningRates = (): void => {
    if (config.learningRateSchedule === undefined) return;
    const factor = learningRateFactor(config.learningRateSchedule, controls.step);
    if (baseRates[0] !== undefined) writeLearningRate(generatorOptimizer, baseRates[0] * factor);
    if (baseRates[1] !== undefined) writeLearningRate(discriminatorOptimizer, baseRates[1] * factor);
  };
  const generatorVariables = trainableVariables(generator, 'generator');
  const discriminatorVariables = trainableVariables(discriminator, 'discriminator');
  /** Measures of the last updates (gradient norms with clipGradientNorm, the penalty term with penalty). */
  const measures: UpdateMeasures = {};

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

  /**
   * D's scores for (augmented) examples in training mode: the adversarial logits and, for an ACGAN, the
   * class logits. Only a conditional discriminator is given the labels.
   */
  const score = (x: tf.Tensor, labels: tf.Tensor2D | undefined): { logits: tf.Tensor; classLogits?: tf.Tensor } => {
    const examples = controls.augment(x);
    if (kind !== 'auxiliary-classifier') {
      const inputs = inputsOf(examples, kind === 'conditional' ? labels : undefined);
      return { logits: applyModel(discriminator, inputs, true) };
    }
    const [logits, classLogits] = applyModelOutputs(discriminator, examples, true);
    return { logits, classLogits };
  };
  /** `auxiliaryWeight · CE(classLogits, labels)` for each (class logits, labels) pair; `undefined` unless ACGAN. */
  const classTerm = (
    ...pairs: { classLogits?: tf.Tensor; labels: tf.Tensor2D | undefined }[]
  ): tf.Scalar | undefined => {
    if (auxiliaryWeight === undefined) return undefined;
    const terms = pairs.map(({ classLogits, labels }) => classCrossEntropy(classLogits!, labels!));
    return tf.mul(auxiliaryWeight, terms.length === 1 ? terms[0] : tf.addN(terms)) as tf.Scalar;
  };
  const plus = (value: tf.Scalar, term: tf.Scalar | undefined): tf.Scalar =>
    term === undefined ? value : (tf.add(value, term) as tf.Scalar);

  const realLabelsOf = (batch: Batch): tf.Tensor2D | undefined => {
    if (numClasses === undefined) return undefined;
    if (batch.labels === undefined) {
      throw new GanError(
        'INVALID_ARGUMENT',
        `Expected labelled batches for the ${kind === 'auxiliary-classifier' ? 'auxiliary-classifier' : 'conditional'} GAN (${numClasses} classes), got a batch without labels. Use a labelled dataset or an unconditional model.`,
      );
    }
    return oneHotLabels(batch.labels, numClasses);
  };

  /** The last real batch (and one-hot labels) of a discriminator step, for relativistic generator losses. */
  let lastReal: { x: tf.Tensor; labels?: tf.Tensor2D } | undefined;
  const forgetRealBatch = (): void => {
    if (lastReal) tf.dispose([lastReal.x, lastReal.labels].filter((t) => t !== undefined));
    lastReal = undefined;
  };
  const rememberRealBatch = (batch: Batch, labels: tf.Tensor2D | undefined): void => {
    forgetRealBatch();
    lastReal = { x: tf.clone(batch.x), labels: labels === undefined ? undefined : tf.clone(labels) };
  };
  const realBatchFor = (batchSize: number): { x: tf.Tensor; labels?: tf.Tensor2D } => {
    if (lastReal === undefined) {
      throw new GanError(
        'INVALID_ARGUMENT',
        `Expected a discriminator step before the generator step: the "${loss.name}" loss compares fakes with the last real batch.`,
      );
    }
    if (lastReal.x.shape[0] !== batchSize) {
      throw new GanError(
        'SHAPE_MISMATCH',
        `Expected generatorStep(${lastReal.x.shape[0]}) to match the last real batch for the "${loss.name}" loss, got ${batchSize}.`,
      );
    }
    return lastReal;
  };

  const discriminatorStep = async (batch: Batch): Promise<number> => {
    const count = batch.x.shape[0];
    const realLabels = realLabelsOf(batch);
    // The generator runs outside the discriminator's gradient tape: D's update cannot reach G.
    const { z, labels: fakeLabels } = drawLatent(count);
    const fakes = tf.tidy(() => applyModel(generator, inputsOf(z, fakeLabels), true));
    const flip = controls.drawFlips(count);
    const alpha = controls.penalty?.kind === 'gp' ? tf.tensor1d(random.uniform(count, 0, 1)) : undefined;
    if (loss.needsRealLogits) rememberRealBatch(batch, realLabels);
    scheduleLearningRates();
    let penaltyTerm: tf.Tensor | undefined;
    try {
      return await minimizeIfFinite({
        optimizer: discriminatorOptimizer,
        model: discriminator,
        variables: discriminatorVariables,
        clip,
        clipGradientNorm: controls.clipGradientNorm,
        onGradientNorm: (norm) => {
          measures.discriminatorGradientNorm = norm;
        },
        objective: () => {
          const real = score(batch.x, realLabels);
          const fake = score(fakes, fakeLabels);
          let realLogits = real.logits;
          let fakeLogits = fake.logits;
          if (flip !== undefined) [realLogits, fakeLogits] = flipLabels(realLogits, fakeLogits, flip);
          const value = plus(
            loss.discriminatorLoss(realLogits, fakeLogits),
            classTerm(
              { classLogits: real.classLogits, labels: realLabels },
              { classLogits: fake.classLogits, labels: fakeLabels },
            ),
          );
          if (controls.penalty === undefined) return value;
          // WGAN-GP's interpolates and R1's reals are scored with the real labels, R2's fakes with the fake ones;
          // an ACGAN's critic is its adversarial logit alone.
          const labels = controls.penalty.kind === 'r2' ? fakeLabels : realLabels;
          const critic = (x: tf.Tensor) => score(x, labels).logits;
          const penalty = controls.penalty.compute({ critic, real: batch.x, fake: fakes, alpha });
          penaltyTerm = tf.keep(penalty);
          return tf.add(value, penalty) as tf.Scalar;
        },
      });
    } finally {
      if (penaltyTerm !== undefined) {
        measures.penalty = (await penaltyTerm.data())[0];
        penaltyTerm.dispose();
      }
      tf.dispose([flip, alpha].filter((t) => t !== undefined));
      tf.dispose([z, fakes]);
      if (fakeLabels) fakeLabels.dispose();
      if (realLabels) realLabels.dispose();
    }
  };

  const generatorStep = async (batchSize: number): Promise<number> => {
    integerAtLeast(batchSize, 1, 'batchSize');
    const real = loss.needsRealLogits ? realBatchFor(batchSize) : undefined;
    const { z, labels } = drawLatent(batchSize);
    scheduleLearningRates();
    try {
      const value = await minimizeIfFinite({
        optimizer: generatorOptimizer,
        model: generator,
        variables: generatorVariables,
        clipGradientNorm: controls.clipGradientNorm,
        onGradientNorm: (norm) => {
          measures.generatorGradientNorm = norm;
        },
        objective: () => {
          const fakes = applyModel(generator, inputsOf(z, labels), true);
          const fake = score(fakes, labels);
          // Relativistic losses compare with D's logits for the last real batch.
          const value =
            real === undefined
              ? loss.generatorLoss(fake.logits)
              : loss.generatorLoss(fake.logits, score(real.x, real.labels).logits);
          return plus(value, classTerm({ classLogits: fake.classLogits, labels }));
        },
      });
      controls.afterGeneratorStep();
      return value;
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
    kind,
    auxiliaryWeight,
    noise,
    random,
    learningRate,
    generatorOptimizer,
    discriminatorOptimizer,
    emaGenerator: controls.emaGenerator,
    measures,
    get step() {
      return controls.step;
    },
    discriminatorStep,
    generatorStep,
    sampleNoise: (count) => {
      integerAtLeast(count, 1, 'count');
      return drawNoise(random, noise, count, latentDim);
    },
    sample,
    dispose: () => {
      forgetRealBatch();
      for (const optimizer of owned.splice(0)) optimizer.dispose();
    },
  };
}
