import { existsSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { initBackend, registerTrainingKernels } from '@gan/backend';
import { createRandom, GanError } from '@gan/core';
import { checkDataShape, createGan, modelNames } from '@gan/models';
import { saveModel } from '@gan/models/node';
import { lossNames } from '@gan/losses';
import { type EpochRecord, type TrainingState, trainGan } from '@gan/train';
import type * as tf from '@tensorflow/tfjs-core';
import { type BestSoFar, bestMetricNames, improvedBest } from './best-metric.js';
import { loadData } from './datasets.js';
import { scatterPlot, toRaster } from './images.js';
import { plotLosses } from './plot.js';
import { createProgress } from './progress.js';
import { checkpointPaths, loadResumeCheckpoint, type RunModels, saveBest, saveLatest } from './run-checkpoints.js';
import { runPaths, writeJson, writePng } from './run-files.js';
import { openRunLog, runLogPath } from './run-log.js';
import { freshSettings, readRunConfig, resumedSettings, type RunConfig, type TrainSettings } from './train-settings.js';

export const trainUsage = `gan train [options]

Trains a GAN and writes generator/, discriminator/, config.json, history.json, log.jsonl, loss.png, samples/
and checkpoints/ (latest/, previous/, best/) to --out. Ctrl-C saves a checkpoint and stops; --resume goes on.
With no options it trains the MNIST DCGAN on the built-in "shapes" set (no download).

  --model NAME        ${modelNames.join(' | ')} (default dcgan-mnist)
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
  --out DIR           run folder (default runs/<model>-<data>)
  --checkpoint-every N  also save checkpoints/latest every N steps (default: at epoch ends and on Ctrl-C)
  --keep-best-by M    keep checkpoints/best by ${bestMetricNames.join(' | ')} (lower is better; default none)
  --resume DIR        continue the run in DIR from its latest checkpoint, with the settings in its config.json;
                      only --epochs, --lr, --backend, --checkpoint-every and --keep-best-by may change
  --overwrite         start a new run in an --out folder that holds one (its checkpoints and log are deleted)`;

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
      'checkpoint-every': { type: 'string' },
      'keep-best-by': { type: 'string' },
      resume: { type: 'string' },
      overwrite: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    console.log(trainUsage);
    return;
  }
  const resumeDir = values.resume;
  const runConfig = resumeDir === undefined ? undefined : await readRunConfig(resumeDir);
  const settings =
    resumeDir === undefined || runConfig === undefined
      ? freshSettings(values)
      : resumedSettings(resumeDir, runConfig, values);
  const { out } = settings;
  const checkpoints = checkpointPaths(out);
  if (runConfig === undefined && existsSync(checkpoints.root)) {
    if (!values.overwrite) {
      throw new GanError(
        'INVALID_ARGUMENT',
        `${out} already holds a run with checkpoints. Continue it with --resume ${out}, start a new one with another --out, or pass --overwrite to replace it.`,
      );
    }
    await rm(checkpoints.root, { recursive: true, force: true });
  }
  const progress = createProgress(settings.epochs);

  const backend = await initBackend({ prefer: settings.backend as never });
  registerTrainingKernels();
  progress.message(`backend: ${backend.name} (${backend.reason})`);

  const data = await loadData(settings.dataSpec, {
    range: settings.rangeName === '0,1' ? [0, 1] : [-1, 1],
    imageSize: resizedModels.includes(settings.model) ? settings.imageSize : undefined,
    limit: settings.limit,
    seed: settings.seed,
    log: (line) => progress.message(line),
  });
  progress.message(`data: ${data.name}, ${data.size} examples of [${data.shape.join(', ')}] from ${data.source}`);

  const random = createRandom(settings.seed);
  let models: RunModels;
  let resume: TrainingState | undefined;
  let best: BestSoFar | undefined;
  if (runConfig !== undefined) {
    const checkpoint = await loadResumeCheckpoint(out, (line) => progress.message(line));
    models = { generator: checkpoint.generator, discriminator: checkpoint.discriminator };
    resume = checkpoint.state;
    best = checkpoint.metadata?.best as BestSoFar | undefined;
    progress.message(
      `resuming ${out} at epoch ${resume.epoch}, step ${resume.stepInEpoch}/${resume.stepsPerEpoch} (step ${resume.globalStep} overall)`,
    );
    const resumed = [...(runConfig.resumed ?? [])];
    resumed.push({ at: new Date().toISOString(), fromStep: resume.globalStep, backend: backend.name });
    await writeJson(runPaths(out).config, {
      ...runConfig,
      training: {
        ...runConfig.training,
        epochs: settings.epochs,
        learningRate: settings.learningRate,
        checkpointEvery: settings.checkpointEvery,
        keepBestBy: settings.keepBestBy,
      },
      resumed,
    });
  } else {
    models = await createRun(settings, data, random, backend.name);
  }
  await train(settings, { data, random, models, resume, best, progress });
}

type Progress = ReturnType<typeof createProgress>;

/** Models that take labelled data. */
const conditionalModels: readonly string[] = ['cgan', 'acgan', 'projection-gan'];
/** Models built for a square --image-size, to which image folders are resized. */
const resizedModels: readonly string[] = ['dcgan', 'wgan-gp'];
type Data = Awaited<ReturnType<typeof loadData>>;

/** Builds the models of a new run and writes its config.json. */
async function createRun(
  settings: TrainSettings,
  data: Data,
  random: ReturnType<typeof createRandom>,
  backend: string,
) {
  const { model, rangeName, imageSize, variant } = settings;
  if (conditionalModels.includes(model) && !data.numClasses) {
    throw new GanError(
      'INVALID_ARGUMENT',
      `${model} needs labelled data, and "${data.name}" has no labels. Use --data shapes, mnist or a folder with one subfolder per class.`,
    );
  }
  const outputActivation = data.shape.length === 1 ? 'linear' : rangeName === '0,1' ? 'sigmoid' : 'tanh';
  const shared = { latentDim: settings.latentDim, seed: random.seed() };
  const modelConfigs = {
    dcgan: { ...shared, imageSize, channels: data.shape[2] },
    'dcgan-mnist': { ...shared, outputActivation },
    mlp: { ...shared, imageShape: data.shape, outputActivation },
    cgan: { ...shared, variant, numClasses: data.numClasses, imageShape: data.shape, outputActivation },
    acgan: { ...shared, numClasses: data.numClasses, imageShape: data.shape, outputActivation },
    'projection-gan': { ...shared, numClasses: data.numClasses, imageShape: data.shape },
    sngan: { ...shared, imageShape: data.shape },
    'wgan-gp': { ...shared, imageSize, channels: data.shape[2] },
  };
  const modelConfig = modelConfigs[model];
  const gan = createGan(model, modelConfig as never);
  try {
    checkDataShape(gan.info, [null, ...data.shape], data.range);
  } catch (error) {
    if (GanError.isInstance(error) && error.code === 'SHAPE_MISMATCH') {
      throw new GanError(
        'SHAPE_MISMATCH',
        `${error.message} On the command line: --model dcgan-mnist, mlp or cgan take 28×28 images such as shapes or mnist; --model dcgan and wgan-gp take an image folder, resized to --image-size.`,
        { cause: error },
      );
    }
    throw error;
  }
  const config: RunConfig = {
    model,
    modelConfig: { ...modelConfig, latentDim: gan.info.latentDim },
    info: gan.info,
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
    },
    training: {
      epochs: settings.epochs,
      batchSize: settings.batchSize,
      learningRate: settings.learningRate,
      beta1: settings.beta1,
      loss: settings.loss,
      noise: settings.noise,
      seed: settings.seed,
      sampleEpochs: settings.sampleEpochs ?? 'every',
      checkpointEvery: settings.checkpointEvery,
      keepBestBy: settings.keepBestBy,
    },
    backend,
    createdAt: new Date().toISOString(),
  };
  await writeJson(runPaths(settings.out).config, config);
  return { generator: gan.generator, discriminator: gan.discriminator };
}

interface TrainContext {
  data: Data;
  random: ReturnType<typeof createRandom>;
  models: RunModels;
  resume: TrainingState | undefined;
  best: BestSoFar | undefined;
  progress: Progress;
}

async function train(settings: TrainSettings, context: TrainContext): Promise<void> {
  const { data, random, models, resume, progress } = context;
  const { out, epochs, batchSize, keepBestBy } = settings;
  const paths = runPaths(out);
  const checkpoints = checkpointPaths(out);
  let best = context.best;
  let bestImproved = false;

  const controller = new AbortController();
  const onSignal = (signal: string) => {
    progress.message(`${signal}: stopping after this step and saving a checkpoint…`);
    controller.abort();
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);

  const realPreview = data.shape.length === 1 ? await firstPoints(data) : undefined;
  const history: EpochRecord[] = resume ? resume.history.map((record) => ({ ...record })) : [];
  const saveNetworks = async () => {
    await saveModel(models.generator, paths.generator);
    await saveModel(models.discriminator, paths.discriminator);
  };
  const log = await openRunLog(runLogPath(out), resume?.globalStep ?? 0);
  let lastStepTime = performance.now();
  let lastSaved: TrainingState | undefined = resume;

  try {
    const result = await trainGan({
      ...models,
      data,
      loss: settings.loss,
      epochs,
      batchSize,
      learningRate: settings.learningRate,
      beta1: settings.beta1,
      noise: settings.noise,
      random,
      sampleEpochs: settings.sampleEpochs ?? 'every',
      signal: controller.signal,
      resume,
      checkpoint: {
        everySteps: settings.checkpointEvery,
        save: async (state, reason) => {
          const metadata = { best, reason };
          await saveLatest(out, models, state, metadata);
          if (reason === 'epoch' && bestImproved) await saveBest(out, models, state, metadata);
          bestImproved = false;
          lastSaved = state;
          log.sync();
        },
      },
      callbacks: {
        onStepEnd: (info) => {
          const now = performance.now();
          const seconds = (now - lastStepTime) / 1000;
          lastStepTime = now;
          log.append({
            step: info.globalStep,
            epoch: info.epoch,
            stepInEpoch: info.step,
            discriminatorLoss: info.discriminatorLoss,
            generatorLoss: info.generatorLoss,
            seconds,
            imagesPerSecond: seconds > 0 ? batchSize / seconds : 0,
            time: new Date().toISOString(),
          });
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
          if (keepBestBy !== undefined) {
            const improved = await improvedBest(keepBestBy, best, { record, generator: models.generator });
            if (improved) {
              best = improved;
              bestImproved = true;
            }
          }
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
      progress.message(
        `Stopped at step ${result.steps}; checkpoint saved in ${checkpoints.latest}. Continue with: gan train --resume ${out}`,
      );
      process.exitCode = 130;
    } else {
      progress.message(
        `Done: ${out} (generator/, discriminator/, config.json, history.json, log.jsonl, loss.png, samples/, checkpoints/)`,
      );
    }
  } catch (error) {
    if (GanError.isInstance(error) && error.code === 'NON_FINITE_LOSS') {
      const kept =
        lastSaved === undefined
          ? 'No checkpoint was saved before it (the first epoch did not finish).'
          : `The last good checkpoint (epoch ${lastSaved.epoch}, step ${lastSaved.globalStep} overall) is kept in ${checkpoints.latest}; continue from it with a lower rate: gan train --resume ${out} --lr ${settings.learningRate / 10}`;
      throw new GanError('NON_FINITE_LOSS', `${error.message}\nThe run stopped. ${kept}`, { cause: error });
    }
    throw error;
  } finally {
    log.close();
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
