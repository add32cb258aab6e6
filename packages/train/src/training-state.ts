import { formatShape, GanError } from '@gan/core';
import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import type { EpochRecord, GanTrainer } from './types.js';

/** Running sums of an epoch, from which its {@link EpochRecord} is made. */
export interface EpochSums {
  discriminatorSum: number;
  discriminatorCount: number;
  generatorSum: number;
  /** Seconds of the epoch's steps so far. */
  seconds: number;
}

export function emptyEpochSums(): EpochSums {
  return { discriminatorSum: 0, discriminatorCount: 0, generatorSum: 0, seconds: 0 };
}

/** One tensor of an optimizer's state (Adam's `iter`, `…/m`, `…/v`), read out of the backend. */
export interface SavedTensor {
  name: string;
  shape: number[];
  dtype: 'float32' | 'int32';
  values: Float32Array | Int32Array;
}

/**
 * Everything besides the two models' weights that a run needs to go on exactly where it stopped. Plain
 * data (typed arrays, no tensors), so it can be written anywhere; `@gan/train/node` writes it to disk.
 */
export interface TrainingState {
  /** Format version of this object. */
  version: 1;
  /** 1-based epoch the state was taken in (the last completed one when `stepInEpoch === stepsPerEpoch`). */
  epoch: number;
  /** Steps done in `epoch`. */
  stepInEpoch: number;
  /** Steps per epoch of the run (checked on resume: the data and batch size must give the same). */
  stepsPerEpoch: number;
  /** Steps done since the start of the run. */
  globalStep: number;
  batchSize: number;
  discriminatorSteps: number;
  /** State of the random source now. */
  randomState: number[];
  /** State of the random source when `epoch` began, before its shuffle (replayed to rebuild the order). */
  epochRandomState: number[];
  /** Running sums of the unfinished epoch, so its record comes out as in an uninterrupted run. */
  epochSums: EpochSums;
  /** Records of the completed epochs. */
  history: EpochRecord[];
  /** The fixed sample noise, `[sampleCount, latentDim]`. */
  fixedNoise: { shape: [number, number]; values: Float32Array };
  /** The optimizers' state (`optimizer.getWeights()`), generator's and discriminator's. */
  optimizers: { generator: SavedTensor[]; discriminator: SavedTensor[] };
  /** The weights of the generator's moving average (`ema`), when the run keeps one. */
  emaGenerator?: SavedTensor[];
}

/** When and how {@link trainGan} saves checkpoints. */
export interface CheckpointConfig {
  /**
   * Stores the state (and, typically, the models: they are not part of `state`). Awaited before training
   * goes on. Receives why it was called.
   */
  save(state: TrainingState, reason: 'epoch' | 'steps' | 'aborted'): void | Promise<void>;
  /** Also save every this many steps (counted over the whole run). Defaults to only at epoch ends. */
  everySteps?: number;
  /** Save at every epoch end. Defaults to `true`. */
  atEpochEnd?: boolean;
  /** Save when the run is aborted through `signal`. Defaults to `true`. */
  onAbort?: boolean;
}

/** Where the training loop is, and what it has done, when a {@link TrainingState} is taken. */
export interface LoopState {
  /** The epoch the loop is in (the last completed one between epochs). */
  epoch: number;
  stepInEpoch: number;
  /** The random source's state when `epoch` began. */
  epochRandomState: number[];
  stepsPerEpoch: number;
  globalStep: number;
  batchSize: number;
  discriminatorSteps: number;
  sums: EpochSums;
  history: readonly EpochRecord[];
  fixedNoise: tf.Tensor2D;
}

/** The {@link TrainingState} of `trainer` (optimizers, moving average, random source) and of the loop, copied out. */
export async function captureTrainingState(trainer: GanTrainer, loop: LoopState): Promise<TrainingState> {
  const { fixedNoise } = loop;
  const state: TrainingState = {
    version: 1,
    epoch: loop.epoch,
    stepInEpoch: loop.stepInEpoch,
    stepsPerEpoch: loop.stepsPerEpoch,
    globalStep: loop.globalStep,
    batchSize: loop.batchSize,
    discriminatorSteps: loop.discriminatorSteps,
    randomState: trainer.random.getState(),
    epochRandomState: [...loop.epochRandomState],
    epochSums: { ...loop.sums },
    history: loop.history.map((record) => ({ ...record })),
    fixedNoise: {
      shape: [fixedNoise.shape[0], fixedNoise.shape[1]],
      values: Float32Array.from(await fixedNoise.data()),
    },
    optimizers: {
      generator: await readOptimizerState(trainer.generatorOptimizer),
      discriminator: await readOptimizerState(trainer.discriminatorOptimizer),
    },
  };
  if (trainer.emaGenerator !== undefined) state.emaGenerator = await readModelWeights(trainer.emaGenerator);
  return state;
}

/** Reads a model's weights (all of them, as `model.getWeights()` orders them) out of the backend. */
export async function readModelWeights(model: tfl.LayersModel): Promise<SavedTensor[]> {
  const saved: SavedTensor[] = [];
  for (const weight of model.weights) {
    const tensor = weight.read();
    const dtype = tensor.dtype === 'int32' ? 'int32' : 'float32';
    const values = (await tensor.data()) as Float32Array | Int32Array;
    saved.push({
      name: weight.originalName,
      shape: [...tensor.shape],
      dtype,
      values: dtype === 'int32' ? Int32Array.from(values) : Float32Array.from(values),
    });
  }
  return saved;
}

/** Puts weights read by {@link readModelWeights} back into a model of the same architecture. */
export function restoreModelWeights(model: tfl.LayersModel, saved: readonly SavedTensor[], what: string): void {
  const weights = model.weights;
  const fits =
    saved.length === weights.length && saved.every((entry, i) => entry.shape.join() === weights[i]!.shape.join());
  if (!fits) {
    throw new GanError(
      'SHAPE_MISMATCH',
      `Expected ${weights.length} saved ${what} weights of shapes ${weights.map((w) => formatShape(w.shape)).join(', ')}, ` +
        `got ${saved.length} of shapes ${saved.map((entry) => formatShape(entry.shape)).join(', ')}. The checkpoint belongs to another model.`,
    );
  }
  const tensors = saved.map((entry) => tf.tensor(entry.values, entry.shape, entry.dtype));
  try {
    model.setWeights(tensors);
  } finally {
    tf.dispose(tensors);
  }
}

/** Reads an optimizer's state out of the backend (the optimizer keeps its own tensors). */
export async function readOptimizerState(optimizer: tf.Optimizer): Promise<SavedTensor[]> {
  const weights = await optimizer.getWeights();
  const saved: SavedTensor[] = [];
  for (const { name, tensor } of weights) {
    const dtype = tensor.dtype === 'int32' ? 'int32' : 'float32';
    const values = (await tensor.data()) as Float32Array | Int32Array;
    saved.push({
      name,
      shape: [...tensor.shape],
      dtype,
      values: dtype === 'int32' ? Int32Array.from(values) : Float32Array.from(values),
    });
    // getWeights returns the live moment variables, but a fresh tensor for the iteration count.
    if (!(tensor instanceof tf.Variable)) tensor.dispose();
  }
  return saved;
}

/**
 * Puts a state read by {@link readOptimizerState} back into a fresh optimizer of the same kind. Checks first
 * that every saved slot fits the variables it will update (slot `j` belongs to `variables[j mod n]`, the
 * layout of every tfjs optimizer), so a mismatch is a clear error instead of a failure inside tfjs.
 */
export async function restoreOptimizerState(
  optimizer: tf.Optimizer,
  saved: readonly SavedTensor[],
  variables: readonly tf.Variable[],
  what: string,
): Promise<void> {
  const slots = saved.filter((entry) => entry.name !== 'iter');
  if (slots.length > 0) {
    if (slots.length % variables.length !== 0) {
      throw new GanError(
        'SHAPE_MISMATCH',
        `Expected the saved ${what} optimizer state to hold a multiple of ${variables.length} tensors (one per trainable weight), got ${slots.length}. ` +
          'The checkpoint belongs to another model or optimizer; resume with the settings it was saved with.',
      );
    }
    slots.forEach((slot, j) => {
      const variable = variables[j % variables.length] as tf.Variable;
      if (slot.shape.join() !== variable.shape.join()) {
        throw new GanError(
          'SHAPE_MISMATCH',
          `Expected the saved ${what} optimizer slot "${
            slot.name
          }" to have the shape of ${variable.name}, ${formatShape(variable.shape)}, got ${formatShape(slot.shape)}. ` +
            'The checkpoint belongs to another model; resume with the settings it was saved with.',
        );
      }
    });
  }
  const named = saved.map((entry) => ({
    name: entry.name,
    tensor: tf.tensor(entry.values, entry.shape, entry.dtype),
  }));
  try {
    await optimizer.setWeights(named);
    if (optimizer instanceof tf.AdamOptimizer) restoreAdamPowers(optimizer, saved);
  } finally {
    // setWeights turns each tensor into a variable that shares its data; the tensors themselves can go.
    tf.dispose(named.map((entry) => entry.tensor));
  }
}

/**
 * Adam keeps β₁ᵗ and β₂ᵗ as float32 products updated once per step; its `setWeights` recomputes them with
 * `pow`, which can differ in the last bit. Near-zero gradients (a bias before batch normalisation) turn that
 * bit into a visible difference, so the products are rebuilt exactly as the steps made them.
 */
function restoreAdamPowers(optimizer: tf.AdamOptimizer, saved: readonly SavedTensor[]): void {
  const iterations = saved.find((entry) => entry.name === 'iter')?.values[0] ?? 0;
  const internals = optimizer as unknown as {
    beta1: number;
    beta2: number;
    accBeta1?: tf.Variable;
    accBeta2?: tf.Variable;
  };
  const power = (beta: number): number => {
    const factor = Math.fround(beta);
    let value = factor;
    for (let step = 0; step < iterations && value !== 0; step++) value = Math.fround(value * factor);
    return value;
  };
  if (internals.accBeta1 instanceof tf.Variable && internals.accBeta2 instanceof tf.Variable) {
    tf.tidy(() => {
      internals.accBeta1!.assign(tf.scalar(power(internals.beta1)));
      internals.accBeta2!.assign(tf.scalar(power(internals.beta2)));
    });
  }
}
