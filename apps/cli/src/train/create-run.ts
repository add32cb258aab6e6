import type { createRandom } from '@gan/core';
import { GanError } from '@gan/core';
import { checkDataShape, createGan } from '@gan/models';
import type { loadData } from '../datasets.js';
import type { RunModels } from '../run/checkpoints.js';
import type { RunConfig } from '../run/config.js';
import { runPaths, writeJson } from '../run/files.js';
import type { TrainSettings } from './flags.js';
import { storedTraining } from './settings.js';

/** The data of a run, as `loadData` gives it. */
export type RunData = Awaited<ReturnType<typeof loadData>>;

/** Models that take labelled data. */
const conditionalModels: readonly string[] = ['cgan', 'acgan', 'projection-gan'];

/** Whether the model is built for a square --image-size, to which image data is resized. */
export function takesImageSize(settings: { model: string; variant: string }): boolean {
  return (
    ['dcgan', 'wgan-gp'].includes(settings.model) || (settings.model === 'cgan' && settings.variant === 'tutorial')
  );
}

/** The configuration `createGan` builds the run's model from. */
function modelConfigOf(settings: TrainSettings, data: RunData, seed: number) {
  const { model, rangeName, imageSize, variant, ngf, ndf } = settings;
  const outputActivation = data.shape.length === 1 ? 'linear' : rangeName === '0,1' ? 'sigmoid' : 'tanh';
  const shared = { latentDim: settings.latentDim, seed };
  const modelConfigs = {
    dcgan: { ...shared, imageSize, channels: data.shape[2], ngf, ndf },
    'dcgan-mnist': { ...shared, outputActivation },
    mlp: { ...shared, imageShape: data.shape, outputActivation },
    cgan:
      variant === 'tutorial'
        ? { ...shared, variant, numClasses: data.numClasses, imageSize, channels: data.shape[2], ngf, ndf }
        : { ...shared, variant, numClasses: data.numClasses, imageShape: data.shape, outputActivation },
    acgan: { ...shared, numClasses: data.numClasses, imageShape: data.shape, outputActivation },
    'projection-gan': { ...shared, numClasses: data.numClasses, imageShape: data.shape },
    sngan: { ...shared, imageShape: data.shape },
    'wgan-gp': { ...shared, imageSize, channels: data.shape[2] },
  };
  return modelConfigs[model];
}

/** Builds the models of a new run and writes its config.json. */
export async function createRun(
  settings: TrainSettings,
  data: RunData,
  random: ReturnType<typeof createRandom>,
  backend: string,
): Promise<RunModels> {
  const { model } = settings;
  if (conditionalModels.includes(model) && !data.numClasses) {
    throw new GanError(
      'INVALID_ARGUMENT',
      `${model} needs labelled data, and "${data.name}" has no labels. Use --data shapes, mnist or a folder with one subfolder per class.`,
    );
  }
  const modelConfig = modelConfigOf(settings, data, random.seed());
  const gan = createGan(model, modelConfig as never);
  try {
    checkDataShape(gan.info, [null, ...data.shape], data.range);
  } catch (error) {
    if (GanError.isInstance(error) && error.code === 'SHAPE_MISMATCH') {
      throw new GanError(
        'SHAPE_MISMATCH',
        `${error.message} On the command line: --model dcgan-mnist, mlp or cgan take 28×28 images such as shapes or mnist; --model dcgan, wgan-gp and cgan --variant tutorial take images resized to --image-size.`,
        { cause: error },
      );
    }
    throw error;
  }
  const config: RunConfig = {
    model,
    modelConfig: { ...modelConfig, latentDim: gan.info.latentDim },
    info: gan.info as unknown as RunConfig['info'],
    data: {
      spec: settings.dataSpec,
      name: data.name,
      source: data.source,
      size: data.size,
      shape: data.shape,
      range: data.range as [number, number],
      numClasses: data.numClasses,
      classNames: data.classNames,
      limit: settings.limit,
      background: settings.background,
    },
    training: storedTraining(settings),
    backend,
    preset: settings.preset,
    createdAt: new Date().toISOString(),
  };
  await writeJson(runPaths(settings.out).config, config);
  return { generator: gan.generator, discriminator: gan.discriminator };
}
