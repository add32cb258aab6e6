import { describe, expect, it } from 'vitest';
import { ring } from './ring.js';

describe('ring', () => {
  it('draws points near the circle, clustered at the labelled mode', () => {
    const dataset = ring({ count: 800, modes: 8, radius: 2, std: 0.02, seed: 1 });
    expect(dataset.shape).toEqual([2]);
    expect(dataset.size).toBe(800);
    expect(dataset.numClasses).toBe(8);
    const x = dataset.x as Float32Array;
    const labels = dataset.labels as Int32Array;
    let sumRadius = 0;
    const perMode = new Array(8).fill(0);
    for (let i = 0; i < 800; i++) {
      const px = x[2 * i] as number;
      const py = x[2 * i + 1] as number;
      const mode = labels[i] as number;
      perMode[mode]++;
      const angle = (2 * Math.PI * mode) / 8;
      expect(Math.hypot(px - 2 * Math.cos(angle), py - 2 * Math.sin(angle))).toBeLessThan(0.02 * 6);
      sumRadius += Math.hypot(px, py);
    }
    expect(sumRadius / 800).toBeCloseTo(2, 2);
    expect(perMode).toEqual(new Array(8).fill(100));
  });

  it('has the standard deviation it was asked for', () => {
    const dataset = ring({ count: 4000, modes: 1, radius: 1, std: 0.1, seed: 2 });
    const x = dataset.x as Float32Array;
    let sum = 0;
    let sumSquares = 0;
    for (let i = 0; i < 4000; i++) {
      const dy = x[2 * i + 1] as number; // mode 0 sits at (1, 0)
      sum += dy;
      sumSquares += dy * dy;
    }
    const mean = sum / 4000;
    expect(Math.abs(mean)).toBeLessThan(0.01);
    expect(Math.sqrt(sumSquares / 4000 - mean * mean)).toBeCloseTo(0.1, 2);
  });

  it('is deterministic for a seed and reports a range that holds every point', () => {
    const a = ring({ seed: 9 });
    expect(ring({ seed: 9 }).x).toEqual(a.x);
    expect(ring({ seed: 10 }).x).not.toEqual(a.x);
    const [low, high] = a.range;
    expect(low).toBe(-high);
    expect(high).toBeGreaterThan(2);
    expect(high).toBeLessThan(2.2);
    for (const v of a.x) {
      expect(v).toBeGreaterThanOrEqual(low);
      expect(v).toBeLessThanOrEqual(high);
    }
  });
});
