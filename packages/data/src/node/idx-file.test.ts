import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { idxBytes, temporaryFolder } from '../testing/helpers.js';
import { loadIdxFile } from './idx-file.js';

describe('loadIdxFile', () => {
  it('reads raw and gzipped files, detecting gzip by its magic bytes rather than the extension', async () => {
    const folder = await temporaryFolder();
    const bytes = idxBytes([2, 3], [1, 2, 3, 4, 5, 6]);
    await writeFile(join(folder, 'raw-idx3-ubyte'), bytes);
    await writeFile(join(folder, 'gzipped-without-extension'), gzipSync(bytes));
    await writeFile(join(folder, 'plain.gz'), bytes);
    for (const name of ['raw-idx3-ubyte', 'gzipped-without-extension', 'plain.gz']) {
      const { shape, data } = await loadIdxFile(join(folder, name));
      expect(shape).toEqual([2, 3]);
      expect(Array.from(data)).toEqual([1, 2, 3, 4, 5, 6]);
    }
  });

  it('names the file in errors', async () => {
    const folder = await temporaryFolder();
    const path = join(folder, 'broken.gz');
    await writeFile(path, gzipSync(idxBytes([4], [1, 2, 3, 4])).subarray(0, 12));
    await expect(loadIdxFile(path)).rejects.toThrow(/broken\.gz starts like a gzip file but cannot be decompressed/);
    const truncated = join(folder, 'short-idx1-ubyte');
    await writeFile(truncated, idxBytes([4], [1, 2, 3, 4]).subarray(0, 10));
    await expect(loadIdxFile(truncated)).rejects.toMatchObject({
      code: 'CORRUPT_FILE',
      message: expect.stringContaining('short-idx1-ubyte'),
    });
    await expect(loadIdxFile(join(folder, 'missing'))).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });
});
