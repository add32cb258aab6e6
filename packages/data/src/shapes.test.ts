import { describe, expect, it } from 'vitest';
import { SHAPE_CLASS_NAMES, shapes } from './shapes.js';

/** Mean over images of one class of: filled fraction (pixels > 127) and value at the image centre region. */
function classStats(x: Uint8Array, labels: Int32Array, size: number, label: number) {
  let filled = 0;
  let images = 0;
  for (let i = 0; i < labels.length; i++) {
    if (labels[i] !== label) continue;
    images++;
    for (let p = 0; p < size * size; p++) if ((x[i * size * size + p] as number) > 127) filled++;
  }
  return filled / (images * size * size);
}

describe('shapes', () => {
  it('draws a balanced labelled set of 28×28×1 images with six classes', () => {
    const dataset = shapes({ count: 60 });
    expect(dataset.size).toBe(60);
    expect(dataset.shape).toEqual([28, 28, 1]);
    expect(dataset.numClasses).toBe(6);
    expect(dataset.classNames).toEqual(SHAPE_CLASS_NAMES);
    expect(dataset.range).toEqual([0, 1]);
    const labels = dataset.labels as Int32Array;
    for (let k = 0; k < 6; k++) expect(labels.filter((l) => l === k).length).toBe(10);
  });

  it('is deterministic for a seed and differs between seeds', () => {
    const a = shapes({ count: 12, seed: 3 }).x;
    expect(shapes({ count: 12, seed: 3 }).x).toEqual(a);
    expect(shapes({ count: 12, seed: 4 }).x).not.toEqual(a);
  });

  it('draws clean, anti-aliased shapes inside the frame', () => {
    const size = 28;
    const { x } = shapes({ count: 120, size });
    const pixels = x as Uint8Array;
    let edge = 0;
    let partial = 0;
    for (let i = 0; i < 120; i++) {
      const image = pixels.subarray(i * size * size, (i + 1) * size * size);
      const lit = image.filter((v) => v > 0).length;
      expect(lit).toBeGreaterThan(20); // something is drawn
      expect(Math.max(...image)).toBe(255);
      for (let k = 0; k < size; k++) edge += (image[k] as number) + (image[(size - 1) * size + k] as number);
      partial += image.filter((v) => v > 0 && v < 255).length;
    }
    expect(edge).toBe(0); // top and bottom rows stay black
    expect(partial / 120).toBeGreaterThan(10); // soft edges
  });

  it('gives the classes distinct fill statistics (ring and cross thinner than circle and square)', () => {
    const size = 28;
    const dataset = shapes({ count: 600, size });
    const fill = SHAPE_CLASS_NAMES.map((_, k) =>
      classStats(dataset.x as Uint8Array, dataset.labels as Int32Array, size, k),
    );
    const [circle, square, , cross, ring] = fill as number[];
    expect(ring).toBeLessThan(circle as number);
    expect(cross).toBeLessThan(square as number);
    for (const f of fill) {
      expect(f).toBeGreaterThan(0.03);
      expect(f).toBeLessThan(0.4);
    }
  });

  it('honours size and range', () => {
    const dataset = shapes({ count: 6, size: 16, range: [-1, 1] });
    expect(dataset.shape).toEqual([16, 16, 1]);
    expect(dataset.range).toEqual([-1, 1]);
    expect(() => shapes({ count: 0 })).toThrow(/positive integer/);
  });
});
