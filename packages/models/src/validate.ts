import { GanError } from '@gan/core';
import type { ImageShape, OutputActivation, OutputRange } from './types.js';

export function positiveInteger(value: unknown, name: string, model: string): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1) {
    throw new GanError(
      'INVALID_ARGUMENT',
      `Expected ${name} of ${model} to be a positive integer, got ${String(value)}.`,
    );
  }
  return value;
}

export function oneOf<T extends string | number>(
  value: unknown,
  allowed: readonly T[],
  name: string,
  model: string,
): T {
  if (!allowed.includes(value as T)) {
    const list = allowed.map((v) => (typeof v === 'string' ? `'${v}'` : String(v))).join(', ');
    throw new GanError(
      'INVALID_ARGUMENT',
      `Expected ${name} of ${model} to be one of ${list}, got ${typeof value === 'string' ? `'${value}'` : String(value)}.`,
    );
  }
  return value as T;
}

export function imageShape(value: unknown, model: string): ImageShape {
  if (
    !Array.isArray(value) ||
    value.length !== 3 ||
    value.some((d) => typeof d !== 'number' || !Number.isInteger(d) || d < 1)
  ) {
    throw new GanError(
      'INVALID_ARGUMENT',
      `Expected imageShape of ${model} to be [height, width, channels] of positive integers, got ${JSON.stringify(value)}.`,
    );
  }
  return [value[0], value[1], value[2]];
}

export function seed(value: unknown, model: string): number | undefined {
  if (value !== undefined && (typeof value !== 'number' || !Number.isFinite(value))) {
    throw new GanError('INVALID_ARGUMENT', `Expected seed of ${model} to be a finite number, got ${String(value)}.`);
  }
  return value;
}

export function outputActivation(value: unknown, fallback: OutputActivation, model: string): OutputActivation {
  return oneOf(value ?? fallback, ['tanh', 'sigmoid'] as const, 'outputActivation', model);
}

export function rangeOf(activation: OutputActivation): OutputRange {
  return activation === 'tanh' ? [-1, 1] : [0, 1];
}

/** The shape of one example of an MLP GAN: `[height, width, channels]`, or `[features]` for points (e.g. `[2]`). */
export function exampleShape(value: unknown, model: string): readonly number[] {
  if (
    !Array.isArray(value) ||
    (value.length !== 1 && value.length !== 3) ||
    value.some((d) => typeof d !== 'number' || !Number.isInteger(d) || d < 1)
  ) {
    throw new GanError(
      'INVALID_ARGUMENT',
      `Expected imageShape of ${model} to be [height, width, channels] or [features] of positive integers, got ${JSON.stringify(value)}.`,
    );
  }
  return [...value];
}
