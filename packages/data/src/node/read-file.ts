import { readFile } from 'node:fs/promises';
import { promisify } from 'node:util';
import { gunzip } from 'node:zlib';
import { GanError } from '@gan/core';

const gunzipAsync = promisify(gunzip);

/** True when `bytes` start with the gzip magic number 1F 8B. */
export function isGzip(bytes: Uint8Array): boolean {
  return bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;
}

/** Reads a file as bytes; a missing file is GanError('NOT_FOUND') naming it. */
export async function readBytes(path: string): Promise<Uint8Array> {
  try {
    const buffer = await readFile(path);
    return new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength);
  } catch (cause) {
    const code = (cause as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new GanError('NOT_FOUND', `File not found: ${path}.`, { cause });
    throw new GanError('CORRUPT_FILE', `Cannot read ${path}: ${(cause as Error).message}.`, { cause });
  }
}

/** Reads a file and gunzips it when it starts with the gzip magic (whatever its extension). */
export async function readMaybeGzipped(path: string): Promise<Uint8Array> {
  const bytes = await readBytes(path);
  if (!isGzip(bytes)) return bytes;
  try {
    const buffer = await gunzipAsync(bytes);
    return new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength);
  } catch (cause) {
    throw new GanError(
      'CORRUPT_FILE',
      `${path} starts like a gzip file but cannot be decompressed (${(cause as Error).message}). Download it again.`,
      { cause },
    );
  }
}
