import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { onTestFinished } from 'vitest';

/** A fresh temporary folder, removed after the current test. Call it inside a test. */
export async function temporaryFolder(): Promise<string> {
  const folder = await mkdtemp(join(tmpdir(), 'gan-data-'));
  onTestFinished(() => rm(folder, { recursive: true, force: true }));
  return folder;
}

/** A big-endian idx file of unsigned bytes. */
export function idxBytes(shape: number[], data: ArrayLike<number>): Uint8Array {
  const header = [0, 0, 0x08, shape.length];
  for (const d of shape) header.push((d >>> 24) & 0xff, (d >>> 16) & 0xff, (d >>> 8) & 0xff, d & 0xff);
  const out = new Uint8Array(header.length + data.length);
  out.set(header);
  out.set(Array.from(data), header.length);
  return out;
}
