import { GanError } from './errors.js';

/** A shape with `null` for any size. */
export type ShapePattern = readonly (number | null)[];

export function formatShape(shape: readonly (number | null)[]): string {
  return `[${shape.map((d) => (d === null ? 'n' : String(d))).join(', ')}]`;
}

export function shapeMatches(actual: readonly (number | null)[], expected: ShapePattern): boolean {
  return (
    actual.length === expected.length && expected.every((d, i) => d === null || actual[i] === null || actual[i] === d)
  );
}

/**
 * Throws a SHAPE_MISMATCH GanError unless `actual` fits `expected`:
 * `Expected <what> of shape [n, 28, 28, 1], got [64, 32, 32, 3]. <hint>`
 */
export function assertShape(actual: readonly (number | null)[], expected: ShapePattern, what: string, hint = ''): void {
  if (!shapeMatches(actual, expected)) {
    throw new GanError(
      'SHAPE_MISMATCH',
      `Expected ${what} of shape ${formatShape(expected)}, got ${formatShape(actual)}.${hint ? ` ${hint}` : ''}`,
    );
  }
}
