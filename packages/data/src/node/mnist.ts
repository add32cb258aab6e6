import { stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { formatShape, GanError, positiveInteger } from '@gan/core';
import { type ArrayDataset, arrayDataset } from '../array-dataset.js';
import type { ValueRange } from '../types.js';
import { datasetCacheDir } from './cache-dir.js';
import { downloadFile } from './download.js';
import { loadIdxFile } from './idx-file.js';
import { MNIST_VARIANTS, type MnistFile, type MnistVariant, type MnistVariantInfo } from './mnist-files.js';

export interface MnistConfig {
  /**
   * Folder that holds the idx files (raw or `.gz`). When given, only this folder is used.
   * Defaults to `$GAN_DATA_DIR/<variant>`, then the user cache folder, then a download into the cache.
   */
  dir?: string;
  /** Which dataset. Defaults to `'mnist'`. */
  variant?: MnistVariant;
  /** Value range of the batched images (pixel bytes map linearly). Defaults to `[0, 1]`. */
  range?: ValueRange;
  /** Download the files into the cache folder when no folder has them. Defaults to `true`. */
  download?: boolean;
  /** Time allowed per file and mirror when downloading, in milliseconds. Defaults to `120000`. */
  downloadTimeoutMs?: number;
  /** Use only the first `limit` examples. Defaults to all. */
  limit?: number;
  /** Receives progress messages (which folder, downloads). Defaults to none. */
  log?: (message: string) => void;
}

interface FoundSplit {
  split: 'train' | 'test';
  imagesPath: string;
  labelsPath: string;
  /** Why the train files were not used, when `split` is `test`. */
  note?: string;
}

async function isFile(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isFile();
  } catch {
    return false;
  }
}

/** The path of `file` in `folder`: `name`, `name.gz`, or the dotted spelling `train-images.idx3-ubyte[.gz]`. */
async function findFile(folder: string, file: MnistFile): Promise<string | undefined> {
  const dotted = file.name.replace(/-(idx\d-ubyte)$/, '.$1');
  for (const name of [file.name, `${file.name}.gz`, dotted, `${dotted}.gz`]) {
    const path = join(folder, name);
    if (await isFile(path)) return path;
  }
  return undefined;
}

/** Finds the train files in `folder`, else the test files; `undefined` when neither pair is complete. */
async function findSplit(folder: string, info: MnistVariantInfo): Promise<FoundSplit | undefined> {
  const trainImages = await findFile(folder, info.train.images);
  const trainLabels = await findFile(folder, info.train.labels);
  if (trainImages && trainLabels) return { split: 'train', imagesPath: trainImages, labelsPath: trainLabels };
  const testImages = await findFile(folder, info.test.images);
  const testLabels = await findFile(folder, info.test.labels);
  if (!testImages || !testLabels) return undefined;
  const missing = [trainImages ? undefined : info.train.images.name, trainLabels ? undefined : info.train.labels.name];
  const note =
    trainImages || trainLabels
      ? `${missing.filter(Boolean).join(' and ')} was not found`
      : 'the 60k train files were not found';
  return { split: 'test', imagesPath: testImages, labelsPath: testLabels, note };
}

function expectedFiles(info: MnistVariantInfo): string {
  return `${info.train.images.name}[.gz] and ${info.train.labels.name}[.gz] (or the ${info.test.images.name.slice(0, 4)} test files)`;
}

async function downloadAll(variant: MnistVariant, folder: string, config: MnistConfig): Promise<void> {
  const info = MNIST_VARIANTS[variant];
  const files = [info.train.images, info.train.labels, info.test.images, info.test.labels];
  for (const file of files) {
    if (await findFile(folder, file)) continue;
    try {
      await downloadFile({
        urls: info.mirrors.map((mirror) => `${mirror}${file.name}.gz`),
        destination: join(folder, `${file.name}.gz`),
        md5: file.md5,
        gzip: true,
        timeoutMs: config.downloadTimeoutMs,
        log: config.log,
      });
    } catch (cause) {
      if (!GanError.isInstance(cause) || cause.code !== 'NETWORK') throw cause;
      throw new GanError(
        'NETWORK',
        `The ${variant} files could not be downloaded into ${folder}. ${cause.message} Pass a folder that has them, e.g. \`--data path/to/${variant}\` or mnist({ dir }), or set GAN_DATA_DIR to a folder with a ${variant}/ subfolder.`,
        { cause },
      );
    }
  }
}

/** Picks the folder to read: `dir`, `$GAN_DATA_DIR/<variant>`, the cache, or a fresh download into the cache. */
async function locate(variant: MnistVariant, config: MnistConfig): Promise<{ folder: string; found: FoundSplit }> {
  const info = MNIST_VARIANTS[variant];
  if (config.dir !== undefined) {
    const folder = resolve(config.dir);
    const found = await findSplit(folder, info);
    if (!found) {
      throw new GanError(
        'NOT_FOUND',
        `No ${variant} idx files in ${folder}: expected ${expectedFiles(info)}. Pass the folder that has them.`,
      );
    }
    return { folder, found };
  }
  const cache = datasetCacheDir(variant);
  const candidates = [...(process.env.GAN_DATA_DIR ? [join(resolve(process.env.GAN_DATA_DIR), variant)] : []), cache];
  for (const folder of candidates) {
    const found = await findSplit(folder, info);
    if (found) return { folder, found };
  }
  if (config.download === false) {
    throw new GanError(
      'NOT_FOUND',
      `No ${variant} idx files in ${candidates.join(' or ')} and downloading is off: expected ${expectedFiles(info)}. Pass a folder that has them (\`--data path/to/${variant}\`) or set GAN_DATA_DIR.`,
    );
  }
  config.log?.(`No ${variant} files found locally; downloading them into ${cache}`);
  await downloadAll(variant, cache, config);
  const found = await findSplit(cache, info);
  if (!found) throw new GanError('NOT_FOUND', `The ${variant} files were downloaded but are not in ${cache}.`);
  return { folder: cache, found };
}

/**
 * MNIST or Fashion-MNIST as a labelled dataset of `[28, 28, 1]` images (10 classes), read from idx
 * files (raw or gzipped). Uses the 60k train files when the folder has them, else the 10k test files,
 * and says which in `dataset.source`. See {@link MnistConfig.dir} for where it looks.
 */
export async function mnist(config: MnistConfig = {}): Promise<ArrayDataset> {
  const variant = config.variant ?? 'mnist';
  const info = MNIST_VARIANTS[variant];
  if (!info) {
    throw new GanError(
      'UNKNOWN_NAME',
      `Unknown MNIST variant "${variant}". Expected one of: ${Object.keys(MNIST_VARIANTS).join(', ')}.`,
    );
  }
  const { folder, found } = await locate(variant, config);
  const images = await loadIdxFile(found.imagesPath);
  const labels = await loadIdxFile(found.labelsPath);
  if (images.shape.length !== 3 || labels.shape.length !== 1) {
    throw new GanError(
      'CORRUPT_FILE',
      `Expected images of shape [n, 28, 28] in ${found.imagesPath} and labels of shape [n] in ${found.labelsPath}, got ${formatShape(images.shape)} and ${formatShape(labels.shape)}.`,
    );
  }
  const [count, height, width] = images.shape as [number, number, number];
  if (labels.shape[0] !== count) {
    throw new GanError(
      'CORRUPT_FILE',
      `${found.imagesPath} holds ${count} images but ${found.labelsPath} holds ${labels.shape[0]} labels. Use files of the same split.`,
    );
  }
  const { limit } = config;
  if (limit !== undefined) positiveInteger(limit, 'limit');
  const size = Math.min(count, limit ?? count);
  const what =
    found.split === 'train' ? `train files (${count} ${info.noun})` : `t10k files (${count} test ${info.noun})`;
  const source = `${what} in ${folder}${found.note ? `; ${found.note}` : ''}${size < count ? `; using the first ${size}` : ''}`;
  config.log?.(`${variant}: ${source}`);
  return arrayDataset({
    x: images.data.subarray(0, size * height * width),
    shape: [height, width, 1],
    labels: labels.data.subarray(0, size),
    numClasses: 10,
    classNames: info.classNames,
    range: config.range ?? [0, 1],
    name: variant,
    source,
  });
}
