import { existsSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { initBackend, registerTrainingKernels } from '@gan/backend';
import { createRandom, GanError } from '@gan/core';
import { checkDataShape, createGan, modelNames } from '@gan/models';
import { saveModel } from '@gan/models/node';
import { lossNames } from '@gan/losses';
import { cloneModel, type EpochRecord, type SavedTensor, type TrainingState, trainGan } from '@gan/train';
import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { backendFlag } from './args.js';
import { type BestSoFar, bestMetricNames, improvedBest } from './best-metric.js';
import { loadData } from './datasets.js';
import { scatterPlot, toRaster } from './images.js';
import { plotLosses } from './plot.js';
import { createProgress } from './progress.js';
import { checkpointPaths, loadResumeCheckpoint, type RunModels, saveBest, saveLatest } from './run-checkpoints.js';
import { runPaths, writeJson, writePng } from './run-files.js';
import { openRunLog, runLogPath } from './run-log.js';
import { createFidEvaluator, type FidEvaluator } from './train-fid.js';
import { learningRateDecaySchedule } from './training-flags.js';
import {
  describePreset,
  freshSettings,
  readRunConfig,
  resumedSettings,
  type RunConfig,
  type TrainSettings,
} from './train-settings.js';

export const trainUsage = `gan train [options]

Trains a GAN and writes generator/, discriminator/ (and generator-ema/ with --ema), config.json, history.json,
log.jsonl, loss.png, samples/ and checkpoints/ (latest/, previous/, best/) to --out. Ctrl-C saves a checkpoint
and stops; --resume goes on. With neither --model nor --data it runs the quick-start preset (no download, about
3 minutes on 2 cores): the conditional DCGAN of the PyTorch tutorial at a quarter width and 32×32 on the built-in
shapes, i.e. ${describePreset('quickstart')}
(other flags override it).

  --model NAME        ${modelNames.join(' | ')} (default dcgan-mnist)
  --data NAME|PATH    shapes | ring | mnist | fashion-mnist | emoji | a folder of idx files or images, one
                      subfolder per class for labels (default shapes)
  --background COLOR  what transparent pixels of images are composited over: white | black | gray | #rrggbb |
                      r,g,b (default white)
  --epochs N          passes over the data (default 5)
  --batch-size N      examples per step (default 64)
  --latent-dim N      size of z (default: the model's, 100 or 62)
  --lr X              Adam learning rate for both networks (default 0.0002)
  --g-lr X            the generator's learning rate (two time-scale update rule; default --lr)
  --d-lr X            the discriminator's learning rate (default --lr)
  --lr-decay KIND     linear: the rates fall linearly to 0 at the last step of --epochs;
                      exponential: they are multiplied by 0.1^(step / total steps), ending at 0.1× (default none)
  --beta1 X           Adam beta1 (default 0.5)
  --loss NAME         ${lossNames.join(' | ')} (default non-saturating)
  --d-steps N         discriminator updates per generator update, each on its own batch (default 1)
  --penalty P[:W]     gradient penalty on D: gp (WGAN-GP, on interpolates) | r1 (on real) | r2 (on fake),
                      weight W (default 10), e.g. r1:5 (default none)
  --augment LIST      DiffAugment for D's inputs, real and fake alike: comma-separated translation, cutout,
                      color (images only; default none)
  --clip-grad-norm X  scale each update's gradients down to global L2 norm X (default no clipping)
  --label-noise P     fraction of D's labels flipped at random in each update, 0 ≤ P < 0.5 (default 0)
  --ema DECAY         keep a moving average of the generator's weights (e.g. 0.999), saved as generator-ema/
                      at each epoch end and in checkpoints; sample it with gan sample --ema (default none)
  --noise KIND        normal | uniform (default: uniform for dcgan-mnist, normal otherwise)
  --range R           0,1 | -1,1: data range and generator output (default 0,1 for dcgan-mnist, -1,1 otherwise)
  --image-size N      image size of dcgan, wgan-gp and cgan --variant tutorial: 32 | 64 | 128; images are
                      resized to it (area averaging when shrinking, bilinear when enlarging; default 64)
  --ngf N, --ndf N    feature maps of the dcgan generator's last hidden layer / the discriminator's first
                      layer, doubling per layer (default 64, the PyTorch tutorial's)
  --variant V         cgan variant: mlp | dcgan (the MNIST DCGAN) | tutorial (the conditional --model dcgan
                      network, takes --image-size) (default tutorial for --data emoji, else mlp)
  --sample-epochs L   epochs that write samples/epoch_NNN.png, e.g. 1,5,25 (default every epoch)
  --limit N           use only the first N examples of the data
  --seed N            seed for weights, noise and shuffling (default random, recorded in config.json)
  --backend NAME      auto | tensorflow | webgpu | wasm | cpu (default auto, which skips software GPU
                      adapters such as lavapipe; --backend webgpu uses them)
  --out DIR           run folder (default runs/<model>-<data>)
  --checkpoint-every N  also save checkpoints/latest every N steps (default: at epoch ends and on Ctrl-C)
  --eval-every N      every N epochs, measure FID as gan eval does (the @gan/metrics digit classifier for
                      28×28×1 runs, its emoji classifier for 64×64×3), log it and add it to history.json
                      (default never)
  --eval-count N      generated images per FID measurement; as many real ones, at most the data set (default 1000)
  --keep-best-by M    keep checkpoints/best by ${bestMetricNames.join(' | ')} (lower is better; fid needs
                      --eval-every; default none)
  --resume DIR        continue the run in DIR from its latest checkpoint, with the settings in its config.json;
                      only --epochs, --lr, --g-lr, --d-lr, --backend, --checkpoint-every, --keep-best-by,
                      --eval-every and --eval-count may change
  --overwrite         start a new run in an --out folder that holds one (its checkpoints and log are deleted)
  --verbose           say which backends were tried and why, and what the data loader skipped`;

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
      ngf: { type: 'string' },
      ndf: { type: 'string' },
      background: { type: 'string' },
      verbose: { type: 'boolean' },
      variant: { type: 'string' },
      'sample-epochs': { type: 'string' },
      limit: { type: 'string' },
      seed: { type: 'string' },
      backend: { type: 'string' },
      out: { type: 'string' },
      'checkpoint-every': { type: 'string' },
      'keep-best-by': { type: 'string' },
      resume: { type: 'string' },
      ema: { type: 'string' },
      'eval-every': { type: 'string' },
      'eval-count': { type: 'string' },
      'g-lr': { type: 'string' },
      'd-lr': { type: 'string' },
      'd-steps': { type: 'string' },
      augment: { type: 'string' },
      penalty: { type: 'string' },
      'clip-grad-norm': { type: 'string' },
      'label-noise': { type: 'string' },
      'lr-decay': { type: 'string' },
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
  if (settings.keepBestBy === 'fid' && settings.evalEvery === undefined) {
    throw new GanError(
      'INVALID_ARGUMENT',
      '--keep-best-by fid needs FID measurements: add --eval-every N (e.g. 1), or keep the best by another metric.',
    );
  }
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

  const verbose = values.verbose === true;
  const backend = await initBackend({
    ...backendFlag(settings.backend),
    log: verbose ? (line) => progress.message(`backend: ${line}`) : undefined,
  });
  registerTrainingKernels();
  progress.message(`backend: ${verbose ? backend.reason : backend.summary}`);
  if (settings.preset !== undefined) {
    progress.message(`preset: ${settings.preset} (${describePreset(settings.preset)})`);
  }

  const data = await loadData(settings.dataSpec, {
    range: settings.rangeName === '0,1' ? [0, 1] : [-1, 1],
    imageSize: takesImageSize(settings) ? settings.imageSize : undefined,
    background: settings.background,
    limit: settings.limit,
    seed: settings.seed,
    log: (line) => progress.message(line),
  });
  progress.message(`data: ${data.name}, ${data.size} examples of [${data.shape.join(', ')}] from ${data.source}`);
  const fid =
    settings.evalEvery === undefined
      ? undefined
      : await createFidEvaluator({ data, count: settings.evalCount, noise: settings.noise, seed: settings.seed });

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
        generatorLearningRate: settings.generatorLearningRate,
        discriminatorLearningRate: settings.discriminatorLearningRate,
        checkpointEvery: settings.checkpointEvery,
        keepBestBy: settings.keepBestBy,
        evalEvery: settings.evalEvery,
        evalCount: settings.evalCount,
      },
      resumed,
    });
  } else {
    models = await createRun(settings, data, random, backend.name);
  }
  await train(settings, { data, random, models, resume, best, progress, fid });
}

type Progress = ReturnType<typeof createProgress>;

/** Models that take labelled data. */
const conditionalModels: readonly string[] = ['cgan', 'acgan', 'projection-gan'];
/** Whether the model is built for a square --image-size, to which image data is resized. */
function takesImageSize(settings: { model: string; variant: string }): boolean {
  return (
    ['dcgan', 'wgan-gp'].includes(settings.model) || (settings.model === 'cgan' && settings.variant === 'tutorial')
  );
}
type Data = Awaited<ReturnType<typeof loadData>>;

/** Builds the models of a new run and writes its config.json. */
async function createRun(
  settings: TrainSettings,
  data: Data,
  random: ReturnType<typeof createRandom>,
  backend: string,
) {
  const { model, rangeName, imageSize, variant, ngf, ndf } = settings;
  if (conditionalModels.includes(model) && !data.numClasses) {
    throw new GanError(
      'INVALID_ARGUMENT',
      `${model} needs labelled data, and "${data.name}" has no labels. Use --data shapes, mnist or a folder with one subfolder per class.`,
    );
  }
  const outputActivation = data.shape.length === 1 ? 'linear' : rangeName === '0,1' ? 'sigmoid' : 'tanh';
  const shared = { latentDim: settings.latentDim, seed: random.seed() };
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
  const modelConfig = modelConfigs[model];
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
      background: settings.background,
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
      ema: settings.ema,
      evalEvery: settings.evalEvery,
      evalCount: settings.evalCount,
      generatorLearningRate: settings.generatorLearningRate,
      discriminatorLearningRate: settings.discriminatorLearningRate,
      discriminatorSteps: settings.discriminatorSteps,
      augment: settings.augment,
      penalty: settings.penalty,
      clipGradientNorm: settings.clipGradientNorm,
      labelNoise: settings.labelNoise,
      learningRateDecay: settings.learningRateDecay,
    },
    backend,
    preset: settings.preset,
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
  /** Measures FID after the epochs of `--eval-every`. */
  fid: FidEvaluator | undefined;
}

/** Writes weights read by `readModelWeights` (a checkpoint's moving average) into `model`. */
function writeWeights(model: tfl.LayersModel, saved: SavedTensor[]): void {
  const tensors = saved.map((weight) => tf.tensor(weight.values, weight.shape, weight.dtype));
  model.setWeights(tensors);
  tf.dispose(tensors);
}

async function train(settings: TrainSettings, context: TrainContext): Promise<void> {
  const { data, random, models, resume, progress, fid } = context;
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
  // The trainer keeps the moving average; this copy of the architecture receives its weights to save them.
  const emaGenerator = settings.ema === undefined ? undefined : cloneModel(models.generator);
  const saveEma = async (state: TrainingState) => {
    if (emaGenerator === undefined || state.emaGenerator === undefined) return;
    writeWeights(emaGenerator, state.emaGenerator);
    await saveModel(emaGenerator, paths.generatorEma);
  };
  const stepsPerEpoch = Math.floor(data.batchCount(batchSize, true) / settings.discriminatorSteps);
  let lastStep = resume?.globalStep ?? 0;
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
      generatorLearningRate: settings.generatorLearningRate,
      discriminatorLearningRate: settings.discriminatorLearningRate,
      learningRateSchedule: learningRateDecaySchedule(settings.learningRateDecay, epochs * stepsPerEpoch),
      discriminatorSteps: settings.discriminatorSteps,
      augment: settings.augment,
      penalty: settings.penalty,
      clipGradientNorm: settings.clipGradientNorm,
      labelNoise: settings.labelNoise,
      ema: settings.ema === undefined ? undefined : { decay: settings.ema },
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
          if (reason !== 'steps') await saveEma(state);
          bestImproved = false;
          lastSaved = state;
          log.sync();
        },
      },
      callbacks: {
        onStepEnd: (info) => {
          lastStep = info.globalStep;
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
          let measured: number | undefined;
          if (fid !== undefined && record.epoch % settings.evalEvery! === 0) {
            measured = await fid.measure(models.generator);
            // Set on the trainer's own record, so checkpoints (and a resumed run's history) keep it too.
            Object.assign(record, { fid: measured });
            log.append({
              kind: 'eval',
              step: lastStep,
              epoch: record.epoch,
              fid: measured,
              count: settings.evalCount,
              time: new Date().toISOString(),
            });
            progress.message(
              `epoch ${record.epoch}: FID ${measured.toFixed(3)} (${settings.evalCount} generated vs ${fid.realCount} real, ${fid.network})`,
            );
          }
          if (keepBestBy !== undefined) {
            const improved = await improvedBest(keepBestBy, best, {
              record,
              generator: models.generator,
              fid: measured,
            });
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
        `Done: ${out} (generator/, ${emaGenerator ? 'generator-ema/, ' : ''}discriminator/, config.json, history.json, log.jsonl, loss.png, samples/, checkpoints/)`,
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
    emaGenerator?.dispose();
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
