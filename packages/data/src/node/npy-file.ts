import { mkdir, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { decodeNpy, encodeNpy, type NpyData } from '../npy.js';
import { readBytes } from './read-file.js';

/** Writes a float32 array to a NumPy `.npy` file (v1.0, `'<f4'`, C order), creating missing folders. */
export async function saveNpy(path: string, data: Float32Array, shape: readonly number[]): Promise<void> {
  const bytes = encodeNpy(data, shape);
  await mkdir(dirname(path), { recursive: true });
  await writeFile(path, bytes);
}

/** Reads a NumPy `.npy` file (see `decodeNpy` for the dtypes read); the values come back as float32. */
export async function loadNpy(path: string): Promise<NpyData> {
  return decodeNpy(await readBytes(path), path);
}
