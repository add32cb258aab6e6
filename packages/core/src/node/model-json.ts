import { stat } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { GanError } from '../errors.js';

/** The file name of a tfjs model's topology and weights manifest. */
export const modelJsonName = 'model.json';

/** Where a tfjs model on disk is: its folder and its `model.json`. */
export interface ModelJsonLocation {
  /** The folder of the model, where its weight files are. */
  folder: string;
  /** The path of its `model.json`: `folder/model.json`, or the file that was passed. */
  modelJson: string;
}

/**
 * Resolves a model location as users pass it (a folder, the path of its `model.json`, or a `file://` URL) to
 * the absolute paths of the folder and the `model.json`. A folder gives `folder/model.json`; any other existing
 * path is taken as the `model.json` itself. Throws GanError `NOT_FOUND` when nothing is there, with the message
 * `notFound(path)` when given.
 */
export async function resolveModelJson(
  location: string,
  notFound: (path: string) => string = (path) =>
    `Expected a tfjs model (a folder with ${modelJsonName} and its weight files, or the ${modelJsonName} itself) at ${path}, but nothing is there.`,
): Promise<ModelJsonLocation> {
  const path = resolve(location.startsWith('file://') ? location.slice('file://'.length) : location);
  let isFolder: boolean;
  try {
    isFolder = (await stat(path)).isDirectory();
  } catch (cause) {
    throw new GanError('NOT_FOUND', notFound(path), { cause });
  }
  return isFolder ? { folder: path, modelJson: join(path, modelJsonName) } : { folder: dirname(path), modelJson: path };
}
