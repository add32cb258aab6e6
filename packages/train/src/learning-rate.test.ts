import { describe, expect, it } from 'vitest';
import { learningRateFactor } from './learning-rate.js';

describe('learningRateFactor', () => {
  it('is 1 without a schedule and follows a function', () => {
    expect(learningRateFactor(undefined, 7)).toBe(1);
    expect(learningRateFactor((step) => 1 / (1 + step), 3)).toBe(0.25);
  });

  it('decays linearly from startStep over steps, then holds endFactor', () => {
    const schedule = { kind: 'linear', steps: 10, startStep: 5, endFactor: 0.2 } as const;
    expect(learningRateFactor(schedule, 0)).toBe(1);
    expect(learningRateFactor(schedule, 5)).toBe(1);
    expect(learningRateFactor(schedule, 10)).toBeCloseTo(0.6, 10); // halfway: 1 + (0.2 − 1)·0.5
    expect(learningRateFactor(schedule, 15)).toBeCloseTo(0.2, 10);
    expect(learningRateFactor(schedule, 100)).toBeCloseTo(0.2, 10);
    expect(learningRateFactor({ kind: 'linear', steps: 4 }, 1)).toBeCloseTo(0.75, 10);
  });

  it('decays exponentially: decay^(step / steps)', () => {
    expect(learningRateFactor({ kind: 'exponential', decay: 0.5 }, 3)).toBeCloseTo(0.125, 10);
    expect(learningRateFactor({ kind: 'exponential', decay: 0.5, steps: 2 }, 3)).toBeCloseTo(0.5 ** 1.5, 10);
  });

  it('rejects negative or non-finite factors and unknown kinds', () => {
    expect(() => learningRateFactor(() => -1, 2)).toThrow(
      'Expected learningRateSchedule to give a finite factor ≥ 0, got -1 at step 2.',
    );
    expect(() => learningRateFactor({ kind: 'cosine' } as never, 0)).toThrow(
      /Unknown learningRateSchedule kind "cosine"/,
    );
  });
});
