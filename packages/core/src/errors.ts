const marker = Symbol.for('gan.error');

/** What kind of failure a {@link GanError} reports. */
export type GanErrorCode =
  | 'INVALID_ARGUMENT'
  | 'SHAPE_MISMATCH'
  | 'UNKNOWN_NAME'
  | 'CORRUPT_FILE'
  | 'NOT_FOUND'
  | 'MISSING_DEPENDENCY'
  | 'NON_FINITE_LOSS'
  | 'ABORTED'
  | 'UNSUPPORTED'
  | 'NETWORK';

/**
 * The one error class of @gan. Messages say what was expected, what was got and what to do.
 * `GanError.isInstance(e)` works across duplicate installs of this package (it checks a
 * global symbol, not the prototype chain).
 */
export class GanError extends Error {
  readonly [marker] = true;
  readonly code: GanErrorCode;

  constructor(code: GanErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'GanError';
    this.code = code;
  }

  static isInstance(error: unknown): error is GanError {
    return typeof error === 'object' && error !== null && (error as Record<symbol, unknown>)[marker] === true;
  }
}

/**
 * Loads an optional peer dependency. `load` must be a literal `() => import('name')` so bundlers see it.
 * On failure it throws `Cannot import "name". Install it to use usedBy().` with the original error as cause.
 */
export async function importOptional<T>(name: string, usedBy: string, load: () => Promise<T>): Promise<T> {
  try {
    return await load();
  } catch (cause) {
    throw new GanError(
      'MISSING_DEPENDENCY',
      `Cannot import "${name}". Install it to use ${usedBy}(): npm install ${name}`,
      {
        cause,
      },
    );
  }
}
