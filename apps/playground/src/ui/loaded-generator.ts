import { initBackend } from '@gan/backend';
import type { Random } from '@gan/core';
import { registerLayers } from '@gan/layers';
import { createGan, type GanInfo, ganInfo, importTorchWeights, type ModelName } from '@gan/models';
import { imageGrid } from '@gan/train';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { useBundledWasmFiles } from '../session/wasm-paths.js';
import { drawImagesView } from './draw-images.js';
import { squareUp } from './draw-points.js';

let mainBackend: Promise<string> | undefined;

/**
 * A tfjs backend on the page for sampling loaded generators. When training runs on the page
 * (WebGL) that backend is reused; otherwise the first call picks one with `initBackend`.
 */
export function ensurePageBackend(): Promise<string> {
  mainBackend ??= (async () => {
    useBundledWasmFiles();
    return (await initBackend({ prefer: 'auto' })).name;
  })();
  return mainBackend;
}

/** Marks the page's backend as chosen (by a session that trains on the page). */
export function setPageBackend(name: string): void {
  mainBackend = Promise.resolve(name);
}

/** A generator loaded from files, with what it expects. */
export interface LoadedGenerator {
  model: tfl.LayersModel;
  info: GanInfo;
}

/**
 * Loads a generator from the files the user picked: `model.json` and its weight files (named as in
 * its weights manifest, e.g. `weights.bin` from `gan train`).
 */
export async function loadGeneratorFiles(files: readonly File[]): Promise<LoadedGenerator> {
  const json = files.find((file) => file.name.endsWith('.json'));
  const weights = files.filter((file) => file !== json);
  if (!json || weights.length === 0) {
    throw new Error(
      `Expected model.json and its weights file (weights.bin), got ${files.map((f) => f.name).join(', ') || 'no files'}. Pick both at once.`,
    );
  }
  await ensurePageBackend();
  registerLayers();
  const model = await tfl.loadLayersModel(tf.io.browserFiles([json, ...weights]));
  return { model, info: ganInfo({ generator: model }) };
}

/** The @gan models whose networks PyTorch weights can be loaded into (those of the PyTorch material). */
export const torchModels = ['dcgan', 'dcgan-mnist', 'mlp', 'cgan'] as const;

/** `latentDim=8, imageSize=32` → `{ latentDim: 8, imageSize: 32 }` (numbers where they parse, else strings). */
export function parseModelOptions(text: string): Record<string, number | string> {
  const options: Record<string, number | string> = {};
  for (const part of text.split(/[,\s]+/).filter((p) => p !== '')) {
    const [name, value, ...rest] = part.split('=');
    if (!name || value === undefined || value === '' || rest.length > 0) {
      throw new Error(`Model options are name=value pairs (e.g. latentDim=100, imageSize=64), got "${part}".`);
    }
    options[name] = Number.isFinite(Number(value)) ? Number(value) : value;
  }
  return options;
}

/**
 * Builds the @gan model `model` with `options` and loads a PyTorch generator's weights into it: a state_dict saved
 * by torch.save (zip format) or a safetensors file, read on the page (nothing in the file runs). `key` picks the
 * state_dict out of a checkpoint dict (e.g. netG). Returns the generator and how many parameters were read.
 */
export async function loadTorchGenerator(
  file: File,
  model: ModelName,
  optionsText: string,
  key: string,
): Promise<LoadedGenerator & { parameters: number; format: string }> {
  await ensurePageBackend();
  registerLayers();
  const gan = createGan(model, parseModelOptions(optionsText) as never);
  gan.discriminator.dispose();
  try {
    const bytes = new Uint8Array(await file.arrayBuffer());
    const report = importTorchWeights(gan.generator, bytes, { key: key.trim() || undefined, what: file.name });
    return { model: gan.generator, info: gan.info, parameters: report.parameters, format: report.format };
  } catch (error) {
    gan.generator.dispose();
    throw error;
  }
}

function inputsFor(loaded: LoadedGenerator, z: tf.Tensor2D): tf.Tensor | tf.Tensor[] {
  const { numClasses } = loaded.info;
  if (!numClasses) return z;
  const count = z.shape[0];
  const labels = tf.oneHot(
    tf.tensor1d(
      Array.from({ length: count }, (_, i) => i % numClasses),
      'int32',
    ),
    numClasses,
  );
  return [z, tf.cast(labels, 'float32')];
}

/** A one-line readout of G at z = 0 (label 0): the point for 2-D generators, the mean value for images. */
export async function describeAtZero(loaded: LoadedGenerator): Promise<string> {
  const output = tf.tidy(
    () => loaded.model.predict(inputsFor(loaded, tf.zeros([1, loaded.info.latentDim]))) as tf.Tensor,
  );
  const values = await output.data();
  output.dispose();
  if (values.length === 2) return `G(0) = [${Array.from(values, (v) => v.toFixed(5)).join(', ')}]`;
  let sum = 0;
  for (const value of values) sum += value;
  return `mean G(0) = ${(sum / values.length).toFixed(5)}`;
}

function drawPointsOnly(canvas: HTMLCanvasElement, points: Float32Array, path: boolean): void {
  squareUp(canvas);
  const context = canvas.getContext('2d');
  if (!context) return;
  let extent = 0.5;
  for (const v of points) extent = Math.max(extent, Math.abs(v) * 1.15);
  const px = (v: number) => ((v + extent) / (2 * extent)) * canvas.width;
  const py = (v: number) => (1 - (v + extent) / (2 * extent)) * canvas.height;
  context.fillStyle = '#fafafa';
  context.fillRect(0, 0, canvas.width, canvas.height);
  context.fillStyle = context.strokeStyle = '#d9480f';
  if (path) context.beginPath();
  for (let i = 0; i + 1 < points.length; i += 2) {
    const x = px(points[i] as number);
    const y = py(points[i + 1] as number);
    context.fillRect(x - 2, y - 2, 4, 4);
    if (path) i === 0 ? context.moveTo(x, y) : context.lineTo(x, y);
  }
  if (path) context.stroke();
}

async function render(
  loaded: LoadedGenerator,
  z: tf.Tensor2D,
  canvas: HTMLCanvasElement,
  columns: number,
  path: boolean,
) {
  const output = tf.tidy(() => loaded.model.predict(inputsFor(loaded, z)) as tf.Tensor);
  try {
    if (output.rank === 2 && output.shape[1] === 2) {
      drawPointsOnly(canvas, Float32Array.from(await output.data()), path);
      return;
    }
    const grid = tf.tidy(() =>
      imageGrid(output as tf.Tensor4D, { range: loaded.info.outputRange ?? [-1, 1], columns }),
    );
    const [height, width, channels] = grid.shape;
    drawImagesView(canvas, { kind: 'images', pixels: Float32Array.from(await grid.data()), width, height, channels });
    grid.dispose();
  } finally {
    output.dispose();
  }
}

/** The latent distribution a generator was trained with (`gan train` uses uniform for dcgan-mnist). */
export type LatentNoise = 'normal' | 'uniform';

function draw(random: Random, noise: LatentNoise, count: number): Float32Array {
  return noise === 'uniform' ? random.uniform(count, -1, 1) : random.normal(count, 0, 1);
}

/** Draws `count` samples from fresh noise (images as a grid, points as a scatter). */
export async function drawSamples(
  loaded: LoadedGenerator,
  random: Random,
  noise: LatentNoise,
  canvas: HTMLCanvasElement,
  count = 40,
) {
  const z = tf.tensor2d(draw(random, noise, count * loaded.info.latentDim), [count, loaded.info.latentDim]);
  try {
    await render(loaded, z, canvas, 10, false);
  } finally {
    z.dispose();
  }
}

/** Draws G along the straight line between two random latent vectors, in `steps` steps. */
export async function drawInterpolation(
  loaded: LoadedGenerator,
  random: Random,
  noise: LatentNoise,
  canvas: HTMLCanvasElement,
  steps = 10,
) {
  const { latentDim } = loaded.info;
  const from = draw(random, noise, latentDim);
  const to = draw(random, noise, latentDim);
  const values = new Float32Array(steps * latentDim);
  for (let s = 0; s < steps; s++) {
    const t = steps === 1 ? 0 : s / (steps - 1);
    for (let k = 0; k < latentDim; k++)
      values[s * latentDim + k] = (1 - t) * (from[k] as number) + t * (to[k] as number);
  }
  const z = tf.tensor2d(values, [steps, latentDim]);
  try {
    await render(loaded, z, canvas, steps, true);
  } finally {
    z.dispose();
  }
}
