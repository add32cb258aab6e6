import { describe, expect, it } from 'vitest';
import {
  finiteNumber,
  formatValue,
  integerAtLeast,
  invalidArgument,
  isPositiveInteger,
  oneOf,
  positiveInteger,
  positiveNumber,
} from './checks.js';
import { GanError } from './errors.js';

function thrown(run: () => unknown): GanError {
  try {
    run();
  } catch (error) {
    if (GanError.isInstance(error)) return error;
    throw error;
  }
  throw new Error('expected a GanError');
}

describe('argument checks', () => {
  it('write values as the messages show them', () => {
    expect(formatValue(3)).toBe('3');
    expect(formatValue(Number.NaN)).toBe('NaN');
    expect(formatValue(undefined)).toBe('undefined');
    expect(formatValue('gru')).toBe("'gru'");
    expect(formatValue([28, 28])).toBe('[28,28]');
    expect(formatValue({ a: 1 })).toBe('{"a":1}');
  });

  it('throw INVALID_ARGUMENT in one format', () => {
    const error = invalidArgument('splits', 'a positive integer no larger than 5', '9', 'Pass fewer splits.');
    expect(error.code).toBe('INVALID_ARGUMENT');
    expect(error.message).toBe('Expected splits to be a positive integer no larger than 5, got 9. Pass fewer splits.');
  });

  it('accept positive integers and name the argument otherwise', () => {
    expect(positiveInteger(3, 'batchSize')).toBe(3);
    for (const bad of [0, -1, 1.5, Number.NaN, Number.POSITIVE_INFINITY, '3', undefined]) {
      expect(isPositiveInteger(bad)).toBe(false);
      expect(() => positiveInteger(bad, 'ngf of dcgan')).toThrow(
        `Expected ngf of dcgan to be a positive integer, got ${formatValue(bad)}.`,
      );
    }
    expect(thrown(() => positiveInteger(0, 'batchSize')).code).toBe('INVALID_ARGUMENT');
  });

  it('check integers from a minimum, finite and positive numbers', () => {
    expect(integerAtLeast(0, 0, 'padding')).toBe(0);
    expect(() => integerAtLeast(1, 2, 'steps')).toThrow('Expected steps to be an integer ≥ 2, got 1.');
    expect(positiveNumber(0.5, 'learningRate')).toBe(0.5);
    expect(() => positiveNumber(-1, 'learningRate')).toThrow(
      'Expected learningRate to be a finite number > 0, got -1.',
    );
    expect(() => positiveNumber(Number.POSITIVE_INFINITY, 'alpha')).toThrow('got Infinity.');
    expect(finiteNumber(-2, 'seed')).toBe(-2);
    expect(() => finiteNumber(Number.NaN, 'seed of dcgan')).toThrow(
      'Expected seed of dcgan to be a finite number, got NaN.',
    );
  });

  it('list the allowed values, strings quoted', () => {
    expect(oneOf(64, [32, 64, 128], 'imageSize')).toBe(64);
    expect(() => oneOf(48, [32, 64, 128], 'imageSize of dcgan')).toThrow(
      'Expected imageSize of dcgan to be one of 32, 64, 128, got 48.',
    );
    expect(() => oneOf('gru', ['mlp', 'dcgan'], 'variant of cgan')).toThrow(
      "Expected variant of cgan to be one of 'mlp', 'dcgan', got 'gru'.",
    );
  });
});
