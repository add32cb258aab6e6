import type { GanKind, Random } from '@gan/core';
import type { Batch, Dataset } from '@gan/data';
import type { GanLoss, PenaltyKind } from '@gan/losses';
import type * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import type { AugmentPolicy } from './augment.js';
import type { LearningRateSchedule } from './learning-rate.js';
import type { CheckpointConfig, TrainingState } from './training-state.js';

/** The latent distribution: N(0, 1) or U(−1, 1), independently per dimension. */
export type NoiseKind = 'normal' | 'uniform';

/** What {@link createGanTrainer} needs: the two networks and how to update them. */
export interface GanTrainerConfig {
  /**
   * The generator. One input `z` (`[n, latentDim]`) for an unconditional GAN; two inputs
   * `[z, oneHotLabels]` (`[n, latentDim]`, `[n, numClasses]`) for a conditional one.
   */
  generator: tfl.LayersModel;
  /**
   * The discriminator, returning logits (no final sigmoid). Inputs `examples` for an unconditional GAN,
   * `[examples, oneHotLabels]` for a conditional one (same number of inputs as the generator). For an
   * auxiliary-classifier GAN (ACGAN: a two-input generator), input `examples` only and two outputs,
   * `[logits, classLogits]` with `classLogits` `[n, numClasses]` (no softmax).
   */
  discriminator: tfl.LayersModel;
  /**
   * Weight of the auxiliary classifier's softmax cross-entropy in an auxiliary-classifier GAN: D's loss adds
   * `auxiliaryWeight · (CE(classLogits(real), realLabels) + CE(classLogits(fake), fakeLabels))`, G's loss
   * `auxiliaryWeight · CE(classLogits(fake), fakeLabels)`. Ignored for other GANs. Defaults to `1`.
   */
  auxiliaryWeight?: number;
  /** A loss from `@gan/losses` or its registered name. Defaults to `'non-saturating'`. */
  loss?: GanLoss | string;
  /** Size of the latent vector. Defaults to the generator's first input size (`generator.inputs[0].shape[1]`). */
  latentDim?: number;
  /** Distribution of the latent noise: `'normal'` is N(0, 1), `'uniform'` is U(−1, 1). Defaults to `'normal'`. */
  noise?: NoiseKind;
  /**
   * The generator's optimizer. Defaults to `adam(learningRate, beta1, beta2, adamEpsilon)` (tfjs Adam, fused update where the backend has it), owned (and disposed)
   * by the trainer; an optimizer passed here belongs to the caller.
   */
  generatorOptimizer?: tf.Optimizer;
  /** The discriminator's optimizer. Defaults to a second `adam(learningRate, beta1, beta2, adamEpsilon)`. */
  discriminatorOptimizer?: tf.Optimizer;
  /** Learning rate of the default Adam optimizers. Defaults to `2e-4` (DCGAN). */
  learningRate?: number;
  /** β₁ of the default Adam optimizers. Defaults to `0.5` (DCGAN). */
  beta1?: number;
  /** β₂ of the default Adam optimizers. Defaults to `0.999`. */
  beta2?: number;
  /**
   * ε of the default Adam optimizers. Defaults to `1e-8`, PyTorch's (tfjs's own default is the backend's epsilon,
   * `1e-7`: with the small gradients of an untrained GAN it shortens the first steps), or the backend's epsilon
   * where that is larger (WebGL with 16-bit float textures).
   */
  adamEpsilon?: number;
  /** Seed of the random source used for noise and labels (and, in `trainGan`, shuffling). Ignored when `random` is given. Defaults to a random seed. */
  seed?: number;
  /** The random source for noise and labels (and, in `trainGan`, shuffling). Defaults to `createRandom(seed)`. */
  random?: Random;
  /**
   * Clip every trainable discriminator weight to `[−c, c]` after each discriminator update (WGAN weight
   * clipping; Arjovsky et al. use `0.01`). Defaults to no clipping.
   */
  discriminatorWeightClip?: number;
  /** Learning rate of the generator's default Adam (TTUR). Defaults to `learningRate`. */
  generatorLearningRate?: number;
  /** Learning rate of the discriminator's default Adam (TTUR, e.g. 4× the generator's). Defaults to `learningRate`. */
  discriminatorLearningRate?: number;
  /**
   * Multiplies both optimizers' base learning rates by `schedule(step)` before every update (`step`: the
   * 0-based count of generator updates done); a function or `{ kind: 'linear' | 'exponential', … }`.
   * Defaults to none (constant learning rates).
   */
  learningRateSchedule?: LearningRateSchedule;
  /**
   * Keep an exponential moving average of the generator's weights, updated after each generator step from
   * step `startStep` on (before it, the average copies the weights), as `trainer.emaGenerator`.
   * Defaults to none.
   */
  ema?: { decay: number; startStep?: number };
  /**
   * DiffAugment policies applied to real and fake images alike inside every discriminator pass (freshly drawn
   * from the random source, differentiable). Image models only. Defaults to none (`[]`).
   */
  augment?: readonly AugmentPolicy[];
  /** Scale each update's gradients down to this global L2 norm when they are longer. Defaults to no clipping. */
  clipGradientNorm?: number;
  /**
   * A gradient penalty added to the discriminator's loss: WGAN-GP (`'gp'`, on real/fake interpolates), R1
   * (`'r1'`, on real) or R2 (`'r2'`, on fake); `weight` defaults to `10`. Defaults to none.
   */
  penalty?: { kind: PenaltyKind; weight?: number };
  /**
   * Fraction of the discriminator's labels flipped at random in each of its updates (a real example scored
   * as fake and its fake partner as real). Defaults to `0`.
   */
  labelNoise?: number;
  /** Generator updates already done (when resuming), for `learningRateSchedule` and `ema.startStep`. Defaults to `0`. */
  initialStep?: number;
}

/** What the trainer measured in its last updates (each field only when its option is set). */
export interface UpdateMeasures {
  /** The global L2 norm of the discriminator's gradients before clipping, last D update (`clipGradientNorm`). */
  discriminatorGradientNorm?: number;
  /** The same for the generator's last update. */
  generatorGradientNorm?: number;
  /** The gradient penalty term (weighted, as added to D's loss) of the last D update (`penalty`). */
  penalty?: number;
}

/** The GAN update, one step at a time, for loops that drive training themselves (CLI, benchmarks, browser). */
export interface GanTrainer {
  readonly generator: tfl.LayersModel;
  readonly discriminator: tfl.LayersModel;
  readonly loss: GanLoss;
  readonly latentDim: number;
  /** Shape of one generated example (the generator's output without the batch axis), e.g. `[28, 28, 1]` or `[2]`. */
  readonly exampleShape: readonly number[];
  /** Number of classes of a conditional or auxiliary-classifier GAN, `undefined` for an unconditional one. */
  readonly numClasses: number | undefined;
  /** How the networks see the classes: `'unconditional'`, `'conditional'` or `'auxiliary-classifier'` (ACGAN). */
  readonly kind: GanKind;
  /** Weight of the auxiliary classifier's cross-entropy (auxiliary-classifier GANs), `undefined` for other GANs. */
  readonly auxiliaryWeight: number | undefined;
  readonly noise: NoiseKind;
  readonly random: Random;
  /** Learning rate of the default optimizers (`undefined` when both optimizers were passed in). */
  readonly learningRate: number | undefined;
  /** The generator's optimizer (the given one or the trainer's own); checkpoints read and restore its state. */
  readonly generatorOptimizer: tf.Optimizer;
  /** The discriminator's optimizer (the given one or the trainer's own). */
  readonly discriminatorOptimizer: tf.Optimizer;
  /** The moving average of the generator (same architecture) when `ema` is set, else `undefined`. Sample or save it like the generator. */
  readonly emaGenerator: tfl.LayersModel | undefined;
  /** What the last updates measured: gradient norms (with `clipGradientNorm`) and the penalty term (with `penalty`). */
  readonly measures: Readonly<UpdateMeasures>;
  /** Generator updates done so far (starting at `initialStep`). */
  readonly step: number;
  /**
   * One discriminator update on a real batch and as many fakes, generated from fresh noise outside the
   * discriminator's gradient. `batch.labels` (class indices) are required for a conditional or
   * auxiliary-classifier GAN; the
   * caller keeps ownership of the batch's tensors. Resolves to the discriminator's loss. A non-finite loss
   * skips the update (the weights keep their last finite values) and is returned as it is.
   */
  discriminatorStep(batch: Batch): Promise<number>;
  /**
   * One generator update with `batchSize` fresh latent vectors (and random labels for a conditional GAN).
   * Resolves to the generator's loss; a non-finite loss skips the update.
   */
  generatorStep(batchSize: number): Promise<number>;
  /** Draws `count` latent vectors from the trainer's random source: `[count, latentDim]`. The caller owns it. */
  sampleNoise(count: number): tf.Tensor2D;
  /**
   * Generates examples in inference mode (batch normalisation uses its moving statistics). `labels`
   * (class indices) are required for a conditional GAN. The caller owns the result.
   */
  sample(noise: tf.Tensor2D, labels?: tf.Tensor1D | readonly number[]): tf.Tensor;
  /** Disposes the optimizers the trainer created. The models stay. */
  dispose(): void;
}

/** Passed to `onStepEnd` after every training step (`discriminatorSteps` discriminator updates and one generator update). */
export interface StepInfo {
  /** 1-based epoch. */
  epoch: number;
  /** 1-based step within the epoch. */
  step: number;
  /** Steps in every epoch. */
  stepsPerEpoch: number;
  /** 1-based step since the start of the run. */
  globalStep: number;
  /** Mean discriminator loss of this step's discriminator updates. */
  discriminatorLoss: number;
  generatorLoss: number;
  /** The learning rates this step's updates used (after any schedule), where the optimizers have one. */
  generatorLearningRate?: number;
  discriminatorLearningRate?: number;
  /** Global L2 norms of the gradients before clipping (`clipGradientNorm`): G's, and the mean of this step's D updates. */
  generatorGradientNorm?: number;
  discriminatorGradientNorm?: number;
  /** Mean gradient penalty term of this step's discriminator updates (`penalty`), weighted as added to D's loss. */
  penalty?: number;
}

/** One finished epoch. */
export interface EpochRecord {
  /** 1-based epoch. */
  epoch: number;
  /** Mean discriminator loss over the epoch's discriminator updates. */
  discriminatorLoss: number;
  /** Mean generator loss over the epoch's generator updates. */
  generatorLoss: number;
  /** Training steps (generator updates) in the epoch. */
  steps: number;
  /** Wall-clock seconds of the epoch's steps, including `onStepEnd`, excluding sampling and `onEpochEnd`. */
  seconds: number;
  /** Real examples consumed by discriminator updates per second. */
  imagesPerSecond: number;
}

/** Hooks called by {@link trainGan}; each may return a promise, which is awaited. */
export interface TrainCallbacks {
  onStepEnd?(info: StepInfo): void | Promise<void>;
  onEpochEnd?(record: EpochRecord): void | Promise<void>;
  /**
   * Samples generated from the fixed noise (and fixed labels) after an epoch listed in `sampleEpochs`.
   * For image generators (`[n, h, w, c]` output) `samples` is one grid image, `[H, W, c]` in [0, 1]
   * (see `imageGrid`); for any other output (e.g. 2-D points, `[n, 2]`) it is the raw generator output.
   * The tensor belongs to the trainer and is valid only during the call (until a returned promise settles).
   */
  onSamples?(epoch: number, samples: tf.Tensor): void | Promise<void>;
}

/** Configuration of {@link trainGan}: the trainer's options plus the data and the schedule. */
export interface TrainGanConfig extends GanTrainerConfig {
  /** The real data; one pass over it is one epoch. */
  data: Dataset;
  /** Number of passes over the data. */
  epochs: number;
  /** Examples per batch (the last, smaller batch of each epoch is dropped). Defaults to `128` (DCGAN). */
  batchSize?: number;
  /**
   * Discriminator updates per generator update, each on a fresh real batch. Batches left over at the end
   * of an epoch (fewer than this) are skipped. Defaults to `1`.
   */
  discriminatorSteps?: number;
  /** Shuffle the data each epoch. Defaults to `true`. */
  shuffle?: boolean;
  /** Number of examples generated from the fixed noise for `onSamples`. Defaults to `64`. */
  sampleCount?: number;
  /** 1-based epochs after which `onSamples` is called, or `'every'`. Defaults to `'every'`. */
  sampleEpochs?: readonly number[] | 'every';
  /** Progress hooks. Defaults to none. */
  callbacks?: TrainCallbacks;
  /** Stops the run cleanly between steps; the result then has `stopped: 'aborted'`. Defaults to none. */
  signal?: AbortSignal;
  /**
   * Hands a {@link TrainingState} to `checkpoint.save` at epoch ends, every `checkpoint.everySteps` steps and
   * when the run is aborted; never after a non-finite loss, so the last saved state stays good. Defaults to none.
   */
  checkpoint?: CheckpointConfig;
  /**
   * Continues a run from a state saved through `checkpoint` (with the models and optimizers it was saved
   * with restored by the caller, e.g. `loadCheckpoint` of `@gan/train/node`). Defaults to a fresh run.
   */
  resume?: TrainingState;
}

/** What {@link trainGan} returns. */
export interface TrainResult {
  /** One record per completed epoch (an aborted, unfinished epoch has none). */
  history: EpochRecord[];
  /** Training steps done in all, including those of an unfinished epoch. */
  steps: number;
  stopped: 'completed' | 'aborted';
  /** The fixed noise behind the samples, `[sampleCount, latentDim]`. The caller owns it (dispose it). */
  fixedNoise: tf.Tensor2D;
  /** The fixed class indices (`i mod numClasses`) of a conditional GAN, `[sampleCount]`. The caller owns it. */
  fixedLabels?: tf.Tensor1D;
}
