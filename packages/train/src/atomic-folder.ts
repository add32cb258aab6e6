import { createHash } from 'node:crypto';
import { type FileHandle, open, readdir, readFile, rename, rm, stat } from 'node:fs/promises';
import { basename, dirname, join, relative } from 'node:path';

/** Size and SHA-256 of one file of a folder, by its path relative to the folder (with `/`). */
export interface FileRecord {
  path: string;
  bytes: number;
  sha256: string;
}

/** Flushes a file or folder to disk. Folders cannot be opened for sync on every system; that is skipped. */
export async function syncPath(path: string): Promise<void> {
  let handle: FileHandle;
  try {
    handle = await open(path, 'r');
  } catch {
    return;
  }
  try {
    await handle.sync();
  } catch {
    // EISDIR / EPERM / EINVAL: folders on Windows and some file systems
  } finally {
    await handle.close();
  }
}

export function sha256(contents: Uint8Array): string {
  return createHash('sha256').update(contents).digest('hex');
}

/** Every file under `dir`, flushed to disk, with its size and checksum. */
export async function recordFiles(dir: string): Promise<FileRecord[]> {
  const records: FileRecord[] = [];
  const walk = async (folder: string): Promise<void> => {
    const entries = await readdir(folder, { withFileTypes: true });
    entries.sort((a, b) => a.name.localeCompare(b.name));
    for (const entry of entries) {
      const path = join(folder, entry.name);
      if (entry.isDirectory()) await walk(path);
      else if (entry.isFile()) {
        await syncPath(path);
        const contents = await readFile(path);
        records.push({
          path: relative(dir, path).split('\\').join('/'),
          bytes: contents.byteLength,
          sha256: sha256(contents),
        });
      }
    }
    await syncPath(folder);
  };
  await walk(dir);
  return records;
}

let temporaryCount = 0;

/** A fresh folder name beside `dir` (same parent, so a rename is atomic). */
export function temporaryFolder(dir: string): string {
  temporaryCount += 1;
  return join(dirname(dir), `${basename(dir)}.tmp-${process.pid}-${temporaryCount}`);
}

/** Removes temporary folders beside `dir` that a crashed write left behind. */
export async function removeStaleTemporaries(dir: string): Promise<void> {
  const parent = dirname(dir);
  const prefix = `${basename(dir)}.tmp-`;
  let names: string[];
  try {
    names = await readdir(parent);
  } catch {
    return;
  }
  await Promise.all(
    names
      .filter((name) => name.startsWith(prefix))
      .map((name) => rm(join(parent, name), { recursive: true, force: true })),
  );
}

async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch {
    return false;
  }
}

/**
 * Puts the complete folder `temporary` in the place of `dir`. The folder `dir` held before moves to
 * `previous` (replacing the one there) or, without `previous`, is removed once the new one is in place.
 * At every moment either `dir` or `previous` holds a complete folder.
 */
export async function replaceFolder(temporary: string, dir: string, previous?: string): Promise<void> {
  const parent = dirname(dir);
  let old: string | undefined;
  if (await exists(dir)) {
    if (previous !== undefined) {
      await rm(previous, { recursive: true, force: true });
      await rename(dir, previous);
    } else {
      old = `${temporaryFolder(dir)}-old`;
      await rename(dir, old);
    }
  }
  await rename(temporary, dir);
  await syncPath(parent);
  if (old !== undefined) await rm(old, { recursive: true, force: true });
}
