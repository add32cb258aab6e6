import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { GanError } from '@gan/core';
import { lossNames } from '@gan/losses';
import { type ModelName, modelNames } from '@gan/models';
import { choiceFlag, integerFlag, integerListFlag, numberFlag } from './args.js';
import { type BestMetricName, checkBestMetric } from './best-metric.js';
import {
  augmentFlag,
  fractionFlag,
  type LearningRateDecay,
  learningRateDecays,
  type PenaltySetting,
  penaltyFlag,
} from './training-flags.js';
import type { AugmentPolicy } from '@gan/train';

/** The flags of `gan train`, as `parseArgs` returns them. */
export type TrainFlags = Partial<Record<string, string | boolean>>;

/** Every setting of a run. */
export interface TrainSettings {
  model: ModelName;
  dataSpec: string;
  epochs: number;
  batchSize: number;
  learningRate: number;
  beta1: number;
  loss: string;
  noise: 'normal' | 'uniform';
  rangeName: '0,1' | '-1,1';
  imageSize: number;
  /** Feature maps of the DCGAN generator's last hidden layer and the discriminator's first (`--ngf`, `--ndf`). */
  ngf: number;
  ndf: number;
  variant: CganVariant;
  /** Colour transparent pixels of image data are composited over (`--background`), bytes. */
  background: [number, number, number];
  /** The named preset the defaults came from (`quickstart` when neither --model nor --data is given). */
  preset: PresetName | undefined;
  sampleEpochs: number[] | undefined;
  limit: number | undefined;
  seed: number;
  latentDim: number | undefined;
  out: string;
  backend: string;
  /** Also save `checkpoints/latest` every this many steps. */
  checkpointEvery: number | undefined;
  keepBestBy: BestMetricName | undefined;
  /** Decay of the generator's moving average (`--ema`), or none. */
  ema: number | undefined;
  /** Measure FID every this many epochs (`--eval-every`), or never. */
  evalEvery: number | undefined;
  /** Images per FID measurement (`--eval-count`). */
  evalCount: number;
  /** Learning rates of the generator and the discriminator (`--g-lr`, `--d-lr`); default `learningRate`. */
  generatorLearningRate: number | undefined;
  discriminatorLearningRate: number | undefined;
  /** Discriminator updates per generator update (`--d-steps`). */
  discriminatorSteps: number;
  augment: AugmentPolicy[];
  penalty: PenaltySetting | undefined;
  clipGradientNorm: number | undefined;
  labelNoise: number;
  learningRateDecay: LearningRateDecay | undefined;
}

/** The part of config.json that `--resume` reads back. */
export interface RunConfig {
  model: ModelName;
  modelConfig: {
    latentDim?: number;
    imageSize?: number;
    ngf?: number;
    ndf?: number;
    variant?: CganVariant;
    [key: string]: unknown;
  };
  data: {
    spec: string;
    range: [number, number];
    limit?: number;
    background?: [number, number, number];
    [key: string]: unknown;
  };
  training: {
    epochs: number;
    batchSize: number;
    learningRate: number;
    beta1: number;
    loss: string;
    noise: 'normal' | 'uniform';
    seed: number;
    sampleEpochs: number[] | 'every';
    checkpointEvery?: number;
    keepBestBy?: BestMetricName;
    ema?: number;
    evalEvery?: number;
    evalCount?: number;
    generatorLearningRate?: number;
    discriminatorLearningRate?: number;
    discriminatorSteps?: number;
    augment?: AugmentPolicy[];
    penalty?: PenaltySetting;
    clipGradientNorm?: number;
    labelNoise?: number;
    learningRateDecay?: LearningRateDecay;
  };
  resumed?: unknown[];
  preset?: PresetName;
  [key: string]: unknown;
}

/** The variants of `--model cgan`: the MLP, the MNIST DCGAN, or the PyTorch tutorial DCGAN (32/64/128 px). */
export const cganVariants = ['mlp', 'dcgan', 'tutorial'] as const;
export type CganVariant = (typeof cganVariants)[number];

/**
 * Named sets of defaults. `quickstart` is what `gan train` runs with neither --model nor --data: the conditional
 * PyTorch-tutorial DCGAN (`cgan --variant tutorial`) at a quarter width (ngf = ndf = 16) and 32×32 pixels on the
 * built-in shapes, sized to draw recognisable shapes of every class in about three minutes on two CPU cores
 * (measured by bench/first-run/check-shapes.mjs). Flags given on the command line override it.
 */
export const presets = {
  quickstart: {
    model: 'cgan',
    variant: 'tutorial',
    dataSpec: 'shapes',
    imageSize: 32,
    ngf: 16,
    ndf: 16,
    epochs: 20,
    batchSize: 32,
    learningRate: 5e-4,
  },
} as const satisfies Record<string, Partial<TrainSettings>>;
export type PresetName = keyof typeof presets;

/** What a preset is, as the flags it stands for. */
export function describePreset(name: PresetName): string {
  const preset = presets[name];
  return `--model ${preset.model} --variant ${preset.variant} --data ${preset.dataSpec} --image-size ${preset.imageSize} --ngf ${preset.ngf} --ndf ${preset.ndf} --epochs ${preset.epochs} --batch-size ${preset.batchSize} --lr ${preset.learningRate}`;
}

/** Reads `--background`: white, black, gray, #rrggbb or r,g,b (bytes). */
export function backgroundFlag(value: string | undefined): [number, number, number] | undefined {
  if (value === undefined) return undefined;
  const named: Record<string, [number, number, number]> = {
    white: [255, 255, 255],
    black: [0, 0, 0],
    gray: [128, 128, 128],
    grey: [128, 128, 128],
  };
  const text = value.trim().toLowerCase();
  if (named[text]) return named[text];
  const hex = /^#?([0-9a-f]{2})([0-9a-f]{2})([0-9a-f]{2})$/.exec(text);
  if (hex) return [1, 2, 3].map((i) => Number.parseInt(hex[i] as string, 16)) as [number, number, number];
  const parts = text.split(',').map((part) => Number(part.trim()));
  if (parts.length === 3 && parts.every((part) => Number.isInteger(part) && part >= 0 && part <= 255)) {
    return parts as [number, number, number];
  }
  throw new GanError(
    'INVALID_ARGUMENT',
    `Expected --background to be white, black, gray, #rrggbb or r,g,b with bytes 0-255, got "${value}".`,
  );
}

/** The data range each model is trained on by default (the generator's output activation follows it). */
const defaultRange: Partial<Record<ModelName, '0,1' | '-1,1'>> = { 'dcgan-mnist': '0,1', acgan: '0,1' };

/** Models whose generator always ends in tanh, so their data must be in [-1, 1]. */
export const tanhModels: readonly ModelName[] = ['dcgan', 'projection-gan', 'sngan', 'wgan-gp'];

/** Flags a resumed run may change: how long, how fast, where, and how it is saved. */
const changeableOnResume = new Set([
  'verbose',
  'epochs',
  'lr',
  'g-lr',
  'd-lr',
  'backend',
  'checkpoint-every',
  'keep-best-by',
  'eval-every',
  'eval-count',
  'resume',
  'help',
]);

/** The flags `--resume` accepts, as the error messages list them. */
const changeableList =
  '--epochs, --lr, --g-lr, --d-lr, --backend, --checkpoint-every, --keep-best-by, --eval-every and --eval-count';

function parseSettings(flags: TrainFlags, recorded: Partial<TrainSettings>): TrainSettings {
  const text = (name: string) => flags[name] as string | undefined;
  // A resumed run keeps the preset it was started with (none for runs older than presets).
  const preset: PresetName | undefined =
    'preset' in recorded
      ? recorded.preset
      : text('model') === undefined && text('data') === undefined
        ? 'quickstart'
        : undefined;
  const defaults: Partial<TrainSettings> = { ...(preset ? presets[preset] : {}), ...recorded };
  const model = choiceFlag(text('model'), 'model', modelNames, defaults.model ?? 'dcgan-mnist');
  const dataSpec = text('data') ?? defaults.dataSpec ?? 'shapes';
  const rangeName = choiceFlag(
    text('range'),
    'range',
    ['0,1', '-1,1'] as const,
    defaults.rangeName ?? defaultRange[model] ?? '-1,1',
  );
  if (tanhModels.includes(model) && rangeName !== '-1,1') {
    throw new GanError(
      'INVALID_ARGUMENT',
      `The ${model} model ends in tanh, so its data range is -1,1. Drop --range or pass --range -1,1.`,
    );
  }
  const seedFlag = text('seed');
  return {
    model,
    dataSpec,
    epochs: integerFlag(text('epochs'), 'epochs', defaults.epochs ?? 5),
    batchSize: integerFlag(text('batch-size'), 'batch-size', defaults.batchSize ?? 64),
    learningRate: numberFlag(text('lr'), 'lr', defaults.learningRate ?? 2e-4),
    beta1: numberFlag(text('beta1'), 'beta1', defaults.beta1 ?? 0.5),
    loss: choiceFlag(text('loss'), 'loss', lossNames, defaults.loss ?? 'non-saturating'),
    noise: choiceFlag(
      text('noise'),
      'noise',
      ['normal', 'uniform'] as const,
      defaults.noise ?? (model === 'dcgan-mnist' ? 'uniform' : 'normal'),
    ),
    rangeName,
    imageSize: integerFlag(text('image-size'), 'image-size', defaults.imageSize ?? 64),
    ngf: integerFlag(text('ngf'), 'ngf', defaults.ngf ?? 64),
    ndf: integerFlag(text('ndf'), 'ndf', defaults.ndf ?? 64),
    variant: choiceFlag(
      text('variant'),
      'variant',
      cganVariants,
      defaults.variant ?? (dataSpec === 'emoji' ? 'tutorial' : 'mlp'),
    ),
    background: backgroundFlag(text('background')) ?? defaults.background ?? [255, 255, 255],
    preset,
    sampleEpochs: integerListFlag(text('sample-epochs'), 'sample-epochs') ?? defaults.sampleEpochs,
    limit: text('limit') === undefined ? defaults.limit : integerFlag(text('limit'), 'limit', 0),
    seed:
      seedFlag === undefined
        ? (defaults.seed ?? Math.floor(Math.random() * 2 ** 31))
        : integerFlag(seedFlag, 'seed', 0, 0),
    latentDim: text('latent-dim') === undefined ? defaults.latentDim : integerFlag(text('latent-dim'), 'latent-dim', 1),
    out: text('out') ?? defaults.out ?? `runs/${model}-${dataSpec.replace(/[^\w.-]+/g, '_')}`,
    backend: text('backend') ?? 'auto',
    checkpointEvery:
      text('checkpoint-every') === undefined
        ? defaults.checkpointEvery
        : integerFlag(text('checkpoint-every'), 'checkpoint-every', 1),
    keepBestBy: text('keep-best-by') === undefined ? defaults.keepBestBy : checkBestMetric(text('keep-best-by')!),
    ema: fractionFlag(text('ema'), 'ema', 0, 1) ?? defaults.ema,
    evalEvery: text('eval-every') === undefined ? defaults.evalEvery : integerFlag(text('eval-every'), 'eval-every', 1),
    evalCount: integerFlag(text('eval-count'), 'eval-count', defaults.evalCount ?? 1000, 2),
    generatorLearningRate:
      text('g-lr') === undefined ? defaults.generatorLearningRate : numberFlag(text('g-lr'), 'g-lr', 0),
    discriminatorLearningRate:
      text('d-lr') === undefined ? defaults.discriminatorLearningRate : numberFlag(text('d-lr'), 'd-lr', 0),
    discriminatorSteps: integerFlag(text('d-steps'), 'd-steps', defaults.discriminatorSteps ?? 1),
    augment: augmentFlag(text('augment')) ?? defaults.augment ?? [],
    penalty: penaltyFlag(text('penalty')) ?? defaults.penalty,
    clipGradientNorm:
      text('clip-grad-norm') === undefined
        ? defaults.clipGradientNorm
        : numberFlag(text('clip-grad-norm'), 'clip-grad-norm', 0),
    labelNoise: fractionFlag(text('label-noise'), 'label-noise', 0, 0.5) ?? defaults.labelNoise ?? 0,
    learningRateDecay:
      text('lr-decay') === undefined
        ? defaults.learningRateDecay
        : choiceFlag(text('lr-decay'), 'lr-decay', learningRateDecays, 'linear'),
  };
}

/** The settings of a new run: the flags over the defaults. */
export function freshSettings(flags: TrainFlags): TrainSettings {
  return parseSettings(flags, {});
}

/** Reads `DIR/config.json` of a run, with a clear error when it is missing or not a run config. */
export async function readRunConfig(dir: string): Promise<RunConfig> {
  const path = join(dir, 'config.json');
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (cause) {
    throw new GanError(
      'NOT_FOUND',
      `No config.json in "${dir}": --resume takes the folder of a run started with \`gan train\` (its --out).`,
      { cause },
    );
  }
  try {
    const config = JSON.parse(text) as RunConfig;
    if (typeof config.model !== 'string' || typeof config.training?.batchSize !== 'number')
      throw new Error('fields missing');
    return config;
  } catch (cause) {
    throw new GanError(
      'CORRUPT_FILE',
      `${path} is not a valid gan run config (${(cause as Error).message}). Start a new run instead of resuming.`,
      { cause },
    );
  }
}

/** What a setting that config.json does not hold (an older run) stands for. */
const recordedDefaults: Partial<TrainSettings> = {
  imageSize: 64,
  ngf: 64,
  ndf: 64,
  background: [255, 255, 255],
  variant: 'mlp',
  discriminatorSteps: 1,
  augment: [],
  labelNoise: 0,
};

/**
 * The settings of a resumed run: those in config.json, with `--epochs`, the learning rates, `--backend`,
 * `--checkpoint-every`, `--keep-best-by`, `--eval-every` and `--eval-count` allowed to change. Any other
 * flag must repeat the recorded value.
 */
export function resumedSettings(dir: string, config: RunConfig, flags: TrainFlags): TrainSettings {
  const { training } = config;
  const recorded: Partial<TrainSettings> = {
    model: config.model,
    dataSpec: config.data.spec,
    epochs: training.epochs,
    batchSize: training.batchSize,
    learningRate: training.learningRate,
    beta1: training.beta1,
    loss: training.loss,
    noise: training.noise,
    rangeName: config.data.range[0] === 0 ? '0,1' : '-1,1',
    imageSize: config.modelConfig.imageSize,
    ngf: config.modelConfig.ngf,
    ndf: config.modelConfig.ndf,
    variant: config.modelConfig.variant,
    background: config.data.background,
    preset: config.preset,
    sampleEpochs: training.sampleEpochs === 'every' ? undefined : training.sampleEpochs,
    limit: config.data.limit,
    seed: training.seed,
    latentDim: config.modelConfig.latentDim,
    out: dir,
    checkpointEvery: training.checkpointEvery,
    keepBestBy: training.keepBestBy,
    ema: training.ema,
    evalEvery: training.evalEvery,
    evalCount: training.evalCount,
    generatorLearningRate: training.generatorLearningRate,
    discriminatorLearningRate: training.discriminatorLearningRate,
    discriminatorSteps: training.discriminatorSteps,
    augment: training.augment,
    penalty: training.penalty,
    clipGradientNorm: training.clipGradientNorm,
    labelNoise: training.labelNoise,
    learningRateDecay: training.learningRateDecay,
  };
  const settings = parseSettings(flags, recorded);
  const keyOf: Record<string, keyof TrainSettings> = {
    model: 'model',
    data: 'dataSpec',
    'batch-size': 'batchSize',
    'latent-dim': 'latentDim',
    beta1: 'beta1',
    loss: 'loss',
    noise: 'noise',
    range: 'rangeName',
    'image-size': 'imageSize',
    ngf: 'ngf',
    ndf: 'ndf',
    background: 'background',
    variant: 'variant',
    'sample-epochs': 'sampleEpochs',
    limit: 'limit',
    seed: 'seed',
    ema: 'ema',
    'd-steps': 'discriminatorSteps',
    augment: 'augment',
    penalty: 'penalty',
    'clip-grad-norm': 'clipGradientNorm',
    'label-noise': 'labelNoise',
    'lr-decay': 'learningRateDecay',
  };
  for (const [flag, value] of Object.entries(flags)) {
    if (value === undefined || changeableOnResume.has(flag)) continue;
    if (flag === 'out') {
      if (resolve(String(value)) === resolve(dir)) continue;
      throw new GanError(
        'INVALID_ARGUMENT',
        `--out ${String(value)} conflicts with --resume ${dir}: a resumed run stays in its folder. Drop --out.`,
      );
    }
    const key = keyOf[flag];
    if (key === undefined) {
      throw new GanError('INVALID_ARGUMENT', `--${flag} cannot be used with --resume. Drop it.`);
    }
    const recordedValue = recorded[key] ?? recordedDefaults[key];
    if (JSON.stringify(settings[key]) !== JSON.stringify(recordedValue)) {
      throw new GanError(
        'INVALID_ARGUMENT',
        `--${flag} ${String(value)} conflicts with the run in ${dir}, which was started with ${JSON.stringify(recordedValue ?? 'the default')} (config.json). ` +
          `A resumed run keeps its settings; only ${changeableList} may change. Drop --${flag}, or start a new run with another --out.`,
      );
    }
  }
  return settings;
}
