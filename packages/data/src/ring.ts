import { createRandom, GanError, positiveInteger } from '@gan/core';
import { type ArrayDataset, arrayDataset } from './array-dataset.js';

export interface RingConfig {
  /** Number of points. Defaults to `2048`. */
  count?: number;
  /** Number of Gaussians, evenly spaced on the circle. Defaults to `8`. */
  modes?: number;
  /** Radius of the circle the modes sit on. Defaults to `2`. */
  radius?: number;
  /** Standard deviation of each Gaussian. Defaults to `0.02`. */
  std?: number;
  /** Seed of the draw; the same seed gives the same points. Defaults to `0`. */
  seed?: number;
}

/**
 * The GAN toy problem: 2-D points from a mixture of `modes` Gaussians whose means are evenly spaced
 * on a circle of `radius` (mode `k` at angle 2πk / modes), labelled by mode. Modes are balanced
 * (point `i` belongs to mode `i mod modes`). The dataset's `range` is `[−m, m]` where `m` is the
 * largest absolute coordinate drawn, so a generator for it needs a linear output, not tanh.
 */
export function ring(config: RingConfig = {}): ArrayDataset {
  const { count = 2048, modes = 8, radius = 2, std = 0.02, seed = 0 } = config;
  positiveInteger(count, 'ring count');
  positiveInteger(modes, 'ring modes');
  if (!(radius > 0) || !(std >= 0) || !Number.isFinite(radius) || !Number.isFinite(std)) {
    throw new GanError(
      'INVALID_ARGUMENT',
      `Expected ring radius > 0 and std ≥ 0, got radius ${radius} and std ${std}.`,
    );
  }
  const random = createRandom(seed);
  const noise = random.normal(count * 2, 0, std);
  const points = new Float32Array(count * 2);
  const labels = new Int32Array(count);
  let extent = 0;
  for (let i = 0; i < count; i++) {
    const mode = i % modes;
    const angle = (2 * Math.PI * mode) / modes;
    labels[i] = mode;
    points[2 * i] = radius * Math.cos(angle) + (noise[2 * i] as number);
    points[2 * i + 1] = radius * Math.sin(angle) + (noise[2 * i + 1] as number);
    extent = Math.max(extent, Math.abs(points[2 * i] as number), Math.abs(points[2 * i + 1] as number));
  }
  return arrayDataset({
    x: points,
    shape: [2],
    labels,
    classNames: Array.from({ length: modes }, (_, k) => `mode ${k}`),
    range: [-extent, extent],
    name: 'ring',
    source: `built-in synthetic ring (${count} points, ${modes} Gaussians of std ${std} on a circle of radius ${radius}, seed ${seed})`,
  });
}
