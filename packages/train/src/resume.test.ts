import '@tensorflow/tfjs-backend-cpu';
import { createRandom, GanError } from '@gan/core';
import type { Dataset } from '@gan/data';
import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { beforeAll, describe, expect, it } from 'vitest';
import { memoryDataset } from './testing/memory-dataset.js';
import { tinyDiscriminator, tinyGenerator } from './testing/models.js';
import { trainGan } from './train-gan.js';
import type { TrainingState } from './training-state.js';
import type { TrainGanConfig } from './types.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

/** 2-D points from N(1, 0.5²): 24 examples, 3 steps per epoch at batch 8. */
const data = memoryDataset({
  x: createRandom(7).normal(48, 1, 0.5),
  shape: [2],
});

function models() {
  return {
    generator: tinyGenerator({ features: 2, hidden: 8, batchNorm: true }),
    discriminator: tinyDiscriminator({ features: 2, batchNorm: true }),
  };
}

/** Every weight (trainable or not) of both networks, as plain numbers. */
function allWeights(pair: { generator: tfl.LayersModel; discriminator: tfl.LayersModel }): number[][] {
  return [...pair.generator.getWeights(), ...pair.discriminator.getWeights()].map((w) => Array.from(w.dataSync()));
}

interface Saved {
  state: TrainingState;
  reason: string;
  generator: tf.Tensor[];
  discriminator: tf.Tensor[];
}

function recorder(pair: { generator: tfl.LayersModel; discriminator: tfl.LayersModel }, saved: Saved[]) {
  return async (state: TrainingState, reason: string) => {
    saved.push({
      state,
      reason,
      generator: pair.generator.getWeights().map((w) => w.clone()),
      discriminator: pair.discriminator.getWeights().map((w) => w.clone()),
    });
  };
}

/** Fresh models holding a checkpoint's weights, as a new process would load them. */
function restored(checkpoint: Saved) {
  const pair = models();
  pair.generator.setWeights(checkpoint.generator);
  pair.discriminator.setWeights(checkpoint.discriminator);
  return pair;
}

const common = (extra: Partial<TrainGanConfig> = {}) => ({
  data,
  batchSize: 8,
  sampleCount: 4,
  learningRate: 0.01,
  beta2: 0.99,
  ...extra,
});

describe('trainGan checkpoints and resume', () => {
  it('gives the same weights and history after 1 epoch + resume + 1 epoch as after 2 straight epochs', async () => {
    const straight = models();
    const reference = await trainGan({
      ...straight,
      ...common(),
      epochs: 2,
      seed: 5,
    });

    const first = models();
    const saved: Saved[] = [];
    const part = await trainGan({
      ...first,
      ...common({ checkpoint: { save: recorder(first, saved) } }),
      epochs: 1,
      seed: 5,
    });
    part.fixedNoise.dispose();
    expect(saved.map((s) => [s.reason, s.state.epoch, s.state.stepInEpoch, s.state.globalStep])).toEqual([
      ['epoch', 1, 3, 3],
    ]);
    // Adam's state: the iteration count, then m and v for each trainable weight
    const generatorSlots = saved[0]!.state.optimizers.generator;
    expect(generatorSlots[0]).toMatchObject({
      name: 'iter',
      values: Int32Array.from([3]),
    });
    expect(generatorSlots).toHaveLength(1 + 2 * first.generator.trainableWeights.length);

    const second = restored(saved[0]!);
    const before = tf.memory().numTensors;
    const rest = await trainGan({
      ...second,
      ...common(),
      epochs: 2,
      random: createRandom(999), // its state is replaced by the checkpoint's
      resume: saved[0]!.state,
    });
    expect(rest.steps).toBe(6);
    expect(rest.history.map((r) => r.epoch)).toEqual([1, 2]);
    expect(rest.history[1]!.generatorLoss).toBeCloseTo(reference.history[1]!.generatorLoss, 6);
    expect(Array.from(rest.fixedNoise.dataSync())).toEqual(Array.from(reference.fixedNoise.dataSync()));
    rest.fixedNoise.dispose();
    // the restored optimizer slots live on in the optimizers, which trainGan disposed with the trainer
    expect(tf.memory().numTensors).toBe(before);
    // bit for bit: the optimizers' moments, step counts and β powers come back exactly
    expect(allWeights(second)).toEqual(allWeights(straight));
    reference.fixedNoise.dispose();
  });

  it('resumes mid-epoch from a checkpoint taken on abort, with discriminatorSteps 2', async () => {
    const sixSteps = memoryDataset({
      x: createRandom(8).normal(96, 1, 0.5),
      shape: [2],
    }); // 6 batches, 3 steps
    const straight = models();
    const reference = await trainGan({
      ...straight,
      ...common({ data: sixSteps, discriminatorSteps: 2 }),
      epochs: 2,
      seed: 3,
    });
    reference.fixedNoise.dispose();

    const first = models();
    const saved: Saved[] = [];
    const controller = new AbortController();
    const part = await trainGan({
      ...first,
      ...common({
        data: sixSteps,
        discriminatorSteps: 2,
        checkpoint: { save: recorder(first, saved), everySteps: 2 },
      }),
      epochs: 2,
      seed: 3,
      signal: controller.signal,
      callbacks: {
        onStepEnd: (info) => void (info.globalStep === 5 && controller.abort()),
      },
    });
    part.fixedNoise.dispose();
    expect(part.stopped).toBe('aborted');
    // every 2 steps (step 2 mid-epoch 1), epoch 1's end, step 4 (mid-epoch 2), then the abort after step 5
    expect(saved.map((s) => [s.reason, s.state.epoch, s.state.stepInEpoch, s.state.globalStep])).toEqual([
      ['steps', 1, 2, 2],
      ['epoch', 1, 3, 3],
      ['steps', 2, 1, 4],
      ['aborted', 2, 2, 5],
    ]);

    for (const checkpoint of [saved[0]!, saved[3]!]) {
      const pair = restored(checkpoint);
      const rest = await trainGan({
        ...pair,
        ...common({ data: sixSteps, discriminatorSteps: 2 }),
        epochs: 2,
        resume: checkpoint.state,
      });
      rest.fixedNoise.dispose();
      expect(rest.history.map((r) => r.steps)).toEqual([3, 3]);
      expect(rest.history[0]!.discriminatorLoss).toBeCloseTo(reference.history[0]!.discriminatorLoss, 6);
      expect(rest.history[1]!.generatorLoss).toBeCloseTo(reference.history[1]!.generatorLoss, 6);
      expect(allWeights(pair)).toEqual(allWeights(straight));
    }
  });

  it('carries the moving-average generator and the learning-rate schedule across a resume', async () => {
    const extra = { ema: { decay: 0.5 }, learningRateSchedule: (step: number) => 1 / (1 + step) };
    const straight = models();
    const straightSaves: Saved[] = [];
    const reference = await trainGan({
      ...straight,
      ...common({ ...extra, checkpoint: { save: recorder(straight, straightSaves) } }),
      epochs: 2,
      seed: 6,
    });
    reference.fixedNoise.dispose();

    const first = models();
    const saved: Saved[] = [];
    const part = await trainGan({
      ...first,
      ...common({ ...extra, checkpoint: { save: recorder(first, saved) } }),
      epochs: 1,
      seed: 6,
    });
    part.fixedNoise.dispose();
    const emaWeights = saved[0]!.state.emaGenerator!;
    expect(emaWeights.map((w) => w.shape)).toEqual(first.generator.weights.map((w) => w.shape));

    const second = restored(saved[0]!);
    const resumedSaves: Saved[] = [];
    const rest = await trainGan({
      ...second,
      ...common({ ...extra, checkpoint: { save: recorder(second, resumedSaves) } }),
      epochs: 2,
      resume: saved[0]!.state,
    });
    rest.fixedNoise.dispose();
    expect(allWeights(second)).toEqual(allWeights(straight));
    const values = (state: TrainingState) => state.emaGenerator!.map((w) => Array.from(w.values));
    expect(values(resumedSaves.at(-1)!.state)).toEqual(values(straightSaves.at(-1)!.state));
    // without ema in the checkpoint, an ema run cannot resume from it
    const plain = models();
    const plainSaves: Saved[] = [];
    (
      await trainGan({ ...plain, ...common({ checkpoint: { save: recorder(plain, plainSaves) } }), epochs: 1, seed: 6 })
    ).fixedNoise.dispose();
    await expect(
      trainGan({ ...restored(plainSaves[0]!), ...common(extra), epochs: 2, resume: plainSaves[0]!.state }),
    ).rejects.toThrow(/holds no moving-average generator/);
  });

  it('saves nothing after a non-finite loss, so the last checkpoint is the last good state', async () => {
    let pass = 0;
    const poisoned: Dataset = {
      ...data,
      async *batches(options) {
        pass++;
        for await (const batch of data.batches(options)) {
          if (pass < 2) yield batch;
          else {
            batch.x.dispose();
            yield { x: tf.fill([8, 2], Number.NaN) };
          }
        }
      },
    };
    const pair = models();
    const saved: Saved[] = [];
    const error = await trainGan({
      ...pair,
      ...common({
        data: poisoned,
        checkpoint: { save: recorder(pair, saved), everySteps: 1 },
      }),
      epochs: 3,
      seed: 1,
    }).catch((caught: unknown) => caught);
    expect(GanError.isInstance(error) && error.code).toBe('NON_FINITE_LOSS');
    expect(saved.at(-1)!.state).toMatchObject({
      epoch: 1,
      stepInEpoch: 3,
      globalStep: 3,
    });
    expect(saved.every((s) => s.state.epoch === 1)).toBe(true);
  });

  it('refuses a state from a run with another batch size or latent size', async () => {
    const pair = models();
    const saved: Saved[] = [];
    const run = await trainGan({
      ...pair,
      ...common({ checkpoint: { save: recorder(pair, saved) } }),
      epochs: 1,
      seed: 1,
    });
    run.fixedNoise.dispose();
    const state = saved[0]!.state;
    await expect(
      trainGan({
        ...models(),
        ...common({ batchSize: 4 }),
        epochs: 2,
        resume: state,
      }),
    ).rejects.toThrow(/saved with batchSize 8, this run has 4/);
    const other = {
      generator: tinyGenerator({ features: 2, latentDim: 3 }),
      discriminator: tinyDiscriminator({ features: 2 }),
    };
    await expect(trainGan({ ...other, ...common(), epochs: 2, resume: state })).rejects.toThrow(
      /latentDim 4, this run has 3/,
    );
  });

  it('refuses optimizer state that does not fit the model', async () => {
    const pair = models();
    const saved: Saved[] = [];
    const run = await trainGan({
      ...pair,
      ...common({ checkpoint: { save: recorder(pair, saved) } }),
      epochs: 1,
      seed: 1,
    });
    run.fixedNoise.dispose();
    const wider = {
      generator: tinyGenerator({ features: 2, hidden: 9, batchNorm: true }),
      discriminator: tinyDiscriminator({ features: 2, batchNorm: true }),
    };
    await expect(trainGan({ ...wider, ...common(), epochs: 2, resume: saved[0]!.state })).rejects.toThrow(
      /generator optimizer slot .* to have the shape of .*\[4, 9\], got \[4, 8\]/,
    );
  });
});
