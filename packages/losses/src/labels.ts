import { GanError } from '@gan/core';

/** Throws INVALID_ARGUMENT unless `value` is a finite number (used for label and target options). */
export function assertFiniteOption(value: number, option: string, factory: string): void {
  if (!Number.isFinite(value)) {
    throw new GanError(
      'INVALID_ARGUMENT',
      `Expected ${option} of ${factory}() to be a finite number, got ${String(value)}.`,
    );
  }
}

/** Throws INVALID_ARGUMENT unless `value` is a probability label in [0, 1]. */
export function assertLabel(value: number, option: string, factory: string): void {
  if (!(value >= 0 && value <= 1)) {
    throw new GanError(
      'INVALID_ARGUMENT',
      `Expected ${option} of ${factory}() to be a label in [0, 1], got ${String(value)}. ` +
        'One-sided label smoothing uses e.g. 0.9.',
    );
  }
}
