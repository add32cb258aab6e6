import { describe, expect, it } from 'vitest';
import { checkRange, pixelTable } from './range.js';

describe('pixelTable', () => {
  it('maps bytes linearly onto the range with exact ends', () => {
    const unit = pixelTable([0, 1]);
    expect(unit[0]).toBe(0);
    expect(unit[255]).toBe(1);
    expect(unit[102]).toBeCloseTo(0.4, 6);
    const signed = pixelTable([-1, 1]);
    expect(signed[0]).toBe(-1);
    expect(signed[255]).toBe(1);
    expect(signed[51]).toBeCloseTo(-0.6, 6);
    for (let v = 1; v < 256; v++) expect(signed[v] as number).toBeGreaterThan(signed[v - 1] as number);
  });

  it('rejects ranges that are not increasing pairs', () => {
    expect(() => checkRange([0, 0], 'x')).toThrow(/two finite increasing numbers/);
    expect(() => checkRange([0, 1, 2], 'x')).toThrow(/got \[0, 1, 2\]/);
    expect(checkRange([-1, 1], 'x')).toEqual([-1, 1]);
  });
});
