import { createRandom, formatValue, invalidArgument, positiveInteger, type Random } from '@gan/core';
import { type ArrayDataset, arrayDataset } from './array-dataset.js';
import { boxDistance, circleDistance, crossDistance, ringDistance, triangleDistance } from './shape-sdf.js';
import type { ValueRange } from './types.js';

export interface ShapesConfig {
  /** Number of images. Defaults to `2048`. */
  count?: number;
  /** Width and height of each (square, one-channel) image in pixels. Defaults to `28`. */
  size?: number;
  /** Value range of the batched images. Defaults to `[0, 1]`. */
  range?: ValueRange;
  /** Seed of the drawing; the same seed draws the same images. Defaults to `0`. */
  seed?: number;
}

/** The classes of {@link shapes}, index = label. */
export const SHAPE_CLASS_NAMES = Object.freeze(['circle', 'square', 'triangle', 'cross', 'ring', 'bar'] as const);

type Distance = (x: number, y: number) => number;

/** Draws the parameters of one shape of class `label` (in units of the image size). */
function shapeDistance(label: number, random: Random): { distance: Distance; angle: number } {
  const span = (low: number, high: number) => low + (high - low) * random.next();
  switch (SHAPE_CLASS_NAMES[label]) {
    case 'circle': {
      const radius = span(0.16, 0.3);
      return { distance: (x, y) => circleDistance(x, y, radius), angle: 0 };
    }
    case 'square': {
      const half = span(0.15, 0.25);
      return { distance: (x, y) => boxDistance(x, y, half, half), angle: span(-0.3, 0.3) };
    }
    case 'triangle': {
      const halfSide = span(0.2, 0.3);
      return { distance: (x, y) => triangleDistance(x, y, halfSide), angle: span(-0.35, 0.35) };
    }
    case 'cross': {
      const arm = span(0.2, 0.3);
      const half = span(0.04, 0.07);
      return { distance: (x, y) => crossDistance(x, y, arm, half), angle: span(-0.3, 0.3) };
    }
    case 'ring': {
      const radius = span(0.18, 0.28);
      const half = span(0.035, 0.06);
      return { distance: (x, y) => ringDistance(x, y, radius, half), angle: 0 };
    }
    default: {
      const halfLength = span(0.25, 0.34);
      const half = span(0.05, 0.09);
      return { distance: (x, y) => boxDistance(x, y, halfLength, half), angle: span(-0.25, 0.25) };
    }
  }
}

/**
 * Renders one shape into `out` (size × size bytes) with anti-aliased edges: a pixel's value is its
 * coverage `clamp(0.5 − d, 0, 1)` where `d` is the signed distance of the pixel centre in pixels.
 */
function drawShape(out: Uint8Array, offset: number, size: number, label: number, random: Random): void {
  const { distance, angle } = shapeDistance(label, random);
  const centreX = 0.5 + (random.next() - 0.5) * 0.2;
  const centreY = 0.5 + (random.next() - 0.5) * 0.2;
  const cos = Math.cos(angle);
  const sin = Math.sin(angle);
  for (let row = 0; row < size; row++) {
    const dy = centreY - (row + 0.5) / size; // y up
    for (let col = 0; col < size; col++) {
      const dx = (col + 0.5) / size - centreX;
      const x = cos * dx + sin * dy;
      const y = -sin * dx + cos * dy;
      const coverage = Math.min(Math.max(0.5 - distance(x, y) * size, 0), 1);
      out[offset + row * size + col] = Math.round(coverage * 255);
    }
  }
}

/**
 * A built-in labelled set of `size × size × 1` images of simple white shapes on black (classes in
 * {@link SHAPE_CLASS_NAMES}: circle, square, triangle, cross, ring, bar) with random position, scale,
 * rotation and thickness. Nothing is downloaded; the same seed gives the same images, and the classes
 * are balanced (example `i` has label `i mod 6`). Small enough that a CPU training run on it is quick.
 */
export function shapes(config: ShapesConfig = {}): ArrayDataset {
  const { count = 2048, size = 28, range = [0, 1], seed = 0 } = config;
  positiveInteger(count, 'shapes count');
  if (!Number.isInteger(size) || size < 8) {
    throw invalidArgument('shapes size', 'an integer of at least 8 pixels', formatValue(size));
  }
  const random = createRandom(seed);
  const pixels = new Uint8Array(count * size * size);
  const labels = new Int32Array(count);
  for (let i = 0; i < count; i++) {
    const label = i % SHAPE_CLASS_NAMES.length;
    labels[i] = label;
    drawShape(pixels, i * size * size, size, label, random);
  }
  return arrayDataset({
    x: pixels,
    shape: [size, size, 1],
    labels,
    classNames: SHAPE_CLASS_NAMES,
    range,
    name: 'shapes',
    source: `built-in synthetic shapes (${count} images of ${size}×${size}, seed ${seed})`,
  });
}
