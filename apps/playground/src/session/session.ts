import '@tensorflow/tfjs-layers';
import { initBackend } from '@gan/backend';
import { batchNormTrainingKernelName, createRandom, type Random } from '@gan/core';
import type { ArrayDataset, Batch } from '@gan/data';
import { cgan, dcganMnist, type GanModels, mlpGan } from '@gan/models';
import { adam, createGanTrainer, type GanTrainer } from '@gan/train';
import * as tf from '@tensorflow/tfjs-core';
import { imagesDataset, pointsDataset } from './datasets.js';
import { exportModel } from './export-generator.js';
import type { BackendOption, SessionCommand, SessionEvent, TaskConfig, TrainingSnapshot } from './protocol.js';
import { imagesView, type PointsScene, pointsScene, pointsView } from './views.js';
import { useBundledWasmFiles } from './wasm-paths.js';

/** Options of {@link createSession}. */
export interface SessionConfig {
  /** Receives every event; `transfer` lists buffers that may be moved rather than copied. */
  emit: (event: SessionEvent, transfer?: Transferable[]) => void;
  /** Where the session runs, reported to the page. */
  thread: 'worker' | 'page';
}

/** A training session driven by {@link SessionCommand}s. */
export interface Session {
  handle(command: SessionCommand): void;
}

/** Latent size of the 2-D point GANs (the MLP GAN's default of 100 is far more than 2-D data needs). */
const pointsLatentDim = 8;
/** Generated points shown, and images in the sample grid. */
const pointSamples = 512;
const imageSamples = 60;
/** Minimum time between two views (and two progress events) while running, in milliseconds. */
const viewInterval = 300;
const progressInterval = 100;

interface Run {
  task: TaskConfig;
  models: GanModels;
  dataset: ArrayDataset;
  trainer: GanTrainer;
  generatorOptimizer: tf.AdamOptimizer;
  discriminatorOptimizer: tf.AdamOptimizer;
  shuffle: Random;
  batches?: AsyncIterator<Batch>;
  fixedNoise: tf.Tensor2D;
  fixedLabels?: number[];
  scene?: PointsScene;
  step: number;
  /** Examples and milliseconds of the recent steps, for img/s. */
  recent: { examples: number; milliseconds: number }[];
  lastLosses: { discriminator: number; generator: number };
  /** The losses of every step, for {@link TrainingSnapshot}s. */
  losses: { discriminator: number; generator: number }[];
}

/** The WebGPU adapter information a browser gives (`GPUAdapterInfo`); the DOM typings here have no WebGPU. */
interface AdapterInfoLike {
  vendor?: string;
  architecture?: string;
  device?: string;
  description?: string;
  isFallbackAdapter?: boolean;
}

/**
 * The adapter the active tfjs WebGPU backend runs on: its `GPUDevice.adapterInfo` (Chrome 132+), else the
 * vendor and architecture tfjs kept from the adapter it asked for.
 */
function webgpuAdapter(): string | undefined {
  const backend = tf.backend() as { device?: { adapterInfo?: AdapterInfoLike }; adapterInfo?: AdapterInfoLike };
  const info = backend.device?.adapterInfo ?? backend.adapterInfo;
  if (info === undefined) return undefined;
  const fields = [info.vendor, info.architecture, info.device, info.description].filter(
    (field): field is string => typeof field === 'string' && field !== '',
  );
  const text = fields.join(' / ') || 'unnamed adapter';
  return info.isFallbackAdapter === true ? `${text} (fallback adapter)` : text;
}

/** Sets the learning rate an Adam optimizer reads on its next update (the field is protected in the typings). */
function setLearningRate(optimizer: tf.AdamOptimizer, learningRate: number): void {
  (optimizer as unknown as { learningRate: number }).learningRate = learningRate;
}

function buildModels(task: TaskConfig, dataset: ArrayDataset): GanModels {
  if (task.kind === 'points') {
    return mlpGan({ imageShape: [2], outputActivation: 'linear', latentDim: pointsLatentDim, seed: task.seed });
  }
  if (task.model === 'cgan') {
    return cgan({ variant: 'dcgan', numClasses: dataset.numClasses ?? 10, imageShape: [28, 28, 1], seed: task.seed });
  }
  return dcganMnist({ seed: task.seed });
}

/** The losses so far and a copy of every weight of both networks, in the models' order. */
async function takeSnapshot(current: Run): Promise<TrainingSnapshot> {
  const weights: TrainingSnapshot['weights'] = [];
  for (const network of ['generator', 'discriminator'] as const) {
    for (const weight of current.models[network].weights) {
      const values = Float32Array.from((await weight.read().data()) as Float32Array);
      weights.push({ network, name: weight.name, shape: weight.shape.map(Number), values });
    }
  }
  return { step: current.step, losses: current.losses.map((losses) => ({ ...losses })), weights };
}

const pause = () => new Promise<void>((resolve) => setTimeout(resolve, 0));

/**
 * The training loop behind the playground: the same code runs in a Web Worker (wasm, cpu, webgpu)
 * or on the page (webgl, which needs the document's canvas), yielding to the event loop between
 * steps so that commands (pause, new learning rates) and, on the page, rendering get their turn.
 */
export function createSession(config: SessionConfig): Session {
  const { emit } = config;
  let run: Run | undefined;
  let running = false;
  let loopDone: Promise<void> = Promise.resolve();
  let queue: Promise<void> = Promise.resolve();
  let lastView = 0;
  let lastProgress = 0;

  const fail = (error: unknown) => {
    running = false;
    emit({ type: 'error', message: error instanceof Error ? error.message : String(error) });
    emit({ type: 'state', running: false });
  };

  const init = async (backend: BackendOption, stockBatchNorm = false) => {
    useBundledWasmFiles();
    const choice = await initBackend({ prefer: backend, allowSoftwareAdapter: backend !== 'auto' });
    // @gan/layers' BatchNormalization runs tfjs's ops where the kernel is not registered.
    if (stockBatchNorm && tf.getKernel(batchNormTrainingKernelName, choice.name) !== undefined) {
      tf.unregisterKernel(batchNormTrainingKernelName, choice.name);
    }
    const adapter = choice.name === 'webgpu' ? webgpuAdapter() : undefined;
    emit({ type: 'ready', backend: choice.name, reason: choice.reason, thread: config.thread, adapter });
  };

  const disposeRun = () => {
    if (!run) return;
    void run.batches?.return?.();
    tf.dispose(run.scene ? [run.fixedNoise, run.scene.grid] : [run.fixedNoise]);
    run.trainer.dispose();
    run.generatorOptimizer.dispose();
    run.discriminatorOptimizer.dispose();
    run.models.generator.dispose();
    run.models.discriminator.dispose();
    run = undefined;
  };

  const sendView = async (current: Run) => {
    lastView = performance.now();
    if (current.task.kind === 'points' && current.scene) {
      const view = await pointsView(current.trainer, current.fixedNoise, current.scene);
      emit({ type: 'view', view }, [view.fake.buffer, view.surface.buffer]);
    } else {
      const columns = current.fixedLabels ? current.trainer.numClasses : 10;
      const view = await imagesView(
        current.trainer,
        current.fixedNoise,
        current.fixedLabels,
        current.dataset.range,
        columns,
      );
      emit({ type: 'view', view }, [view.pixels.buffer]);
    }
  };

  const sendProgress = (current: Run) => {
    lastProgress = performance.now();
    const examples = current.recent.reduce((sum, r) => sum + r.examples, 0);
    const milliseconds = current.recent.reduce((sum, r) => sum + r.milliseconds, 0);
    emit({
      type: 'progress',
      step: current.step,
      discriminatorLoss: current.lastLosses.discriminator,
      generatorLoss: current.lastLosses.generator,
      imagesPerSecond: milliseconds > 0 ? (examples * 1000) / milliseconds : 0,
      running,
    });
  };

  const configure = async (command: Extract<SessionCommand, { type: 'configure' }>) => {
    running = false;
    await loopDone;
    disposeRun();
    const { task } = command;
    const dataset = task.kind === 'points' ? pointsDataset(task) : imagesDataset(task);
    const models = buildModels(task, dataset);
    const generatorOptimizer = adam(command.generatorLearningRate, 0.5, 0.999);
    const discriminatorOptimizer = adam(command.discriminatorLearningRate, 0.5, 0.999);
    const trainer = createGanTrainer({
      generator: models.generator,
      discriminator: models.discriminator,
      generatorOptimizer,
      discriminatorOptimizer,
      seed: task.seed,
    });
    const sampleCount = task.kind === 'points' ? pointSamples : imageSamples;
    const fixedLabels = trainer.numClasses
      ? Array.from(
          { length: sampleCount - (sampleCount % trainer.numClasses) },
          (_, i) => i % (trainer.numClasses as number),
        )
      : undefined;
    const fixedNoise = trainer.sampleNoise(fixedLabels?.length ?? sampleCount);
    run = {
      task,
      models,
      dataset,
      trainer,
      generatorOptimizer,
      discriminatorOptimizer,
      shuffle: createRandom(task.seed + 1),
      fixedNoise,
      fixedLabels,
      scene: task.kind === 'points' ? pointsScene(dataset) : undefined,
      step: 0,
      recent: [],
      lastLosses: { discriminator: Number.NaN, generator: Number.NaN },
      losses: [],
    };
    emit({
      type: 'configured',
      description: `${models.info.name} on ${dataset.name}: ${dataset.source}; batch ${task.batchSize}`,
      latentDim: trainer.latentDim,
    });
    await sendView(run);
    sendProgress(run);
  };

  const nextBatch = async (current: Run): Promise<Batch> => {
    for (;;) {
      current.batches ??= current.dataset
        .batches({ batchSize: current.task.batchSize, random: current.shuffle })
        [Symbol.asyncIterator]();
      const next = await current.batches.next();
      if (!next.done) return next.value;
      current.batches = undefined;
    }
  };

  const trainStep = async (current: Run) => {
    const started = performance.now();
    const batch = await nextBatch(current);
    let discriminator: number;
    try {
      discriminator = await current.trainer.discriminatorStep(batch);
    } finally {
      tf.dispose([batch.x, batch.labels].filter((t): t is tf.Tensor => t !== undefined));
    }
    const generator = await current.trainer.generatorStep(current.task.batchSize);
    current.step += 1;
    current.lastLosses = { discriminator, generator };
    current.losses.push(current.lastLosses);
    current.recent.push({ examples: current.task.batchSize, milliseconds: performance.now() - started });
    if (current.recent.length > 10) current.recent.shift();
  };

  const loop = async () => {
    emit({ type: 'state', running: true });
    try {
      while (running && run) {
        const current = run;
        await trainStep(current);
        const now = performance.now();
        if (now - lastProgress >= progressInterval) sendProgress(current);
        if (now - lastView >= viewInterval) await sendView(current);
        await pause();
      }
    } catch (error) {
      fail(error);
      return;
    }
    if (run) {
      sendProgress(run);
      await sendView(run);
    }
    emit({ type: 'state', running: false });
  };

  const execute = async (command: SessionCommand) => {
    switch (command.type) {
      case 'init':
        return init(command.backend, command.stockBatchNorm);
      case 'configure':
        return configure(command);
      case 'start':
        if (!run) throw new Error('Configure a task before starting.');
        if (running) return;
        running = true;
        loopDone = loop();
        return;
      case 'step':
        if (!run || running) return;
        await trainStep(run);
        sendProgress(run);
        await sendView(run);
        return;
      case 'snapshot': {
        if (!run) throw new Error('Nothing to snapshot: configure a task first.');
        const snapshot = await takeSnapshot(run);
        emit(
          { type: 'snapshot', snapshot },
          snapshot.weights.map((weight) => weight.values.buffer as ArrayBuffer),
        );
        return;
      }
      case 'export': {
        if (!run) throw new Error('Nothing to export: configure and train a model first.');
        const artifacts = await exportModel(run.models.generator);
        emit({ type: 'exported', artifacts }, [artifacts.weightData]);
        return;
      }
      default:
        return;
    }
  };

  return {
    handle(command) {
      // Pausing and new learning rates act at once, between two steps; the rest runs in order.
      if (command.type === 'pause') {
        running = false;
        return;
      }
      if (command.type === 'learning-rates') {
        if (run) {
          setLearningRate(run.generatorOptimizer, command.generator);
          setLearningRate(run.discriminatorOptimizer, command.discriminator);
        }
        return;
      }
      queue = queue.then(() => execute(command)).catch(fail);
    },
  };
}
