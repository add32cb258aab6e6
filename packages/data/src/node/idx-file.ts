import { type IdxData, parseIdx } from '../idx.js';
import { readMaybeGzipped } from './read-file.js';

/**
 * Reads an idx file (MNIST format) from disk, raw or gzip-compressed (detected by the gzip magic
 * bytes, not by the `.gz` extension). Errors name the file.
 */
export async function loadIdxFile(path: string): Promise<IdxData> {
  return parseIdx(await readMaybeGzipped(path), path);
}
