import * as core from '@gan/core';
import type { ImageShape, OutputActivation, OutputRange } from './types.js';

/** `value` when it is a positive integer, else `Expected <name> of <model> to be a positive integer, got <value>.` */
export function positiveInteger(value: unknown, name: string, model: string): number {
  return core.positiveInteger(value, `${name} of ${model}`);
}

/** `value` when it is one of `allowed`, else `Expected <name> of <model> to be one of …, got <value>.` */
export function oneOf<T extends string | number>(
  value: unknown,
  allowed: readonly T[],
  name: string,
  model: string,
): T {
  return core.oneOf(value, allowed, `${name} of ${model}`);
}

export function imageShape(value: unknown, model: string): ImageShape {
  if (!Array.isArray(value) || value.length !== 3 || !value.every(core.isPositiveInteger)) {
    throw core.invalidArgument(
      `imageShape of ${model}`,
      '[height, width, channels] of positive integers',
      core.formatValue(value),
    );
  }
  return [value[0], value[1], value[2]];
}

export function seed(value: unknown, model: string): number | undefined {
  return value === undefined ? undefined : core.finiteNumber(value, `seed of ${model}`);
}

export function outputActivation(value: unknown, fallback: OutputActivation, model: string): OutputActivation {
  return oneOf(value ?? fallback, ['tanh', 'sigmoid'] as const, 'outputActivation', model);
}

export function rangeOf(activation: OutputActivation): OutputRange {
  return activation === 'tanh' ? [-1, 1] : [0, 1];
}

/** The shape of one example of an MLP GAN: `[height, width, channels]`, or `[features]` for points (e.g. `[2]`). */
export function exampleShape(value: unknown, model: string): readonly number[] {
  if (!Array.isArray(value) || (value.length !== 1 && value.length !== 3) || !value.every(core.isPositiveInteger)) {
    throw core.invalidArgument(
      `imageShape of ${model}`,
      '[height, width, channels] or [features] of positive integers',
      core.formatValue(value),
    );
  }
  return [...value];
}
