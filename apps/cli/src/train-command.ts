import { parseArgs } from 'node:util';
import { initBackend, registerTrainingKernels } from '@gan/backend';
import { GanError, createRandom } from '@gan/core';
import { type ModelName, checkDataShape, createGan, modelNames } from '@gan/models';
import { saveModel } from '@gan/models/node';
import { lossNames } from '@gan/losses';
import { trainGan } from '@gan/train';
import * as tf from '@tensorflow/tfjs-core';
import { choiceFlag, integerFlag, integerListFlag, numberFlag } from './args.js';
import { loadData } from './datasets.js';
import { scatterPlot, toRaster } from './images.js';
import { plotLosses } from './plot.js';
import { createProgress } from './progress.js';
import { runPaths, writeJson, writePng } from './run-files.js';

export const trainUsage = `gan train [options]

Trains a GAN and writes generator/, discriminator/, config.json, history.json, loss.png and samples/ to --out.
With no options it trains the MNIST DCGAN on the built-in "shapes" set (no download).

  --model NAME        dcgan | dcgan-mnist | mlp | cgan (default dcgan-mnist)
  --data NAME|PATH    shapes | ring | mnist | fashion-mnist | a folder of idx files or images (default shapes)
  --epochs N          passes over the data (default 5)
  --batch-size N      examples per step (default 64)
  --latent-dim N      size of z (default: the model's, 100 or 62)
  --lr X              Adam learning rate for both networks (default 0.0002)
  --beta1 X           Adam beta1 (default 0.5)
  --loss NAME         ${lossNames.join(' | ')} (default non-saturating)
  --noise KIND        normal | uniform (default: uniform for dcgan-mnist, normal otherwise)
  --range R           0,1 | -1,1: data range and generator output (default 0,1 for dcgan-mnist, -1,1 otherwise)
  --image-size N      dcgan image size 32 | 64 | 128; image folders are resized to it (default 64)
  --variant V         cgan variant: mlp | dcgan (default mlp)
  --sample-epochs L   epochs that write samples/epoch_NNN.png, e.g. 1,5,25 (default every epoch)
  --limit N           use only the first N examples of the data
  --seed N            seed for weights, noise and shuffling (default random, recorded in config.json)
  --backend NAME      auto | tensorflow | webgpu | wasm | cpu (default auto)
  --out DIR           run folder (default runs/<model>-<data>)`;

const defaultRange: Record<ModelName, '0,1' | '-1,1'> = {
  dcgan: '-1,1',
  'dcgan-mnist': '0,1',
  mlp: '-1,1',
  cgan: '-1,1',
};

export async function trainCommand(argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    strict: true,
    options: {
      model: { type: 'string' },
      data: { type: 'string' },
      epochs: { type: 'string' },
      'batch-size': { type: 'string' },
      'latent-dim': { type: 'string' },
      lr: { type: 'string' },
      beta1: { type: 'string' },
      loss: { type: 'string' },
      noise: { type: 'string' },
      range: { type: 'string' },
      'image-size': { type: 'string' },
      variant: { type: 'string' },
      'sample-epochs': { type: 'string' },
      limit: { type: 'string' },
      seed: { type: 'string' },
      backend: { type: 'string' },
      out: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    console.log(trainUsage);
    return;
  }
  const model = choiceFlag(values.model, 'model', modelNames, 'dcgan-mnist');
  const dataSpec = values.data ?? 'shapes';
  const epochs = integerFlag(values.epochs, 'epochs', 5);
  const batchSize = integerFlag(values['batch-size'], 'batch-size', 64);
  const learningRate = numberFlag(values.lr, 'lr', 2e-4);
  const beta1 = numberFlag(values.beta1, 'beta1', 0.5);
  const loss = choiceFlag(values.loss, 'loss', lossNames, 'non-saturating');
  const noise = choiceFlag(
    values.noise,
    'noise',
    ['normal', 'uniform'] as const,
    model === 'dcgan-mnist' ? 'uniform' : 'normal',
  );
  const rangeName = choiceFlag(values.range, 'range', ['0,1', '-1,1'] as const, defaultRange[model]);
  if (model === 'dcgan' && rangeName !== '-1,1') {
    throw new GanError(
      'INVALID_ARGUMENT',
      'The dcgan model ends in tanh, so its data range is -1,1. Drop --range or pass --range -1,1.',
    );
  }
  const range: [number, number] = rangeName === '0,1' ? [0, 1] : [-1, 1];
  const imageSize = integerFlag(values['image-size'], 'image-size', 64);
  const variant = choiceFlag(values.variant, 'variant', ['mlp', 'dcgan'] as const, 'mlp');
  const sampleEpochs = integerListFlag(values['sample-epochs'], 'sample-epochs');
  const limit = values.limit === undefined ? undefined : integerFlag(values.limit, 'limit', 0);
  const seed = values.seed === undefined ? Math.floor(Math.random() * 2 ** 31) : integerFlag(values.seed, 'seed', 0, 0);
  const out = values.out ?? `runs/${model}-${dataSpec.replace(/[^\w.-]+/g, '_')}`;
  const paths = runPaths(out);
  const progress = createProgress(epochs);

  const backend = await initBackend({ prefer: (values.backend ?? 'auto') as never });
  registerTrainingKernels();
  progress.message(`backend: ${backend.name} (${backend.reason})`);

  const data = await loadData(dataSpec, {
    range,
    imageSize: model === 'dcgan' ? imageSize : undefined,
    limit,
    seed,
    log: (line) => progress.message(line),
  });
  progress.message(`data: ${data.name}, ${data.size} examples of [${data.shape.join(', ')}] from ${data.source}`);

  const random = createRandom(seed);
  const latentDim = values['latent-dim'] === undefined ? undefined : integerFlag(values['latent-dim'], 'latent-dim', 1);
  if (model === 'cgan' && !data.numClasses) {
    throw new GanError(
      'INVALID_ARGUMENT',
      `cgan needs labelled data, and "${data.name}" has no labels. Use --data shapes, mnist or a folder with one subfolder per class.`,
    );
  }
  const outputActivation = data.shape.length === 1 ? 'linear' : rangeName === '0,1' ? 'sigmoid' : 'tanh';
  const shared = { latentDim, seed: random.seed() };
  const modelConfigs = {
    dcgan: { ...shared, imageSize, channels: data.shape[2] },
    'dcgan-mnist': { ...shared, outputActivation },
    mlp: { ...shared, imageShape: data.shape, outputActivation },
    cgan: { ...shared, variant, numClasses: data.numClasses, imageShape: data.shape, outputActivation },
  };
  const modelConfig = modelConfigs[model];
  const gan = createGan(model, modelConfig as never);
  try {
    checkDataShape(gan.info, [null, ...data.shape], data.range);
  } catch (error) {
    if (GanError.isInstance(error) && error.code === 'SHAPE_MISMATCH') {
      throw new GanError(
        'SHAPE_MISMATCH',
        `${error.message} On the command line: --model dcgan-mnist, mlp or cgan take 28×28 images such as shapes or mnist; --model dcgan takes an image folder, resized to --image-size.`,
        { cause: error },
      );
    }
    throw error;
  }

  const config = {
    model,
    modelConfig: { ...modelConfig, latentDim: gan.info.latentDim },
    info: gan.info,
    data: {
      spec: dataSpec,
      name: data.name,
      source: data.source,
      size: data.size,
      shape: data.shape,
      range: data.range,
      numClasses: data.numClasses,
      classNames: data.classNames,
    },
    training: { epochs, batchSize, learningRate, beta1, loss, noise, seed, sampleEpochs: sampleEpochs ?? 'every' },
    backend: backend.name,
    createdAt: new Date().toISOString(),
  };
  await writeJson(paths.config, config);

  const controller = new AbortController();
  const onSignal = (signal: string) => {
    progress.message(`${signal}: stopping after this step and saving…`);
    controller.abort();
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);

  const realPreview = data.shape.length === 1 ? await firstPoints(data) : undefined;
  const history: { epoch: number; discriminatorLoss: number; generatorLoss: number }[] = [];
  const saveNetworks = async () => {
    await saveModel(gan.generator, paths.generator);
    await saveModel(gan.discriminator, paths.discriminator);
  };

  try {
    const result = await trainGan({
      generator: gan.generator,
      discriminator: gan.discriminator,
      data,
      loss,
      epochs,
      batchSize,
      learningRate,
      beta1,
      noise,
      random,
      sampleEpochs: sampleEpochs ?? 'every',
      signal: controller.signal,
      callbacks: {
        onStepEnd: (info) => {
          progress.step(info.epoch, info.step, info.stepsPerEpoch, {
            discriminator: info.discriminatorLoss,
            generator: info.generatorLoss,
          });
        },
        onSamples: async (epoch, samples) => {
          if (samples.rank === 3) {
            await writePng(paths.sample(epoch), await toRaster(samples as tf.Tensor3D));
          } else {
            await writePng(paths.sample(epoch), scatterPlot((await samples.data()) as Float32Array, realPreview));
          }
        },
        onEpochEnd: async (record) => {
          history.push(record);
          progress.epochDone(
            `epoch ${record.epoch}/${epochs}  D ${record.discriminatorLoss.toFixed(4)}  G ${record.generatorLoss.toFixed(4)}  ${record.imagesPerSecond.toFixed(1)} img/s  ${record.seconds.toFixed(1)} s`,
          );
          await writeJson(paths.history, history);
          await writePng(
            paths.lossPlot,
            plotLosses({
              discriminator: history.map((h) => h.discriminatorLoss),
              generator: history.map((h) => h.generatorLoss),
            }),
          );
          await saveNetworks();
        },
      },
    });
    result.fixedNoise.dispose();
    result.fixedLabels?.dispose();
    if (result.stopped === 'aborted') {
      await saveNetworks();
      progress.message(`Stopped early; the networks as of the last step are saved in ${out}.`);
      process.exitCode = 130;
    } else {
      progress.message(`Done: ${out} (generator/, discriminator/, config.json, history.json, loss.png, samples/)`);
    }
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}

async function firstPoints(data: {
  batches: (o: { batchSize: number; shuffle: boolean }) => AsyncIterable<{ x: tf.Tensor; labels?: tf.Tensor }>;
  size: number;
}) {
  for await (const batch of data.batches({ batchSize: Math.min(512, data.size), shuffle: false })) {
    const points = (await batch.x.data()) as Float32Array;
    batch.x.dispose();
    batch.labels?.dispose();
    return points;
  }
  return undefined;
}
