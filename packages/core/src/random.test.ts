import { describe, expect, it } from 'vitest';
import { createRandom } from './random.js';

describe('createRandom', () => {
  it('is reproducible from a seed and differs between seeds', () => {
    const a = createRandom(42).uniform(8);
    expect(createRandom(42).uniform(8)).toEqual(a);
    expect(createRandom(43).uniform(8)).not.toEqual(a);
  });

  it('restores its state', () => {
    const random = createRandom(7);
    random.normal(5);
    const state = random.getState();
    const first = random.uniform(4);
    random.setState(state);
    expect(random.uniform(4)).toEqual(first);
  });

  it('draws normals with the requested moments', () => {
    const x = createRandom(1).normal(20001, 2, 0.5);
    const mean = x.reduce((s, v) => s + v, 0) / x.length;
    const variance = x.reduce((s, v) => s + (v - mean) ** 2, 0) / x.length;
    expect(mean).toBeCloseTo(2, 1);
    expect(Math.sqrt(variance)).toBeCloseTo(0.5, 1);
  });

  it('shuffles into a permutation', () => {
    const values = Array.from({ length: 50 }, (_, i) => i);
    const shuffled = createRandom(3).shuffle([...values]);
    expect(shuffled).not.toEqual(values);
    expect([...shuffled].sort((p, q) => p - q)).toEqual(values);
  });
});
