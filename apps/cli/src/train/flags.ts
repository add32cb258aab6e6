import { GanError } from '@gan/core';
import { lossNames } from '@gan/losses';
import { type ModelName, modelNames } from '@gan/models';
import { learningRateDecays, type TrainRecipe } from '@gan/train';
import { backgroundFlag, read } from '../args.js';
import { type BestMetricName, bestMetricNames, checkBestMetric } from '../run/best-metric.js';
import type { RunConfig, RunMeasures } from '../run/config.js';
import { augmentFlag, penaltyFlag } from './parsers.js';
import { defaultStallMinutes } from './watchdog.js';

/**
 * Every setting of `gan train`: the fields of its training recipe (config.json's `training`, see `TrainRecipe`
 * of @gan/train) and the run's measures, kept beside them; the model, the data and where the run goes.
 */
export interface TrainSettings extends Omit<TrainRecipe, 'version'>, RunMeasures {
  model: ModelName;
  dataSpec: string;
  /** Colour transparent pixels of image data are composited over (`--background`), bytes. */
  background: [number, number, number];
  latentDim: number | undefined;
  rangeName: '0,1' | '-1,1';
  imageSize: number;
  /** Feature maps of the DCGAN generator's last hidden layer and the discriminator's first (`--ngf`, `--ndf`). */
  ngf: number;
  ndf: number;
  variant: CganVariant;
  limit: number | undefined;
  backend: string;
  out: string;
  evalCount: number;
  /** The named preset the defaults came from (`quickstart` when neither --model nor --data is given). */
  preset: PresetName | undefined;
}

/** The settings read so far, in the order of the table: a flag's default may depend on those before it. */
type SettingsSoFar = Partial<TrainSettings>;

/**
 * What `--resume` does with a flag: `keep` (it must repeat the value the run was started with), one of
 * {@link changeKinds} (it may change), `folder` (`--out`: only the run's own folder), `refuse`, or `ignore`
 * (says nothing about the run).
 */
type ResumeRule = 'keep' | ChangeKind | 'folder' | 'refuse' | 'ignore';

/** What a resumed run may change, in the order the help and the errors list the flags. */
const changeKinds = ['how long and how fast', 'where', 'how it is saved', 'how it is measured'] as const;
type ChangeKind = (typeof changeKinds)[number];

/** One flag of `gan train`: its parsing, help text, default, what `--resume` does with it, where it is stored. */
export interface TrainFlag {
  name: string;
  /** Placeholder of the value in the help (`N`, `X`, `NAME`); none for a switch. */
  value?: string;
  short?: string;
  /** The help's first column, when it is not `--name VALUE` (two flags on one line). */
  usage?: string;
  /** The help text after the first column, `\n` between its lines; none for a flag the help leaves out. */
  help?: string | (() => string);
  /** The setting it sets; none for a flag `gan train` reads itself (`--resume`, `--verbose`). */
  key?: keyof TrainSettings;
  read?: (text: string, flag: string, settings: SettingsSoFar) => unknown;
  /** The value without the flag (nor a preset or the resumed run's value to take). */
  default?: unknown;
  /** Checks the setting against the ones before it. */
  check?(settings: SettingsSoFar): void;
  /**
   * Where config.json keeps the setting: a field of the recipe (`training`), a measure kept beside it, or, for a
   * setting config.json keeps elsewhere, how to read it back. None: not kept.
   */
  stored?: 'recipe' | 'measures' | ((config: RunConfig, dir: string) => unknown);
  /** Defaults to `keep`. */
  resume?: ResumeRule;
}

/** A flag that sets `key`, typed by it. */
function setting<K extends keyof TrainSettings>(
  flag: Omit<TrainFlag, 'key' | 'read' | 'default'> & {
    key: K;
    read: (text: string, flag: string, settings: SettingsSoFar) => TrainSettings[K];
    default?: TrainSettings[K] | ((settings: SettingsSoFar) => TrainSettings[K]);
  },
): TrainFlag {
  return flag;
}

/** The variants of `--model cgan`: the MLP, the MNIST DCGAN, or the PyTorch tutorial DCGAN (32/64/128 px). */
export const cganVariants = ['mlp', 'dcgan', 'tutorial'] as const;
export type CganVariant = (typeof cganVariants)[number];

/** The data range each model is trained on by default (the generator's output activation follows it). */
const defaultRange: Partial<Record<ModelName, '0,1' | '-1,1'>> = { 'dcgan-mnist': '0,1', acgan: '0,1' };

/** Models whose generator always ends in tanh, so their data must be in [-1, 1]. */
export const tanhModels: readonly ModelName[] = ['dcgan', 'projection-gan', 'sngan', 'wgan-gp'];

/** The flags of `gan train`, in the order of the help (a flag's default may depend on the flags above it). */
export const trainFlags: readonly TrainFlag[] = [
  setting({
    name: 'model',
    value: 'NAME',
    help: `${modelNames.join(' | ')} (default dcgan-mnist)`,
    key: 'model',
    read: read.choice(modelNames),
    default: 'dcgan-mnist',
    stored: (config) => config.model,
  }),
  setting({
    name: 'data',
    value: 'NAME|PATH',
    help: `shapes | ring | mnist | fashion-mnist | emoji | a folder of idx files or images, one
subfolder per class for labels (default shapes)`,
    key: 'dataSpec',
    read: read.text(),
    default: 'shapes',
    stored: (config) => config.data.spec,
  }),
  setting({
    name: 'background',
    value: 'COLOR',
    help: `what transparent pixels of images are composited over: white | black | gray | #rrggbb |
r,g,b (default white)`,
    key: 'background',
    read: (text) => backgroundFlag(text)!,
    default: [255, 255, 255],
    stored: (config) => config.data.background,
  }),
  setting({
    name: 'epochs',
    value: 'N',
    help: 'passes over the data (default 5)',
    key: 'epochs',
    read: read.integer(),
    default: 5,
    stored: 'recipe',
    resume: 'how long and how fast',
  }),
  setting({
    name: 'batch-size',
    value: 'N',
    help: 'examples per step (default 64)',
    key: 'batchSize',
    read: read.integer(),
    default: 64,
    stored: 'recipe',
  }),
  setting({
    name: 'latent-dim',
    value: 'N',
    help: "size of z (default: the model's, 100 or 62)",
    key: 'latentDim',
    read: read.integer(),
    stored: (config) => config.modelConfig.latentDim,
  }),
  setting({
    name: 'lr',
    value: 'X',
    help: 'Adam learning rate for both networks (default 0.0002)',
    key: 'learningRate',
    read: read.positive(),
    default: 2e-4,
    stored: 'recipe',
    resume: 'how long and how fast',
  }),
  setting({
    name: 'g-lr',
    value: 'X',
    help: "the generator's learning rate (two time-scale update rule; default --lr)",
    key: 'generatorLearningRate',
    read: read.positive(),
    stored: 'recipe',
    resume: 'how long and how fast',
  }),
  setting({
    name: 'd-lr',
    value: 'X',
    help: "the discriminator's learning rate (default --lr)",
    key: 'discriminatorLearningRate',
    read: read.positive(),
    stored: 'recipe',
    resume: 'how long and how fast',
  }),
  setting({
    name: 'lr-decay',
    value: 'KIND',
    help: `linear: the rates fall linearly to 0 at the last step of --epochs;
exponential: they are multiplied by 0.1^(step / total steps), ending at 0.1× (default none)`,
    key: 'learningRateDecay',
    read: read.choice(learningRateDecays),
    stored: 'recipe',
  }),
  setting({
    name: 'beta1',
    value: 'X',
    help: 'Adam beta1 (default 0.5)',
    key: 'beta1',
    read: read.positive(),
    default: 0.5,
    stored: 'recipe',
  }),
  setting({
    name: 'beta2',
    value: 'X',
    help: 'Adam beta2 (default 0.999)',
    key: 'beta2',
    read: read.fraction(0, 1),
    default: 0.999,
    stored: 'recipe',
  }),
  setting({
    name: 'loss',
    value: 'NAME',
    help: `${lossNames.join(' | ')} (default non-saturating)`,
    key: 'loss',
    read: read.choice(lossNames),
    default: 'non-saturating',
    stored: 'recipe',
  }),
  setting({
    name: 'd-steps',
    value: 'N',
    help: 'discriminator updates per generator update, each on its own batch (default 1)',
    key: 'discriminatorSteps',
    read: read.integer(),
    default: 1,
    stored: 'recipe',
  }),
  setting({
    name: 'penalty',
    value: 'P[:W]',
    help: `gradient penalty on D: gp (WGAN-GP, on interpolates) | r1 (on real) | r2 (on fake),
weight W (default 10), e.g. r1:5 (default none)`,
    key: 'penalty',
    read: (text) => penaltyFlag(text),
    stored: 'recipe',
  }),
  setting({
    name: 'augment',
    value: 'LIST',
    help: `DiffAugment for D's inputs, real and fake alike: comma-separated translation, cutout,
color (images only; default none)`,
    key: 'augment',
    read: (text) => augmentFlag(text)!,
    default: [],
    stored: 'recipe',
  }),
  setting({
    name: 'clip-grad-norm',
    value: 'X',
    help: "scale each update's gradients down to global L2 norm X (default no clipping)",
    key: 'clipGradientNorm',
    read: read.positive(),
    stored: 'recipe',
  }),
  setting({
    name: 'label-noise',
    value: 'P',
    help: "fraction of D's labels flipped at random in each update, 0 ≤ P < 0.5 (default 0)",
    key: 'labelNoise',
    read: read.fraction(0, 0.5),
    default: 0,
    stored: 'recipe',
  }),
  setting({
    name: 'ema',
    value: 'DECAY',
    help: `keep a moving average of the generator's weights (e.g. 0.999), saved as generator-ema/
at each epoch end and in checkpoints; sample it with gan sample --ema (default none)`,
    key: 'ema',
    read: read.fraction(0, 1),
    stored: 'recipe',
  }),
  setting({
    name: 'noise',
    value: 'KIND',
    help: 'normal | uniform (default: uniform for dcgan-mnist, normal otherwise)',
    key: 'noise',
    read: read.choice(['normal', 'uniform'] as const),
    default: ({ model }) => (model === 'dcgan-mnist' ? 'uniform' : 'normal'),
    stored: 'recipe',
  }),
  setting({
    name: 'range',
    value: 'R',
    help: '0,1 | -1,1: data range and generator output (default 0,1 for dcgan-mnist, -1,1 otherwise)',
    key: 'rangeName',
    read: read.choice(['0,1', '-1,1'] as const),
    default: ({ model }) => defaultRange[model!] ?? '-1,1',
    check: ({ model, rangeName }) => {
      if (tanhModels.includes(model!) && rangeName !== '-1,1') {
        throw new GanError(
          'INVALID_ARGUMENT',
          `The ${model} model ends in tanh, so its data range is -1,1. Drop --range or pass --range -1,1.`,
        );
      }
    },
    stored: (config) => (config.data.range[0] === 0 ? '0,1' : '-1,1'),
  }),
  setting({
    name: 'image-size',
    value: 'N',
    help: `image size of dcgan, wgan-gp and cgan --variant tutorial: 32 | 64 | 128; images are
resized to it (area averaging when shrinking, bilinear when enlarging; default 64)`,
    key: 'imageSize',
    read: read.integer(),
    default: 64,
    stored: (config) => config.modelConfig.imageSize,
  }),
  setting({
    name: 'ngf',
    value: 'N',
    usage: '--ngf N, --ndf N',
    help: `feature maps of the dcgan generator's last hidden layer / the discriminator's first
layer, doubling per layer (default 64, the PyTorch tutorial's)`,
    key: 'ngf',
    read: read.integer(),
    default: 64,
    stored: (config) => config.modelConfig.ngf,
  }),
  setting({
    name: 'ndf',
    value: 'N',
    key: 'ndf',
    read: read.integer(),
    default: 64,
    stored: (config) => config.modelConfig.ndf,
  }),
  setting({
    name: 'variant',
    value: 'V',
    help: `cgan variant: mlp | dcgan (the MNIST DCGAN) | tutorial (the conditional --model dcgan
network, takes --image-size) (default tutorial for --data emoji, else mlp)`,
    key: 'variant',
    read: read.choice(cganVariants),
    default: ({ dataSpec }) => (dataSpec === 'emoji' ? 'tutorial' : 'mlp'),
    stored: (config) => config.modelConfig.variant,
  }),
  setting({
    name: 'sample-epochs',
    value: 'L',
    help: 'epochs that write samples/epoch_NNN.png, e.g. 1,5,25 (default every epoch)',
    key: 'sampleEpochs',
    read: read.epochs(),
    stored: 'recipe',
  }),
  setting({
    name: 'limit',
    value: 'N',
    help: 'use only the first N examples of the data',
    key: 'limit',
    read: read.integer(),
    stored: (config) => config.data.limit,
  }),
  setting({
    name: 'seed',
    value: 'N',
    help: 'seed for weights, noise and shuffling (default random, the quick-start preset 999; in config.json)',
    key: 'seed',
    read: read.integer(0),
    default: () => Math.floor(Math.random() * 2 ** 31),
    stored: 'recipe',
  }),
  setting({
    name: 'backend',
    value: 'NAME',
    help: `auto | tensorflow | webgpu | wasm | cpu (default auto, which skips software GPU
adapters such as lavapipe; --backend webgpu uses them)`,
    key: 'backend',
    read: read.text(),
    default: 'auto',
    resume: 'where',
  }),
  setting({
    name: 'out',
    value: 'DIR',
    help: 'run folder (default runs/<model>-<data>)',
    key: 'out',
    read: read.text(),
    default: ({ model, dataSpec }) => `runs/${model}-${dataSpec!.replace(/[^\w.-]+/g, '_')}`,
    stored: (_config, dir) => dir,
    resume: 'folder',
  }),
  setting({
    name: 'checkpoint-every',
    value: 'N',
    help: 'also save checkpoints/latest every N steps (default: at epoch ends and on Ctrl-C)',
    key: 'checkpointEvery',
    read: read.integer(),
    stored: 'recipe',
    resume: 'how it is saved',
  }),
  setting({
    name: 'eval-every',
    value: 'N',
    help: `every N epochs, measure FID as gan eval does (the @gan/metrics digit classifier for
28×28×1 runs, its emoji classifier for 64×64×3), log it and add it to history.json
(default never)`,
    key: 'evalEvery',
    read: read.integer(),
    stored: 'measures',
    resume: 'how it is measured',
  }),
  setting({
    name: 'eval-count',
    value: 'N',
    help: 'generated images per FID measurement; as many real ones, at most the data set (default 1000)',
    key: 'evalCount',
    read: read.integer(2),
    default: 1000,
    stored: 'measures',
    resume: 'how it is measured',
  }),
  setting({
    name: 'keep-best-by',
    value: 'M',
    help: `keep checkpoints/best by ${bestMetricNames.join(' | ')} (lower is better; fid needs
--eval-every; default none)`,
    key: 'keepBestBy',
    read: (text): BestMetricName => checkBestMetric(text),
    stored: 'measures',
    resume: 'how it is saved',
  }),
  {
    name: 'tb-histograms',
    help: "also write histograms of every layer's weights to tensorboard/ at each epoch end",
    resume: 'ignore',
  },
  {
    name: 'stall-minutes',
    value: 'M',
    help: `stop the process with a message when no step finishes for M minutes: a stuck run
ends, its checkpoints intact, instead of spinning (default ${defaultStallMinutes}; 0: never)`,
    resume: 'ignore',
  },
  {
    name: 'resume',
    value: 'DIR',
    help: () =>
      `continue the run in DIR from its latest checkpoint, with the settings in its config.json;\n${wrap(`only ${changeableFlags()} may change`, 88)}`,
    resume: 'ignore',
  },
  {
    name: 'overwrite',
    help: 'start a new run in an --out folder that holds one (its checkpoints and log are deleted)',
    resume: 'refuse',
  },
  {
    name: 'verbose',
    help: 'say which backends were tried and why, and what the data loader skipped',
    resume: 'ignore',
  },
  { name: 'help', short: 'h', resume: 'ignore' },
];

/** The flags a resumed run may change, as the help and the errors list them: `--epochs, … and --eval-count`. */
export function changeableFlags(): string {
  const names = changeKinds.flatMap((kind) =>
    trainFlags.filter((flag) => flag.resume === kind).map((flag) => `--${flag.name}`),
  );
  return `${names.slice(0, -1).join(', ')} and ${names.at(-1)}`;
}

/** `text` broken into lines of at most `width` characters at spaces. */
function wrap(text: string, width: number): string {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(' ')) {
    if (line !== '' && line.length + 1 + word.length > width) {
      lines.push(line);
      line = word;
    } else line = line === '' ? word : `${line} ${word}`;
  }
  return [...lines, line].join('\n');
}

/** The options of `parseArgs` for the flags. */
export function parseArgsOptions(flags: readonly TrainFlag[]) {
  return Object.fromEntries(
    flags.map((flag) => [
      flag.name,
      {
        type: flag.value === undefined ? ('boolean' as const) : ('string' as const),
        ...(flag.short === undefined ? {} : { short: flag.short }),
      },
    ]),
  );
}

/** The flags' part of the help: `  --name VALUE        text`, continued lines indented to the text. */
export function flagHelp(flags: readonly TrainFlag[]): string {
  const indent = ' '.repeat(22);
  return flags
    .filter((flag) => flag.help !== undefined)
    .map((flag) => {
      const usage = flag.usage ?? `--${flag.name}${flag.value === undefined ? '' : ` ${flag.value}`}`;
      const text = typeof flag.help === 'function' ? flag.help() : flag.help!;
      return `  ${usage.padEnd(18)}  ${text.split('\n').join(`\n${indent}`)}`;
    })
    .join('\n');
}

/**
 * Named sets of defaults, as the flags they stand for. `quickstart` is what `gan train` runs with neither
 * --model nor --data: the conditional PyTorch-tutorial DCGAN (`cgan --variant tutorial`) at a quarter width
 * (ngf = ndf = 16) and 32×32 pixels on the built-in shapes, sized to draw recognisable shapes of every class in
 * about three minutes on two CPU cores (measured by bench/first-run/check-shapes.mjs), with the PyTorch tutorial's
 * seed (999) so that the first run is reproducible. Flags given on the command line override it.
 */
export const presets = {
  quickstart: {
    model: 'cgan',
    variant: 'tutorial',
    data: 'shapes',
    'image-size': 32,
    ngf: 16,
    ndf: 16,
    epochs: 26,
    'batch-size': 32,
    lr: 5e-4,
    // The PyTorch tutorial's manualSeed: the first run is the same run on every machine (wasm is deterministic).
    seed: 999,
  },
} as const satisfies Record<string, Record<string, unknown>>;
export type PresetName = keyof typeof presets;

/**
 * What a preset is, as the flags it stands for; with `given` (the command line's flags), a flag given another value
 * shows that value and the preset's: `--epochs 10 (preset: 26)`.
 */
export function describePreset(name: PresetName, given: Record<string, unknown> = {}): string {
  return Object.entries(presets[name])
    .map(([flag, value]) => {
      const own = given[flag];
      return own === undefined || String(own) === String(value)
        ? `--${flag} ${value}`
        : `--${flag} ${String(own)} (preset: ${value})`;
    })
    .join(' ');
}
