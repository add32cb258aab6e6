import { GanError } from '@gan/core';
import { describe, expect, it } from 'vitest';
import { getLoss, isLossName, lossNames } from './registry.js';

describe('loss registry', () => {
  it('builds every registered loss under its own name', () => {
    expect([...lossNames]).toEqual([
      'non-saturating',
      'minimax',
      'least-squares',
      'hinge',
      'wasserstein',
      'relativistic',
      'relativistic-average',
    ]);
    for (const name of lossNames) expect(getLoss(name).name).toBe(name);
  });

  it('rejects unknown names with the list of known ones', () => {
    expect(isLossName('bce')).toBe(false);
    try {
      getLoss('bce');
      expect.unreachable();
    } catch (error) {
      expect(GanError.isInstance(error)).toBe(true);
      expect((error as GanError).code).toBe('UNKNOWN_NAME');
      expect((error as GanError).message).toBe(
        'Unknown loss "bce". Known losses: non-saturating, minimax, least-squares, hinge, wasserstein, relativistic, relativistic-average.',
      );
    }
  });
});
