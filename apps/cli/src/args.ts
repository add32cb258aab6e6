import { GanError, invalidArgument } from '@gan/core';

// Flag values are text, so a bad one is quoted as typed: `Expected --epochs to be an integer ≥ 1, got "x".`

/** Reads a positive integer flag; a bad value is a clear error naming the flag. */
export function integerFlag(value: string | undefined, flag: string, fallback: number, minimum = 1): number {
  if (value === undefined) return fallback;
  const parsed = Number(value);
  if (!Number.isInteger(parsed) || parsed < minimum) {
    throw invalidArgument(`--${flag}`, `an integer ≥ ${minimum}`, `"${value}"`);
  }
  return parsed;
}

/** Reads a positive number flag (finite, > 0). */
export function numberFlag(value: string | undefined, flag: string, fallback: number): number {
  if (value === undefined) return fallback;
  const parsed = Number(value);
  if (!Number.isFinite(parsed) || parsed <= 0) {
    throw invalidArgument(`--${flag}`, 'a finite number > 0', `"${value}"`);
  }
  return parsed;
}

/** Reads a flag that must be one of `choices`. */
export function choiceFlag<T extends string>(
  value: string | undefined,
  flag: string,
  choices: readonly T[],
  fallback: T,
): T {
  if (value === undefined) return fallback;
  if (!(choices as readonly string[]).includes(value)) {
    throw new GanError('UNKNOWN_NAME', `Unknown --${flag} "${value}". Expected one of: ${choices.join(', ')}.`);
  }
  return value as T;
}

/** Reads a comma-separated list of integers, e.g. `--sample-epochs 1,5,25`. */
export function integerListFlag(value: string | undefined, flag: string): number[] | undefined {
  if (value === undefined) return undefined;
  const parts = value.split(',').map((part) => Number(part.trim()));
  if (parts.some((part) => !Number.isInteger(part) || part < 1)) {
    throw invalidArgument(`--${flag}`, 'a comma-separated list of epochs like 1,5,25', `"${value}"`);
  }
  return parts;
}

/** Reads a number flag in `[minimum, maximum)`, e.g. `--label-noise 0.1` or `--ema 0.999`. */
export function fractionFlag(value: string | undefined, flag: string, minimum: number, maximum: number) {
  if (value === undefined) return undefined;
  const parsed = Number(value);
  if (!(Number.isFinite(parsed) && parsed >= minimum && parsed < maximum)) {
    throw invalidArgument(`--${flag}`, `a number ≥ ${minimum} and < ${maximum}`, `"${value}"`);
  }
  return parsed;
}

/** Reads `--background`: white, black, gray, #rrggbb or r,g,b (bytes). */
export function backgroundFlag(value: string | undefined): [number, number, number] | undefined {
  if (value === undefined) return undefined;
  const named: Record<string, [number, number, number]> = {
    white: [255, 255, 255],
    black: [0, 0, 0],
    gray: [128, 128, 128],
    grey: [128, 128, 128],
  };
  const text = value.trim().toLowerCase();
  if (named[text]) return named[text];
  const hex = /^#?([0-9a-f]{2})([0-9a-f]{2})([0-9a-f]{2})$/.exec(text);
  if (hex) return [1, 2, 3].map((i) => Number.parseInt(hex[i] as string, 16)) as [number, number, number];
  const parts = text.split(',').map((part) => Number(part.trim()));
  if (parts.length === 3 && parts.every((part) => Number.isInteger(part) && part >= 0 && part <= 255)) {
    return parts as [number, number, number];
  }
  throw invalidArgument('--background', 'white, black, gray, #rrggbb or r,g,b with bytes 0-255', `"${value}"`);
}

/** Reads a flag's text for a table of flags; a bad value is a clear error naming the flag. */
export type ValueReader<T> = (text: string, flag: string) => T;

/** Readers of the usual kinds of flag values, for a table of flags. */
export const read = {
  /** An integer ≥ `minimum`. */
  integer:
    (minimum = 1): ValueReader<number> =>
    (text, flag) =>
      integerFlag(text, flag, 0, minimum),
  /** A number > 0. */
  positive: (): ValueReader<number> => (text, flag) => numberFlag(text, flag, 0),
  /** A number in `[minimum, maximum)`. */
  fraction:
    (minimum: number, maximum: number): ValueReader<number> =>
    (text, flag) =>
      fractionFlag(text, flag, minimum, maximum)!,
  /** One of `choices`. */
  choice:
    <T extends string>(choices: readonly T[]): ValueReader<T> =>
    (text, flag) =>
      choiceFlag(text, flag, choices, choices[0]!),
  /** Comma-separated epochs, e.g. `1,5,25`. */
  epochs: (): ValueReader<number[]> => (text, flag) => integerListFlag(text, flag)!,
  /** The text as it is. */
  text: (): ValueReader<string> => (text) => text,
};

/**
 * initBackend's options for `--backend NAME`. `auto` skips software GPU adapters (lavapipe,
 * SwiftShader: slower than wasm); naming `webgpu` asks for WebGPU, so a software adapter is used too.
 */
export function backendFlag(value: string | undefined): { prefer: never; allowSoftwareAdapter: boolean } {
  const prefer = value ?? 'auto';
  return { prefer: prefer as never, allowSoftwareAdapter: prefer !== 'auto' };
}
