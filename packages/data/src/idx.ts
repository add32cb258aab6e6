import { formatShape, GanError } from '@gan/core';

/** The contents of an idx file: its dimensions and its bytes in C order. */
export interface IdxData {
  /** Dimensions, e.g. `[10000, 28, 28]` for images or `[10000]` for labels. */
  shape: number[];
  /** The values (a view into the given bytes, not a copy). */
  data: Uint8Array;
}

const UNSIGNED_BYTE = 0x08;

/**
 * Parses an idx file of unsigned bytes (the MNIST format) from its raw, uncompressed bytes: a
 * big-endian header `00 00 08 <ndim>` (magic 0x00000801 for labels, 0x00000803 for images), then
 * `ndim` big-endian uint32 dimensions, then the data. Throws GanError('CORRUPT_FILE') for a wrong
 * magic number or a file whose length does not match its header. `name` (the file) appears in errors.
 */
export function parseIdx(bytes: Uint8Array, name = 'idx file'): IdxData {
  if (bytes.length < 4) {
    throw new GanError(
      'CORRUPT_FILE',
      `${name} is not an idx file: expected at least 4 header bytes, got ${bytes.length}. Check the file (a partial download?).`,
    );
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const magic = view.getUint32(0, false);
  const ndim = bytes[3] as number;
  if (bytes[0] !== 0 || bytes[1] !== 0 || bytes[2] !== UNSIGNED_BYTE || ndim === 0) {
    const hex = `0x${magic.toString(16).padStart(8, '0')}`;
    const hint = bytes[0] === 0x1f && bytes[1] === 0x8b ? ' It looks gzip-compressed: gunzip it first.' : '';
    throw new GanError(
      'CORRUPT_FILE',
      `${name} is not an idx file of unsigned bytes: expected magic 0x00000801 (labels) or 0x00000803 (images), got ${hex}.${hint}`,
    );
  }
  const headerLength = 4 + 4 * ndim;
  if (bytes.length < headerLength) {
    throw new GanError(
      'CORRUPT_FILE',
      `${name} is truncated: expected a ${headerLength}-byte header for ${ndim} dimensions, got ${bytes.length} bytes.`,
    );
  }
  const shape: number[] = [];
  for (let d = 0; d < ndim; d++) shape.push(view.getUint32(4 + 4 * d, false));
  const expected = headerLength + shape.reduce((a, b) => a * b, 1);
  if (bytes.length !== expected) {
    throw new GanError(
      'CORRUPT_FILE',
      `${name} ${bytes.length < expected ? 'is truncated' : 'has trailing bytes'}: its header says ${formatShape(shape)}, so expected ${expected} bytes, got ${bytes.length}. Download the file again.`,
    );
  }
  return { shape, data: bytes.subarray(headerLength) };
}
