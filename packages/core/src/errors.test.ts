import { describe, expect, it } from 'vitest';
import { GanError, importOptional } from './errors.js';
import { assertShape } from './shape.js';

describe('GanError', () => {
  it('is recognised by its marker, not its prototype', () => {
    const error = new GanError('INVALID_ARGUMENT', 'bad');
    expect(GanError.isInstance(error)).toBe(true);
    expect(GanError.isInstance(new Error('bad'))).toBe(false);
    const foreign = Object.assign(new Error('x'), { [Symbol.for('gan.error')]: true });
    expect(GanError.isInstance(foreign)).toBe(true);
  });

  it('names the missing optional dependency', async () => {
    await expect(importOptional('nope', 'loadThing', () => Promise.reject(new Error('gone')))).rejects.toThrow(
      'Cannot import "nope". Install it to use loadThing()',
    );
  });

  it('says what shape was expected and what was got', () => {
    expect(() => assertShape([64, 32, 32, 3], [null, 28, 28, 1], 'images', 'Resize them.')).toThrow(
      'Expected images of shape [n, 28, 28, 1], got [64, 32, 32, 3]. Resize them.',
    );
    expect(() => assertShape([5, 28, 28, 1], [null, 28, 28, 1], 'images')).not.toThrow();
  });
});
