import { GanError } from '@gan/core';

/** Reads a positive integer flag; a bad value is a clear error naming the flag. */
export function integerFlag(value: string | undefined, flag: string, fallback: number, minimum = 1): number {
  if (value === undefined) return fallback;
  const parsed = Number(value);
  if (!Number.isInteger(parsed) || parsed < minimum) {
    throw new GanError('INVALID_ARGUMENT', `Expected --${flag} to be an integer ≥ ${minimum}, got "${value}".`);
  }
  return parsed;
}

/** Reads a positive number flag. */
export function numberFlag(value: string | undefined, flag: string, fallback: number): number {
  if (value === undefined) return fallback;
  const parsed = Number(value);
  if (!Number.isFinite(parsed) || parsed <= 0) {
    throw new GanError('INVALID_ARGUMENT', `Expected --${flag} to be a positive number, got "${value}".`);
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
    throw new GanError(
      'INVALID_ARGUMENT',
      `Expected --${flag} to be a comma-separated list of epochs like 1,5,25, got "${value}".`,
    );
  }
  return parts;
}

/**
 * initBackend's options for `--backend NAME`. `auto` skips software GPU adapters (lavapipe,
 * SwiftShader: slower than wasm); naming `webgpu` asks for WebGPU, so a software adapter is used too.
 */
export function backendFlag(value: string | undefined): { prefer: never; allowSoftwareAdapter: boolean } {
  const prefer = value ?? 'auto';
  return { prefer: prefer as never, allowSoftwareAdapter: prefer !== 'auto' };
}
