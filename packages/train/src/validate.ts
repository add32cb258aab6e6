import { GanError } from '@gan/core';

/** Throws INVALID_ARGUMENT unless `value` is an integer ≥ `min`. */
export function assertInteger(value: number, option: string, min: number): void {
  if (!Number.isInteger(value) || value < min) {
    throw new GanError('INVALID_ARGUMENT', `Expected ${option} to be an integer ≥ ${min}, got ${String(value)}.`);
  }
}

/** Throws INVALID_ARGUMENT unless `value` is a finite number > 0. */
export function assertPositive(value: number, option: string): void {
  if (!(Number.isFinite(value) && value > 0)) {
    throw new GanError('INVALID_ARGUMENT', `Expected ${option} to be a finite number > 0, got ${String(value)}.`);
  }
}

/** Throws INVALID_ARGUMENT unless `value` is a finite number in [0, 1). */
export function assertBeta(value: number, option: string): void {
  if (!(value >= 0 && value < 1)) {
    throw new GanError('INVALID_ARGUMENT', `Expected ${option} to be in [0, 1), got ${String(value)}.`);
  }
}
