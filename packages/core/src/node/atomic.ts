import { type FileHandle, mkdir, open, readdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

// Writing files and folders so that a crash or a kill never leaves half of one under its final name: the
// contents go to a temporary name beside the target (same folder, so the rename is atomic on one file system)
// and are renamed into place only when complete.

let temporaryCount = 0;

/**
 * A fresh name beside `path` (same folder, so that renaming it onto `path` is atomic), unique within this
 * machine: `<path>.tmp-<pid>-<n>`.
 */
export function temporaryPath(path: string): string {
  temporaryCount += 1;
  return join(dirname(path), `${basename(path)}.tmp-${process.pid}-${temporaryCount}`);
}

/** Contents of a file to write: text (UTF-8) or bytes. */
export type FileContents = string | Uint8Array;

/**
 * Writes several files so that each appears complete or not at all: every file goes to a temporary name beside
 * it, and only once all are written are they renamed into place, in the order given (so list a file that refers
 * to others, such as a `model.json`, last). Creates the parent folders. When a write fails, the temporaries are
 * removed, no final name was touched, and the error is thrown.
 */
export async function writeFilesAtomic(
  files: Iterable<readonly [path: string, contents: FileContents]>,
): Promise<void> {
  const entries = [...files];
  const temporaries = entries.map(([path]) => temporaryPath(path));
  try {
    for (const [i, [path, contents]] of entries.entries()) {
      await mkdir(dirname(path), { recursive: true });
      await writeFile(temporaries[i]!, contents);
    }
    for (const [i, [path]] of entries.entries()) await rename(temporaries[i]!, path);
  } catch (error) {
    await Promise.all(temporaries.map((temporary) => rm(temporary, { force: true })));
    throw error;
  }
}

/**
 * Writes a file atomically: a temporary file beside it, then a rename, so a kill never leaves half a file under
 * `path`. Creates the parent folders; removes the temporary file when the write fails.
 */
export async function writeFileAtomic(path: string, contents: FileContents): Promise<void> {
  await writeFilesAtomic([[path, contents]]);
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

async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch {
    return false;
  }
}

/** Options of {@link writeFolderAtomic}. */
export interface WriteFolderAtomicOptions {
  /**
   * Where the folder `dir` held moves to once the new one is complete (replacing what was there), e.g.
   * `checkpoints/previous` beside `checkpoints/latest`. Defaults to none: the old folder is removed once the new
   * one is in place.
   */
  previous?: string;
  /**
   * What to do when `dir` exists once the new folder is complete: `'replace'` it (the default), or `'keep'` it
   * and remove the new folder, for caches that another process may have filled first (an empty `dir` is
   * replaced all the same; check what you get).
   */
  ifExists?: 'replace' | 'keep';
}

/**
 * Writes a folder atomically: `fill(temporary)` writes the contents into a new folder beside `dir` (created
 * for it), which is flushed to disk and only then takes the place of `dir`. At every moment `dir` (or, with
 * `previous`, the folder under `previous`) is either the complete old folder or the complete new one. When `fill`
 * or the replacement fails, the temporary folder is removed and the error is thrown. Resolves to what `fill`
 * resolved to.
 */
export async function writeFolderAtomic<T>(
  dir: string,
  fill: (temporary: string) => Promise<T>,
  options: WriteFolderAtomicOptions = {},
): Promise<T> {
  const temporary = temporaryPath(dir);
  try {
    await mkdir(temporary, { recursive: true });
    const result = await fill(temporary);
    await syncPath(temporary);
    if (options.ifExists === 'keep') await moveFolderUnlessExists(temporary, dir);
    else await replaceFolder(temporary, dir, options.previous);
    return result;
  } finally {
    await rm(temporary, { recursive: true, force: true });
  }
}

/**
 * Renames `temporary` to `dir`. When that fails because `dir` is there (another process finished first; an empty
 * folder is replaced), keeps `dir`; the caller checks it.
 */
async function moveFolderUnlessExists(temporary: string, dir: string): Promise<void> {
  try {
    await rename(temporary, dir);
  } catch (cause) {
    if (!(await exists(dir))) throw cause;
    return;
  }
  await syncPath(dirname(dir));
}

/**
 * Puts the complete folder `temporary` in the place of `dir`. The folder `dir` held before moves to `previous`
 * (replacing the one there) or, without `previous`, is removed once the new one is in place.
 */
async function replaceFolder(temporary: string, dir: string, previous?: string): Promise<void> {
  let old: string | undefined;
  if (await exists(dir)) {
    if (previous !== undefined) {
      await rm(previous, { recursive: true, force: true });
      await rename(dir, previous);
    } else {
      old = `${temporaryPath(dir)}-old`;
      await rename(dir, old);
    }
  }
  await rename(temporary, dir);
  await syncPath(dirname(dir));
  if (old !== undefined) await rm(old, { recursive: true, force: true });
}

/**
 * Removes the temporary files and folders that a crashed {@link writeFileAtomic} or {@link writeFolderAtomic} of
 * `path` left beside it. Only for a path that one process writes: it would also remove another process's write
 * in progress.
 */
export async function removeStaleTemporaries(path: string): Promise<void> {
  const parent = dirname(path);
  const prefix = `${basename(path)}.tmp-`;
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
