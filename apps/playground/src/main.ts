import './style.css';
import { createRandom } from '@gan/core';
import * as tf from '@tensorflow/tfjs-core';
import { pageHost, type SessionHost, workerHost } from './session/host.js';
import type { BackendOption, SessionEvent, TaskConfig, TrainingSnapshot } from './session/protocol.js';
import { drawImagesView } from './ui/draw-images.js';
import { drawPointsView, drawSketch } from './ui/draw-points.js';
import { readIdxFiles } from './ui/idx-files.js';
import { type DecodedImages, decodeImageFiles } from './ui/image-files.js';
import {
  describeAtZero,
  drawInterpolation,
  drawSamples,
  type LatentNoise,
  type LoadedGenerator,
  loadGeneratorFiles,
  loadTorchGenerator,
  setPageBackend,
  type torchModels,
} from './ui/loaded-generator.js';
import { lossChart } from './ui/loss-chart.js';

/**
 * What `model.save('downloads://name')` does, for artifacts serialized in the worker: the save handler
 * tfjs routes `downloads://` URLs to.
 */
async function downloadModel(artifacts: tf.io.ModelArtifacts, name: string): Promise<void> {
  const [handler] = tf.io.getSaveHandlers(`downloads://${name}`);
  if (!handler?.save) throw new Error('This browser has no downloads:// save handler.');
  await handler.save(artifacts);
}

const element = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
const ui = {
  backend: element<HTMLSelectElement>('backend'),
  task: element<HTMLSelectElement>('task'),
  dataset: element<HTMLSelectElement>('dataset'),
  batchSize: element<HTMLInputElement>('batch-size'),
  seed: element<HTMLInputElement>('seed'),
  mnistDrop: element<HTMLDivElement>('mnist-drop'),
  mnistFiles: element<HTMLInputElement>('mnist-files'),
  mnistInfo: element<HTMLDivElement>('mnist-info'),
  imageDrop: element<HTMLDivElement>('image-drop'),
  imageFiles: element<HTMLInputElement>('image-files'),
  imageFolder: element<HTMLInputElement>('image-folder'),
  imageInfo: element<HTMLDivElement>('image-info'),
  setup: element<HTMLButtonElement>('setup'),
  start: element<HTMLButtonElement>('start'),
  pause: element<HTMLButtonElement>('pause'),
  step: element<HTMLButtonElement>('step'),
  export: element<HTMLButtonElement>('export'),
  generatorRate: element<HTMLInputElement>('lr-generator'),
  discriminatorRate: element<HTMLInputElement>('lr-discriminator'),
  backendName: element<HTMLElement>('backend-name'),
  adapter: element<HTMLElement>('adapter'),
  thread: element<HTMLElement>('thread'),
  stepCount: element<HTMLElement>('step-count'),
  discriminatorLoss: element<HTMLElement>('d-loss'),
  generatorLoss: element<HTMLElement>('g-loss'),
  imagesPerSecond: element<HTMLElement>('img-per-sec'),
  state: element<HTMLElement>('state'),
  description: element<HTMLElement>('description'),
  backendReason: element<HTMLElement>('backend-reason'),
  message: element<HTMLElement>('message'),
  viewTitle: element<HTMLElement>('view-title'),
  view: element<HTMLCanvasElement>('view'),
  clearDrawing: element<HTMLButtonElement>('clear-drawing'),
  generatorFiles: element<HTMLInputElement>('generator-files'),
  torchFile: element<HTMLInputElement>('torch-file'),
  torchModel: element<HTMLSelectElement>('torch-model'),
  torchOptions: element<HTMLInputElement>('torch-options'),
  torchKey: element<HTMLInputElement>('torch-key'),
  resample: element<HTMLButtonElement>('resample'),
  interpolate: element<HTMLButtonElement>('interpolate'),
  loadedInfo: element<HTMLElement>('loaded-info'),
  loadedView: element<HTMLCanvasElement>('loaded-view'),
  loadedNoise: element<HTMLSelectElement>('loaded-noise'),
};

const chart = lossChart(element<HTMLCanvasElement>('loss-chart'));
/** The drawing pad's coordinate range (both axes). */
const drawBounds: [number, number] = [-3, 3];
const drawn: number[] = [];
let mnist: { images: Uint8Array; labels?: Uint8Array } | undefined;
let imageFiles: DecodedImages | undefined;
let host: SessionHost | undefined;
let hostBackend: BackendOption | undefined;
/** `?batch-norm=stock`: batch norm by tfjs's ops, not @gan/backend's kernel (the e2e suite's backend comparison). */
const stockBatchNorm = new URLSearchParams(location.search).get('batch-norm') === 'stock';
let configured = false;
let running = false;
let loaded: LoadedGenerator | undefined;
const random = createRandom(7);
/** Snapshots asked for through `window.ganPlayground`, answered in order. */
const snapshotRequests: { resolve(snapshot: TrainingSnapshot): void; reject(error: Error): void }[] = [];

const isPoints = () => ui.task.value === 'points';
const isDrawing = () => isPoints() && ui.dataset.value === 'drawn' && !running;
const say = (text: string) => {
  ui.message.textContent = text;
};

function syncControls(): void {
  ui.start.disabled = !configured || running;
  ui.pause.disabled = !running;
  ui.step.disabled = !configured || running;
  ui.export.disabled = !configured;
  ui.state.textContent = running ? 'training' : configured ? 'paused' : 'idle';
  ui.clearDrawing.hidden = !(isPoints() && ui.dataset.value === 'drawn');
}

function syncTask(): void {
  const points = isPoints();
  const options = points
    ? [
        ['ring', 'ring of 8 Gaussians'],
        ['spiral', 'spiral'],
        ['drawn', 'points drawn on the canvas'],
      ]
    : [
        ['shapes', 'shapes (built-in, 6 classes)'],
        ['mnist', 'MNIST (drop idx files)'],
        ['files', 'image files (drop PNG/JPEG)'],
      ];
  ui.dataset.replaceChildren(
    ...options.map(([value, text]) => Object.assign(document.createElement('option'), { value, textContent: text })),
  );
  ui.batchSize.value = points ? '128' : '64';
  ui.generatorRate.value = points ? '0.001' : '0.0002';
  ui.discriminatorRate.value = points ? '0.001' : '0.0002';
  ui.viewTitle.textContent = points
    ? 'Real (dark) vs generated (orange) points on sigmoid(D)'
    : 'Samples from fixed noise';
  syncDataset();
}

function syncDataset(): void {
  ui.mnistDrop.hidden = ui.dataset.value !== 'mnist';
  ui.imageDrop.hidden = ui.dataset.value !== 'files';
  if (isDrawing()) drawSketch(ui.view, Float32Array.from(drawn), drawBounds);
  syncControls();
}

function onEvent(event: SessionEvent): void {
  switch (event.type) {
    case 'ready':
      ui.backendName.textContent = event.backend;
      ui.adapter.textContent = event.adapter ?? '–';
      ui.thread.textContent = event.thread === 'worker' ? 'Web Worker' : 'page (yields between steps)';
      ui.backendReason.textContent = event.reason;
      if (event.thread === 'page') setPageBackend(event.backend);
      break;
    case 'configured':
      configured = true;
      ui.description.textContent = event.description;
      chart.clear();
      say('');
      break;
    case 'progress':
      ui.stepCount.textContent = String(event.step);
      ui.discriminatorLoss.textContent = Number.isFinite(event.discriminatorLoss)
        ? event.discriminatorLoss.toFixed(4)
        : '–';
      ui.generatorLoss.textContent = Number.isFinite(event.generatorLoss) ? event.generatorLoss.toFixed(4) : '–';
      ui.imagesPerSecond.textContent = event.imagesPerSecond > 0 ? event.imagesPerSecond.toFixed(1) : '–';
      if (event.step > 0) chart.add(event.step, event.discriminatorLoss, event.generatorLoss);
      break;
    case 'view':
      if (event.view.kind === 'points') drawPointsView(ui.view, event.view);
      else drawImagesView(ui.view, event.view);
      ui.view.dataset.updates = String(Number(ui.view.dataset.updates ?? 0) + 1);
      break;
    case 'state':
      running = event.running;
      break;
    case 'exported':
      void downloadModel(event.artifacts as tf.io.ModelArtifacts, 'gan-generator').then(
        () => say('Exported gan-generator.json and gan-generator.weights.bin.'),
        (error: Error) => say(error.message),
      );
      break;
    case 'snapshot':
      snapshotRequests.shift()?.resolve(event.snapshot);
      break;
    case 'error':
      say(event.message);
      for (const request of snapshotRequests.splice(0)) request.reject(new Error(event.message));
      break;
  }
  syncControls();
}

async function ensureHost(backend: BackendOption): Promise<SessionHost> {
  if (host && hostBackend === backend) return host;
  host?.dispose();
  for (const request of snapshotRequests.splice(0)) request.reject(new Error('The training session was replaced.'));
  configured = false;
  running = false;
  // tfjs' WebGL backend (and @gan/backend's probe) needs the document: that one trains on the page.
  host = backend === 'webgl' ? await pageHost(onEvent) : workerHost(onEvent);
  hostBackend = backend;
  host.send({ type: 'init', backend, stockBatchNorm });
  return host;
}

function currentTask(): TaskConfig {
  const batchSize = Math.max(1, Math.floor(Number(ui.batchSize.value) || 64));
  const seed = Math.floor(Number(ui.seed.value) || 0);
  if (isPoints()) {
    return {
      kind: 'points',
      dataset: ui.dataset.value as 'ring' | 'spiral' | 'drawn',
      drawn: ui.dataset.value === 'drawn' ? Float32Array.from(drawn) : undefined,
      batchSize,
      seed,
    };
  }
  return {
    kind: 'images',
    model: ui.task.value as 'dcgan-mnist' | 'cgan',
    dataset: ui.dataset.value as 'shapes' | 'mnist' | 'files',
    // Copies: the session may keep them while the page keeps its own for the next set-up.
    mnist:
      ui.dataset.value === 'mnist' && mnist
        ? { images: mnist.images.slice(), labels: mnist.labels?.slice() }
        : undefined,
    files:
      ui.dataset.value === 'files' && imageFiles
        ? {
            pixels: imageFiles.pixels.slice(),
            labels: imageFiles.labels?.slice(),
            classNames: imageFiles.classNames?.slice(),
          }
        : undefined,
    batchSize,
    seed,
  };
}

/** A learning rate from an input: a finite number ≥ 0 (0 freezes the network), else the DCGAN default 2e-4. */
function rateOf(input: HTMLInputElement): number {
  const value = input.value.trim() === '' ? Number.NaN : Number(input.value);
  return Number.isFinite(value) && value >= 0 ? value : 2e-4;
}

function learningRates(): { generator: number; discriminator: number } {
  return { generator: rateOf(ui.generatorRate), discriminator: rateOf(ui.discriminatorRate) };
}

ui.task.addEventListener('change', syncTask);
ui.dataset.addEventListener('change', syncDataset);
ui.setup.addEventListener('click', async () => {
  try {
    say('Setting up…');
    const session = await ensureHost(ui.backend.value as BackendOption);
    configured = false;
    const rates = learningRates();
    session.send({
      type: 'configure',
      task: currentTask(),
      generatorLearningRate: rates.generator,
      discriminatorLearningRate: rates.discriminator,
    });
  } catch (error) {
    say(error instanceof Error ? error.message : String(error));
  }
  syncControls();
});
ui.start.addEventListener('click', () => host?.send({ type: 'start' }));
ui.pause.addEventListener('click', () => host?.send({ type: 'pause' }));
ui.step.addEventListener('click', () => host?.send({ type: 'step' }));
ui.export.addEventListener('click', () => host?.send({ type: 'export' }));
for (const input of [ui.generatorRate, ui.discriminatorRate]) {
  input.addEventListener('change', () => host?.send({ type: 'learning-rates', ...learningRates() }));
}

// Drawing pad: click or drag on the canvas to add points to the "drawn" set.
let drawing = false;
const addPoint = (event: PointerEvent) => {
  if (!isDrawing()) return;
  const box = ui.view.getBoundingClientRect();
  const span = drawBounds[1] - drawBounds[0];
  drawn.push(
    drawBounds[0] + ((event.clientX - box.left) / box.width) * span,
    drawBounds[1] - ((event.clientY - box.top) / box.height) * span,
  );
  drawSketch(ui.view, Float32Array.from(drawn), drawBounds);
};
ui.view.addEventListener('pointerdown', (event) => {
  drawing = true;
  addPoint(event);
});
ui.view.addEventListener('pointermove', (event) => drawing && addPoint(event));
window.addEventListener('pointerup', () => {
  drawing = false;
});
ui.clearDrawing.addEventListener('click', () => {
  drawn.length = 0;
  drawSketch(ui.view, new Float32Array(), drawBounds);
});

// MNIST idx files: dropped on the zone or picked with the file input.
const takeMnist = async (files: File[]) => {
  try {
    mnist = await readIdxFiles(files);
    const count = (mnist.images.length - 16) / 784;
    ui.mnistInfo.textContent = `${count} images${mnist.labels ? ' with labels' : ' (no labels: cgan needs them)'}`;
  } catch (error) {
    ui.mnistInfo.textContent = error instanceof Error ? error.message : String(error);
  }
};
ui.mnistFiles.addEventListener('change', () => void takeMnist([...(ui.mnistFiles.files ?? [])]));
ui.mnistDrop.addEventListener('dragover', (event) => {
  event.preventDefault();
  ui.mnistDrop.classList.add('over');
});
ui.mnistDrop.addEventListener('dragleave', () => ui.mnistDrop.classList.remove('over'));
ui.mnistDrop.addEventListener('drop', (event) => {
  event.preventDefault();
  ui.mnistDrop.classList.remove('over');
  void takeMnist([...(event.dataTransfer?.files ?? [])]);
});

// PNG/JPEG files: dropped on the zone, picked as files, or picked as a folder (labels from subfolders).
const takeImages = async (files: File[]) => {
  try {
    ui.imageInfo.textContent = `Decoding ${files.length} files…`;
    imageFiles = await decodeImageFiles(files);
    const { count, classNames, skipped } = imageFiles;
    const labels = classNames
      ? ` in ${classNames.length} classes (${classNames.join(', ')})`
      : ' (no labels: cgan needs a folder with one subfolder per class)';
    const failed = skipped.length > 0 ? `. Skipped ${skipped.length} that did not decode: ${skipped.join(', ')}` : '';
    ui.imageInfo.textContent = `${count} images loaded${labels}${failed}`;
  } catch (error) {
    imageFiles = undefined;
    ui.imageInfo.textContent = error instanceof Error ? error.message : String(error);
  }
};
for (const input of [ui.imageFiles, ui.imageFolder]) {
  input.addEventListener('change', () => void takeImages([...(input.files ?? [])]));
}
ui.imageDrop.addEventListener('dragover', (event) => {
  event.preventDefault();
  ui.imageDrop.classList.add('over');
});
ui.imageDrop.addEventListener('dragleave', () => ui.imageDrop.classList.remove('over'));
ui.imageDrop.addEventListener('drop', (event) => {
  event.preventDefault();
  ui.imageDrop.classList.remove('over');
  void takeImages([...(event.dataTransfer?.files ?? [])]);
});

// A trained generator: load, sample, interpolate (on the page's own backend).
ui.generatorFiles.addEventListener('change', async () => {
  try {
    loaded?.model.dispose();
    loaded = undefined;
    ui.loadedInfo.textContent = 'Loading…';
    loaded = await loadGeneratorFiles([...(ui.generatorFiles.files ?? [])]);
    const { info } = loaded;
    ui.loadedInfo.textContent =
      `${info.name}: z ${info.latentDim} → [${info.imageShape.join(', ')}]` +
      `${info.numClasses ? `, ${info.numClasses} classes` : ''}; ${await describeAtZero(loaded)}`;
    await drawSamples(loaded, random, noiseKind(), ui.loadedView);
  } catch (error) {
    ui.loadedInfo.textContent = error instanceof Error ? error.message : String(error);
  }
  ui.resample.disabled = ui.interpolate.disabled = loaded === undefined;
});
ui.torchFile.addEventListener('change', async () => {
  const file = ui.torchFile.files?.[0];
  if (!file) return;
  try {
    loaded?.model.dispose();
    loaded = undefined;
    ui.loadedInfo.textContent = 'Loading…';
    const model = ui.torchModel.value as (typeof torchModels)[number];
    const result = await loadTorchGenerator(file, model, ui.torchOptions.value, ui.torchKey.value);
    loaded = result;
    if (model === 'dcgan-mnist') ui.loadedNoise.value = 'uniform';
    const { info } = result;
    ui.loadedInfo.textContent =
      `${info.name}: z ${info.latentDim} → [${info.imageShape.join(', ')}]` +
      `${info.numClasses ? `, ${info.numClasses} classes` : ''}; ${result.parameters} PyTorch parameters from ` +
      `${file.name} (${result.format}); ${await describeAtZero(result)}`;
    await drawSamples(result, random, noiseKind(), ui.loadedView);
  } catch (error) {
    ui.loadedInfo.textContent = error instanceof Error ? error.message : String(error);
  }
  ui.resample.disabled = ui.interpolate.disabled = loaded === undefined;
});
const noiseKind = () => ui.loadedNoise.value as LatentNoise;
ui.resample.addEventListener('click', () => loaded && void drawSamples(loaded, random, noiseKind(), ui.loadedView));
ui.interpolate.addEventListener(
  'click',
  () => loaded && void drawInterpolation(loaded, random, noiseKind(), ui.loadedView),
);

/**
 * The page's test hook (the end-to-end tests compare backends with it): the losses of every step and the
 * weights of both networks of the session that is set up.
 */
Object.assign(window, {
  ganPlayground: {
    snapshot: () =>
      new Promise<TrainingSnapshot>((resolve, reject) => {
        if (!host || !configured) {
          reject(new Error('Set up a task first.'));
          return;
        }
        snapshotRequests.push({ resolve, reject });
        host.send({ type: 'snapshot' });
      }),
  },
});

syncTask();
