import { mkdir, mkdtemp, readdir, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { GanError } from './errors.js';
import {
  removeStaleTemporaries,
  resolveModelJson,
  temporaryPath,
  writeFileAtomic,
  writeFilesAtomic,
  writeFolderAtomic,
} from './node.js';

async function scratch(): Promise<string> {
  return mkdtemp(join(tmpdir(), 'gan-core-'));
}

describe('writeFileAtomic and writeFilesAtomic', () => {
  it('write into new folders and leave no temporary file', async () => {
    const dir = await scratch();
    const path = join(dir, 'a', 'b', 'config.json');
    await writeFileAtomic(path, '{"x":1}\n');
    await writeFileAtomic(path, new Uint8Array([1, 2, 3]));
    expect([...(await readFile(path))]).toEqual([1, 2, 3]);
    expect(await readdir(join(dir, 'a', 'b'))).toEqual(['config.json']);
  });

  it('touch no final name when one of the files cannot be written', async () => {
    const dir = await scratch();
    await writeFile(join(dir, 'weights.bin'), 'old');
    await writeFile(join(dir, 'blocker'), 'a file, not a folder');
    await expect(
      writeFilesAtomic([
        [join(dir, 'weights.bin'), 'new'],
        [join(dir, 'blocker', 'model.json'), '{}'],
      ]),
    ).rejects.toThrow();
    expect(await readFile(join(dir, 'weights.bin'), 'utf8')).toBe('old');
    expect((await readdir(dir)).sort()).toEqual(['blocker', 'weights.bin']);
  });
});

describe('writeFolderAtomic', () => {
  it('replaces a folder, keeping the old one under previous when asked', async () => {
    const root = await scratch();
    const dir = join(root, 'latest');
    const previous = join(root, 'previous');
    for (const version of ['1', '2', '3']) {
      const got = await writeFolderAtomic(
        dir,
        async (temporary) => {
          await writeFile(join(temporary, 'version'), version);
          return version;
        },
        { previous },
      );
      expect(got).toBe(version);
    }
    expect(await readFile(join(dir, 'version'), 'utf8')).toBe('3');
    expect(await readFile(join(previous, 'version'), 'utf8')).toBe('2');
    expect((await readdir(root)).sort()).toEqual(['latest', 'previous']);
  });

  it('removes the new folder when fill fails, and keeps an existing folder with ifExists keep', async () => {
    const root = await scratch();
    const dir = join(root, 'cache');
    await expect(
      writeFolderAtomic(dir, async () => {
        throw new Error('disk full');
      }),
    ).rejects.toThrow('disk full');
    expect(await readdir(root)).toEqual([]);
    await writeFolderAtomic(dir, (temporary) => writeFile(join(temporary, 'mine'), 'first'));
    await writeFolderAtomic(dir, (temporary) => writeFile(join(temporary, 'mine'), 'second'), { ifExists: 'keep' });
    expect(await readFile(join(dir, 'mine'), 'utf8')).toBe('first');
    expect(await readdir(root)).toEqual(['cache']);
  });

  it('removes what a crashed write left beside the target', async () => {
    const root = await scratch();
    const dir = join(root, 'latest');
    await mkdir(temporaryPath(dir));
    await writeFile(temporaryPath(join(root, 'other')), 'not ours');
    await removeStaleTemporaries(dir);
    expect((await readdir(root)).every((name) => name.startsWith('other.tmp-'))).toBe(true);
  });
});

describe('resolveModelJson', () => {
  it('takes a folder, its model.json or a file:// URL', async () => {
    const dir = await scratch();
    const modelJson = join(dir, 'model.json');
    await writeFile(modelJson, '{}');
    expect(await resolveModelJson(dir)).toEqual({ folder: dir, modelJson });
    expect(await resolveModelJson(modelJson)).toEqual({ folder: dir, modelJson });
    expect(await resolveModelJson(`file://${dir}`)).toEqual({ folder: dir, modelJson });
  });

  it('throws NOT_FOUND when nothing is there, with the caller’s message when given', async () => {
    const missing = join(await scratch(), 'nothing');
    const error = await resolveModelJson(missing).catch((e: unknown) => e);
    expect(GanError.isInstance(error) && error.code).toBe('NOT_FOUND');
    expect((error as Error).message).toBe(
      `Expected a tfjs model (a folder with model.json and its weight files, or the model.json itself) at ${missing}, but nothing is there.`,
    );
    await expect(resolveModelJson(missing, (path) => `No model at ${path}.`)).rejects.toThrow(
      `No model at ${missing}.`,
    );
  });
});
