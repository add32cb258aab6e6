import { describe, expect, it } from 'vitest';
import { type GanKind, isConditionalKind } from './gan-info.js';

describe('GanKind and GanInfo.conditional', () => {
  it('call a GAN conditional when its generator takes labels, auxiliary classifiers included', () => {
    const kinds: GanKind[] = ['unconditional', 'conditional', 'auxiliary-classifier'];
    expect(kinds.map(isConditionalKind)).toEqual([false, true, true]);
  });
});
