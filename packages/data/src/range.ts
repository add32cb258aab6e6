import { GanError } from '@gan/core';

/**
 * Checks that `range` is a finite, increasing pair such as `[0, 1]` or `[-1, 1]`, and returns it as a
 * fresh frozen tuple. `what` names the caller in the error message.
 */
export function checkRange(range: readonly number[], what: string): readonly [number, number] {
  const [low, high] = range;
  if (range.length !== 2 || !Number.isFinite(low) || !Number.isFinite(high) || !(low < high)) {
    throw new GanError(
      'INVALID_ARGUMENT',
      `Expected ${what} range to be two finite increasing numbers such as [0, 1] or [-1, 1], got [${range.join(', ')}].`,
    );
  }
  return Object.freeze([low, high] as [number, number]);
}

/**
 * The lookup table that maps a stored pixel byte `v` (0–255) to `low + v · (high − low) / 255`:
 * `[0, 1]` gives `v / 255`, `[-1, 1]` gives `v / 127.5 − 1` (0 → −1, 255 → 1 exactly).
 */
export function pixelTable(range: readonly [number, number]): Float32Array {
  const [low, high] = range;
  const table = new Float32Array(256);
  for (let v = 0; v < 256; v++) table[v] = low + (v * (high - low)) / 255;
  table[255] = high;
  return table;
}
