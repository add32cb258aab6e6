import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { syncPath } from '@gan/core/node';

/** Size and SHA-256 of one file of a folder, by its path relative to the folder (with `/`). */
export interface FileRecord {
  path: string;
  bytes: number;
  sha256: string;
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
