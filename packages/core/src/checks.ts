import { GanError } from './errors.js';

// The argument checks of every @gan package, so that one kind of mistake reads the same everywhere:
// `Expected <what> to be <requirement>, got <value>.`, a GanError INVALID_ARGUMENT.

/**
 * A value as the messages of argument checks write it: a string in single quotes, an array or a plain object as
 * JSON, anything else with `String()` (`3`, `NaN`, `undefined`).
 */
export function formatValue(value: unknown): string {
  if (typeof value === 'string') return `'${value}'`;
  if (Array.isArray(value) || (typeof value === 'object' && value !== null && isPlainObject(value))) {
    try {
      return JSON.stringify(value);
    } catch {
      return String(value);
    }
  }
  return String(value);
}

function isPlainObject(value: object): boolean {
  const prototype = Object.getPrototypeOf(value);
  return prototype === Object.prototype || prototype === null;
}

/**
 * The error of every argument check: GanError `INVALID_ARGUMENT` with the message
 * `Expected <what> to be <requirement>, got <got>.`, then `hint` when given. `got` is text: pass
 * `formatValue(value)` for a value, or your own wording for several (`3×0`).
 */
export function invalidArgument(what: string, requirement: string, got: string, hint?: string): GanError {
  return new GanError(
    'INVALID_ARGUMENT',
    `Expected ${what} to be ${requirement}, got ${got}.${hint ? ` ${hint}` : ''}`,
  );
}

/** Whether `value` is an integer ≥ 1 (a number: `'3'` is not). */
export function isPositiveInteger(value: unknown): value is number {
  return typeof value === 'number' && Number.isInteger(value) && value >= 1;
}

/**
 * Returns `value` when it is an integer ≥ 1; else throws `Expected <what> to be a positive integer, got <value>.`
 * (`what` names the argument as the user wrote it: `'batchSize'`, `'ngf of dcgan'`).
 */
export function positiveInteger(value: unknown, what: string): number {
  if (!isPositiveInteger(value)) throw invalidArgument(what, 'a positive integer', formatValue(value));
  return value;
}

/** Returns `value` when it is an integer ≥ `minimum`; else throws `Expected <what> to be an integer ≥ <minimum>, got <value>.` */
export function integerAtLeast(value: unknown, minimum: number, what: string): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < minimum) {
    throw invalidArgument(what, `an integer ≥ ${minimum}`, formatValue(value));
  }
  return value;
}

/** Returns `value` when it is a finite number > 0; else throws `Expected <what> to be a finite number > 0, got <value>.` */
export function positiveNumber(value: unknown, what: string): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) {
    throw invalidArgument(what, 'a finite number > 0', formatValue(value));
  }
  return value;
}

/** Returns `value` when it is a finite number; else throws `Expected <what> to be a finite number, got <value>.` */
export function finiteNumber(value: unknown, what: string): number {
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    throw invalidArgument(what, 'a finite number', formatValue(value));
  }
  return value;
}

/**
 * Returns `value` when it is one of `allowed`; else throws
 * `Expected <what> to be one of 'a', 'b', got 'c'.` (strings quoted, numbers not).
 */
export function oneOf<T extends string | number>(value: unknown, allowed: readonly T[], what: string): T {
  if (!allowed.includes(value as T)) {
    throw invalidArgument(what, `one of ${allowed.map(formatValue).join(', ')}`, formatValue(value));
  }
  return value as T;
}
