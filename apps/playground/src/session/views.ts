import type { ArrayDataset } from '@gan/data';
import type { GanTrainer } from '@gan/train';
import { imageGrid } from '@gan/train';
import * as tf from '@tensorflow/tfjs-core';
import type { ImagesView, PointsView } from './protocol.js';

/** What a points view needs besides the models: real points to show and the grid D is evaluated on. */
export interface PointsScene {
  real: Float32Array;
  grid: tf.Tensor2D;
  resolution: number;
  bounds: [number, number];
}

/** Up to `limit` real points of a 2-D set and a `resolution²` grid over a square a little larger than the data. */
export function pointsScene(dataset: ArrayDataset, resolution = 48, limit = 512): PointsScene {
  const extent = Math.max(Math.abs(dataset.range[0]), Math.abs(dataset.range[1]), 0.5) * 1.25;
  const bounds: [number, number] = [-extent, extent];
  const count = Math.min(limit, dataset.size);
  const real = Float32Array.from(dataset.x.subarray(0, count * 2));
  const coordinates = new Float32Array(resolution * resolution * 2);
  for (let row = 0; row < resolution; row++) {
    const y = extent - ((row + 0.5) / resolution) * 2 * extent; // row 0 at the top
    for (let col = 0; col < resolution; col++) {
      const x = -extent + ((col + 0.5) / resolution) * 2 * extent;
      const at = 2 * (row * resolution + col);
      coordinates[at] = x;
      coordinates[at + 1] = y;
    }
  }
  return { real, grid: tf.tensor2d(coordinates, [resolution * resolution, 2]), resolution, bounds };
}

/** Generated points from `noise` and sigmoid(D) over the scene's grid. */
export async function pointsView(trainer: GanTrainer, noise: tf.Tensor2D, scene: PointsScene): Promise<PointsView> {
  const fakes = trainer.sample(noise);
  const surface = tf.tidy(() => tf.sigmoid(trainer.discriminator.predict(scene.grid) as tf.Tensor));
  try {
    const [fake, probabilities] = await Promise.all([fakes.data(), surface.data()]);
    return {
      kind: 'points',
      real: scene.real,
      fake: Float32Array.from(fake),
      surface: Float32Array.from(probabilities),
      resolution: scene.resolution,
      bounds: scene.bounds,
    };
  } finally {
    tf.dispose([fakes, surface]);
  }
}

/** A grid of generated images from `noise` (and fixed labels for a conditional GAN), in [0, 1]. */
export async function imagesView(
  trainer: GanTrainer,
  noise: tf.Tensor2D,
  labels: number[] | undefined,
  range: readonly [number, number],
  columns?: number,
): Promise<ImagesView> {
  const grid = tf.tidy(() => imageGrid(trainer.sample(noise, labels) as tf.Tensor4D, { range, columns }));
  try {
    const [height, width, channels] = grid.shape;
    return { kind: 'images', pixels: Float32Array.from(await grid.data()), width, height, channels };
  } finally {
    grid.dispose();
  }
}
