import { GanError } from '@gan/core';
import { describe, expect, it } from 'vitest';
import { parseIdx } from './idx.js';

/** A big-endian idx file of unsigned bytes, written by hand. */
function idxFile(shape: number[], data: number[]): Uint8Array {
  const header = [0, 0, 0x08, shape.length];
  for (const d of shape) header.push((d >>> 24) & 0xff, (d >>> 16) & 0xff, (d >>> 8) & 0xff, d & 0xff);
  return new Uint8Array([...header, ...data]);
}

function errorOf(run: () => unknown): GanError {
  try {
    run();
  } catch (error) {
    if (GanError.isInstance(error)) return error;
    throw error;
  }
  throw new Error('expected a GanError');
}

describe('parseIdx', () => {
  it('reads an idx3 image file', () => {
    const bytes = idxFile([2, 2, 3], [0, 1, 2, 3, 4, 5, 250, 251, 252, 253, 254, 255]);
    expect(Array.from(bytes.subarray(0, 8))).toEqual([0, 0, 8, 3, 0, 0, 0, 2]);
    const { shape, data } = parseIdx(bytes);
    expect(shape).toEqual([2, 2, 3]);
    expect(Array.from(data)).toEqual([0, 1, 2, 3, 4, 5, 250, 251, 252, 253, 254, 255]);
  });

  it('reads an idx1 label file with a dimension above 255', () => {
    const labels = Array.from({ length: 300 }, (_, i) => i % 10);
    const { shape, data } = parseIdx(idxFile([300], labels));
    expect(shape).toEqual([300]);
    expect(data[299]).toBe(9);
  });

  it('rejects a wrong magic number, naming expected and got', () => {
    const bytes = idxFile([2], [1, 2]);
    bytes[2] = 0x0d; // float idx
    const error = errorOf(() => parseIdx(bytes, 'labels.idx'));
    expect(error.code).toBe('CORRUPT_FILE');
    expect(error.message).toMatch(/labels\.idx.*expected magic 0x00000801.*got 0x00000d01/);
    const gzipped = errorOf(() => parseIdx(new Uint8Array([0x1f, 0x8b, 8, 0, 0, 0])));
    expect(gzipped.message).toMatch(/gunzip/);
  });

  it('rejects a truncated file with the expected and actual byte counts', () => {
    const bytes = idxFile([3, 2, 2], new Array(12).fill(7));
    const error = errorOf(() => parseIdx(bytes.subarray(0, bytes.length - 5), 'images'));
    expect(error.code).toBe('CORRUPT_FILE');
    expect(error.message).toMatch(/truncated.*expected 28 bytes, got 23/);
    expect(errorOf(() => parseIdx(bytes.subarray(0, 10))).message).toMatch(/16-byte header.*got 10/);
    expect(errorOf(() => parseIdx(new Uint8Array([0, 0]))).code).toBe('CORRUPT_FILE');
    expect(errorOf(() => parseIdx(new Uint8Array([...bytes, 1]))).message).toMatch(
      /trailing bytes.*expected 28 bytes, got 29/,
    );
  });
});
