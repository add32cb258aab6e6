import { createRandom } from '@gan/core';
import { describe, expect, it } from 'vitest';
import { gaussianStatistics, runningStatistics } from './statistics.js';

describe('gaussianStatistics', () => {
  it('computes the mean and the unbiased covariance by hand', () => {
    const stats = gaussianStatistics([1, 2, 3, 6], 2);
    expect([...stats.mean]).toEqual([2, 4]);
    // Deviations (−1, −2) and (1, 2): scatter [[2, 4], [4, 8]], divided by n − 1 = 1.
    expect([...stats.covariance]).toEqual([2, 4, 4, 8]);
    expect(stats.count).toBe(2);
  });

  it('rejects values that are not a multiple of dim, and fewer than 2 vectors', () => {
    expect(() => gaussianStatistics([1, 2, 3], 2)).toThrow(/shape \[n, 2\]/);
    expect(() => gaussianStatistics([1, 2], 2)).toThrow(/at least 2/);
  });
});

describe('runningStatistics', () => {
  it('matches the two-pass computation batch by batch, even far from the origin', () => {
    const dim = 5;
    const random = createRandom(4);
    const values = Float64Array.from(random.normal(503 * dim), (v, i) => 1e4 + v * (1 + (i % dim)));
    const running = runningStatistics(dim);
    let start = 0;
    for (const rows of [1, 64, 200, 7, 231]) {
      running.add(values.subarray(start * dim, (start + rows) * dim));
      start += rows;
    }
    expect(running.count).toBe(503);
    const streamed = running.statistics();
    const reference = gaussianStatistics(values, dim);
    for (let i = 0; i < dim; i++) expect(streamed.mean[i]).toBeCloseTo(reference.mean[i]!, 9);
    for (let i = 0; i < dim * dim; i++) expect(streamed.covariance[i]).toBeCloseTo(reference.covariance[i]!, 9);
    // The diagonal is the variance it was drawn with, (1 + i)², within sampling error.
    expect(streamed.covariance[dim * dim - 1]).toBeGreaterThan(20);
    expect(streamed.covariance[dim * dim - 1]).toBeLessThan(30);
  });

  it('says how many vectors a covariance needs', () => {
    const running = runningStatistics(3);
    running.add([1, 2, 3]);
    expect(() => running.statistics()).toThrow(/at least 2 feature vectors, got 1/);
    expect(() => runningStatistics(0)).toThrow(/positive integer/);
  });
});
