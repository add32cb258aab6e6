import { GanError } from '@gan/core';
import { type AcganConfig, acgan } from './acgan.js';
import { type CganConfig, cgan } from './cgan.js';
import { type DcganConfig, dcgan } from './dcgan.js';
import { type DcganMnistConfig, dcganMnist } from './dcgan-mnist.js';
import { type MlpGanConfig, mlpGan } from './mlp-gan.js';
import { type ProjectionGanConfig, projectionGan } from './projection-gan.js';
import { type SnganConfig, sngan } from './sngan.js';
import type { GanModels } from './types.js';
import { type WganGpConfig, wganGp } from './wgan-gp.js';

/** The names {@link createGan} knows, in the order the CLI lists them. */
export const modelNames = [
  'dcgan',
  'dcgan-mnist',
  'mlp',
  'cgan',
  'acgan',
  'projection-gan',
  'sngan',
  'wgan-gp',
] as const;

/** One of {@link modelNames}. */
export type ModelName = (typeof modelNames)[number];

/** The config type of each named model. */
export interface ModelConfigs {
  dcgan: DcganConfig;
  'dcgan-mnist': DcganMnistConfig;
  mlp: MlpGanConfig;
  cgan: CganConfig;
  acgan: AcganConfig;
  'projection-gan': ProjectionGanConfig;
  sngan: SnganConfig;
  'wgan-gp': WganGpConfig;
}

const builders: { [N in ModelName]: (config: ModelConfigs[N]) => GanModels } = {
  dcgan,
  'dcgan-mnist': dcganMnist,
  mlp: mlpGan,
  cgan,
  acgan,
  'projection-gan': projectionGan,
  sngan,
  'wgan-gp': wganGp,
};

const options: { [N in ModelName]: readonly (keyof ModelConfigs[N])[] } = {
  dcgan: ['imageSize', 'channels', 'latentDim', 'ngf', 'ndf', 'seed'],
  'dcgan-mnist': ['latentDim', 'outputActivation', 'seed', 'widths'],
  mlp: ['latentDim', 'imageShape', 'outputActivation', 'seed', 'hidden'],
  cgan: [
    'variant',
    'numClasses',
    'latentDim',
    'imageShape',
    'outputActivation',
    'imageSize',
    'channels',
    'ngf',
    'ndf',
    'seed',
    'hidden',
    'widths',
  ],
  acgan: ['numClasses', 'latentDim', 'imageShape', 'outputActivation', 'seed'],
  'projection-gan': ['numClasses', 'imageShape', 'latentDim', 'ngf', 'ndf', 'seed'],
  sngan: ['imageShape', 'latentDim', 'ngf', 'ndf', 'seed'],
  'wgan-gp': ['imageSize', 'channels', 'latentDim', 'ngf', 'ndf', 'seed'],
};

function isModelName(name: string): name is ModelName {
  return (modelNames as readonly string[]).includes(name);
}

/**
 * Builds a named GAN, for the CLI and config files. Throws GanError `UNKNOWN_NAME` for a name not in
 * {@link modelNames}, and `INVALID_ARGUMENT` for an option the model does not have (options set to
 * `undefined` are ignored), so that a typo does not go unnoticed.
 */
export function createGan<N extends ModelName>(name: N, config?: ModelConfigs[N]): GanModels;
export function createGan(name: string, config?: Record<string, unknown>): GanModels;
export function createGan(name: string, config: Record<string, unknown> = {}): GanModels {
  if (!isModelName(name)) {
    throw new GanError('UNKNOWN_NAME', `Unknown model "${name}". Known models: ${modelNames.join(', ')}.`);
  }
  const known = options[name] as readonly string[];
  for (const [key, value] of Object.entries(config)) {
    if (value !== undefined && !known.includes(key)) {
      throw new GanError(
        'INVALID_ARGUMENT',
        `Unknown option "${key}" for model "${name}". Options of ${name}: ${known.join(', ')}.`,
      );
    }
  }
  return (builders[name] as (config: Record<string, unknown>) => GanModels)(config);
}
