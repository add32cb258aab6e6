import { readFileSync } from 'node:fs';

/** Reads a little-endian float32 `.npy` file (as the PyTorch fixture script writes them): values and shape. */
export function readNpy(path: string): { values: Float32Array; shape: number[] } {
  const bytes = readFileSync(path);
  const headerLength = bytes.readUInt16LE(8);
  const header = bytes.subarray(10, 10 + headerLength).toString('latin1');
  if (!header.includes("'descr': '<f4'") || header.includes("'fortran_order': True")) {
    throw new Error(`${path}: expected a C-order float32 .npy file, got header ${header}`);
  }
  const shape = (/'shape': \(([^)]*)\)/.exec(header)?.[1] ?? '')
    .split(',')
    .map((d) => d.trim())
    .filter((d) => d !== '')
    .map(Number);
  const data = bytes.subarray(10 + headerLength);
  const values = new Float32Array(data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength));
  return { values, shape };
}
