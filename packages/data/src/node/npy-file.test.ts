import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { temporaryFolder } from '../testing/helpers.js';
import { loadNpy, saveNpy } from './npy-file.js';

describe('saveNpy / loadNpy', () => {
  it('round-trips through a file, creating its folder', async () => {
    const path = join(await temporaryFolder(), 'nested', 'a.npy');
    const data = new Float32Array([1.5, -2, 0, 8, 9, 10]);
    await saveNpy(path, data, [3, 2]);
    expect(Array.from((await readFile(path)).subarray(1, 6))).toEqual([...'NUMPY'].map((c) => c.charCodeAt(0)));
    const loaded = await loadNpy(path);
    expect(loaded.shape).toEqual([3, 2]);
    expect(loaded.data).toEqual(data);
  });
});
