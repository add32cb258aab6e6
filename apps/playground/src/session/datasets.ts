import { createRandom, GanError } from '@gan/core';
import { type ArrayDataset, arrayDataset, parseIdx, ring, shapes } from '@gan/data';
import type { TaskConfig } from './protocol.js';

type PointsTask = Extract<TaskConfig, { kind: 'points' }>;
type ImagesTask = Extract<TaskConfig, { kind: 'images' }>;

/** Largest absolute coordinate of `[x0, y0, …]`. */
function extentOf(points: Float32Array): number {
  let extent = 0;
  for (const value of points) extent = Math.max(extent, Math.abs(value));
  return extent;
}

function pointSet(points: Float32Array, name: string, source: string): ArrayDataset {
  const extent = extentOf(points);
  return arrayDataset({ x: points, shape: [2], range: [-extent, extent], name, source });
}

/** Two interleaved arms of an Archimedean spiral, r = 0.35·θ for θ in [0.5, 3π], with Gaussian jitter. */
export function spiral(count: number, seed: number): ArrayDataset {
  const random = createRandom(seed);
  const jitter = random.normal(count * 2, 0, 0.05);
  const points = new Float32Array(count * 2);
  for (let i = 0; i < count; i++) {
    const theta = 0.5 + random.next() * (3 * Math.PI - 0.5);
    const arm = i % 2 === 0 ? 0 : Math.PI;
    const radius = 0.25 * theta;
    points[2 * i] = radius * Math.cos(theta + arm) + (jitter[2 * i] as number);
    points[2 * i + 1] = radius * Math.sin(theta + arm) + (jitter[2 * i + 1] as number);
  }
  return pointSet(points, 'spiral', `synthetic two-armed spiral (${count} points, seed ${seed})`);
}

/** The user's points, each repeated with a little Gaussian jitter until there are `count`. */
export function drawnPoints(drawn: Float32Array, count: number, seed: number): ArrayDataset {
  const given = drawn.length / 2;
  if (!Number.isInteger(given) || given < 4) {
    throw new GanError(
      'INVALID_ARGUMENT',
      `Expected at least 4 drawn points, got ${Math.floor(given)}. Draw on the canvas first.`,
    );
  }
  const random = createRandom(seed);
  const jitter = random.normal(count * 2, 0, 0.04);
  const points = new Float32Array(count * 2);
  for (let i = 0; i < count; i++) {
    const from = i % given;
    points[2 * i] = (drawn[2 * from] as number) + (jitter[2 * i] as number);
    points[2 * i + 1] = (drawn[2 * from + 1] as number) + (jitter[2 * i + 1] as number);
  }
  return pointSet(points, 'drawn', `${given} points drawn on the canvas`);
}

/** The 2-D set of a points task. */
export function pointsDataset(task: PointsTask): ArrayDataset {
  const count = 2048;
  switch (task.dataset) {
    case 'ring':
      return ring({ count, seed: task.seed });
    case 'spiral':
      return spiral(count, task.seed);
    default:
      return drawnPoints(task.drawn ?? new Float32Array(), count, task.seed);
  }
}

/** MNIST from decompressed idx bytes: images `[n, 28, 28]`, optional labels `[n]`, values mapped to [0, 1]. */
export function mnistDataset(images: Uint8Array, labels?: Uint8Array): ArrayDataset {
  const parsed = parseIdx(images, 'the images file');
  const [count, height, width] = parsed.shape;
  if (parsed.shape.length !== 3 || height !== 28 || width !== 28) {
    throw new GanError(
      'SHAPE_MISMATCH',
      `Expected an idx images file of shape [n, 28, 28], got [${parsed.shape.join(', ')}]. Drop train-images-idx3-ubyte(.gz) or t10k-images-idx3-ubyte(.gz).`,
    );
  }
  const parsedLabels = labels ? parseIdx(labels, 'the labels file') : undefined;
  if (parsedLabels && parsedLabels.shape[0] !== count) {
    throw new GanError(
      'SHAPE_MISMATCH',
      `Expected ${count} labels (one per image), got ${parsedLabels.shape[0]}. Drop the labels file that belongs to the images.`,
    );
  }
  return arrayDataset({
    x: parsed.data,
    shape: [28, 28, 1],
    labels: parsedLabels?.data,
    numClasses: parsedLabels ? 10 : undefined,
    range: [0, 1],
    name: 'mnist',
    source: `dropped idx files (${count} images${parsedLabels ? ', labelled' : ''})`,
  });
}

/** The user's decoded PNG/JPEG files; cgan needs them labelled (picked as a folder of class subfolders). */
export function filesDataset(task: ImagesTask): ArrayDataset {
  const files = task.files;
  if (!files || files.pixels.length === 0) {
    throw new GanError(
      'INVALID_ARGUMENT',
      'Expected PNG or JPEG image files for the image-files set, got none. Drop or pick them on the page first.',
    );
  }
  if (task.model === 'cgan' && !files.labels) {
    throw new GanError(
      'INVALID_ARGUMENT',
      'Expected labelled images for cgan, got unlabelled files. Pick a folder with one subfolder per class (the subfolder names are the labels), or train dcgan-mnist.',
    );
  }
  const count = files.pixels.length / (28 * 28);
  if (task.batchSize > count) {
    throw new GanError(
      'INVALID_ARGUMENT',
      `Expected a batch of at most ${count} (the number of image files), got ${task.batchSize}. Lower the batch size or add images.`,
    );
  }
  return arrayDataset({
    x: files.pixels,
    shape: [28, 28, 1],
    labels: files.labels,
    classNames: files.classNames,
    range: [0, 1],
    name: 'image-files',
    source: `${count} image files${files.classNames ? ` in ${files.classNames.length} classes` : ''}`,
  });
}

/** The image set of an images task, in [0, 1] (the sigmoid range of dcganMnist and the DCGAN cgan). */
export function imagesDataset(task: ImagesTask): ArrayDataset {
  if (task.dataset === 'shapes') return shapes({ count: 1536, size: 28, range: [0, 1], seed: task.seed });
  if (task.dataset === 'files') return filesDataset(task);
  if (!task.mnist) {
    throw new GanError(
      'INVALID_ARGUMENT',
      'Expected MNIST idx files for the mnist set, got none. Drop them on the page first.',
    );
  }
  return mnistDataset(task.mnist.images, task.mnist.labels);
}
