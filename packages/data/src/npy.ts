import { formatShape, GanError } from '@gan/core';

/** An array read from a `.npy` file. */
export interface NpyData {
  /** Dimensions (`[]` for a scalar). */
  shape: number[];
  /** The values in C order, converted to float32. */
  data: Float32Array;
}

const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]; // \x93NUMPY

function checkNpyShape(data: Float32Array, shape: readonly number[]): void {
  const count = shape.reduce((a, b) => a * b, 1);
  if (!shape.every((d) => Number.isInteger(d) && d >= 0) || count !== data.length) {
    throw new GanError(
      'SHAPE_MISMATCH',
      `Expected shape ${formatShape(shape)} to hold ${data.length} values (the data's length), but it holds ${count}.`,
    );
  }
}

/**
 * Encodes a float32 array as a NumPy `.npy` file, format version 1.0, dtype `'<f4'`, C order:
 * the magic `\x93NUMPY`, bytes `01 00`, a little-endian uint16 header length, the header dict padded
 * with spaces and ended by `\n` so that the data starts at a multiple of 64 bytes, then the data.
 */
export function encodeNpy(data: Float32Array, shape: readonly number[]): Uint8Array {
  checkNpyShape(data, shape);
  const shapeText = shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(', ')})`;
  const dict = `{'descr': '<f4', 'fortran_order': False, 'shape': ${shapeText}, }`;
  const unpadded = MAGIC.length + 4 + dict.length + 1;
  const headerText = `${dict}${' '.repeat((64 - (unpadded % 64)) % 64)}\n`;
  const headerStart = MAGIC.length + 4;
  const out = new Uint8Array(headerStart + headerText.length + data.length * 4);
  out.set(MAGIC, 0);
  out[6] = 1;
  out[7] = 0;
  out[8] = headerText.length & 0xff;
  out[9] = headerText.length >> 8;
  for (let i = 0; i < headerText.length; i++) out[headerStart + i] = headerText.charCodeAt(i);
  const view = new DataView(out.buffer, headerStart + headerText.length);
  for (let i = 0; i < data.length; i++) view.setFloat32(i * 4, data[i] as number, true);
  return out;
}

type Reader = (view: DataView, offset: number, littleEndian: boolean) => number;

const READERS: Record<string, { bytes: number; read: Reader }> = {
  f4: { bytes: 4, read: (v, o, le) => v.getFloat32(o, le) },
  f8: { bytes: 8, read: (v, o, le) => v.getFloat64(o, le) },
  u1: { bytes: 1, read: (v, o) => v.getUint8(o) },
  i1: { bytes: 1, read: (v, o) => v.getInt8(o) },
  u2: { bytes: 2, read: (v, o, le) => v.getUint16(o, le) },
  i2: { bytes: 2, read: (v, o, le) => v.getInt16(o, le) },
  u4: { bytes: 4, read: (v, o, le) => v.getUint32(o, le) },
  i4: { bytes: 4, read: (v, o, le) => v.getInt32(o, le) },
};

function corrupt(name: string, problem: string): GanError {
  return new GanError('CORRUPT_FILE', `${name} is not a readable .npy file: ${problem}.`);
}

/**
 * Decodes a NumPy `.npy` file (format versions 1.0, 2.0 and 3.0; C order; dtypes f4, f8, u1, i1, u2, i2,
 * u4, i4 of either byte order), converting the values to float32. `name` (the file) appears in errors.
 */
export function decodeNpy(bytes: Uint8Array, name = '.npy data'): NpyData {
  if (bytes.length < 10 || MAGIC.some((b, i) => bytes[i] !== b)) {
    throw corrupt(name, 'expected it to start with the magic bytes \\x93NUMPY');
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const major = bytes[6] as number;
  if (major < 1 || major > 3) throw corrupt(name, `expected format version 1, 2 or 3, got ${major}`);
  const headerStart = major === 1 ? 10 : 12;
  if (bytes.length < headerStart) throw corrupt(name, 'the header is truncated');
  const headerLength = major === 1 ? view.getUint16(8, true) : view.getUint32(8, true);
  const dataStart = headerStart + headerLength;
  if (bytes.length < dataStart) {
    throw corrupt(name, `expected a ${dataStart}-byte header, got ${bytes.length} bytes in all`);
  }
  const header = new TextDecoder().decode(bytes.subarray(headerStart, dataStart));
  const descr = /'descr'\s*:\s*'([<>|=])([a-z]\d+)'/.exec(header);
  const fortran = /'fortran_order'\s*:\s*(True|False)/.exec(header);
  const shapeMatch = /'shape'\s*:\s*\(([^)]*)\)/.exec(header);
  if (!descr || !fortran || !shapeMatch) throw corrupt(name, `cannot read the header ${JSON.stringify(header.trim())}`);
  const reader = READERS[descr[2] as string];
  if (!reader) {
    throw new GanError(
      'UNSUPPORTED',
      `${name} has dtype '${descr[1]}${descr[2]}'; supported are f4, f8, u1, i1, u2, i2, u4, i4. Convert it with numpy first (a.astype('<f4')).`,
    );
  }
  if (fortran[1] === 'True') {
    throw new GanError(
      'UNSUPPORTED',
      `${name} is stored in Fortran order; save it in C order (np.ascontiguousarray) and try again.`,
    );
  }
  const shape = (shapeMatch[1] as string)
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '')
    .map(Number);
  const count = shape.reduce((a, b) => a * b, 1);
  const expected = dataStart + count * reader.bytes;
  if (bytes.length !== expected) {
    throw corrupt(
      name,
      `its header says shape ${formatShape(shape)}, so expected ${expected} bytes, got ${bytes.length}`,
    );
  }
  const littleEndian = descr[1] !== '>';
  const data = new Float32Array(count);
  for (let i = 0; i < count; i++) data[i] = reader.read(view, dataStart + i * reader.bytes, littleEndian);
  return { shape, data };
}
