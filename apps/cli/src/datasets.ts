import { existsSync, readdirSync, statSync } from 'node:fs';
import { GanError } from '@gan/core';
import { type ArrayDataset, arrayDataset, ring, shapes } from '@gan/data';
import { emoji, imageFolder, mnist } from '@gan/data/node';

export const builtInData = ['shapes', 'ring', 'mnist', 'fashion-mnist', 'emoji'] as const;

export interface LoadDataOptions {
  range: readonly [number, number];
  imageSize?: number;
  channels?: 1 | 3 | 4;
  /** Colour transparent pixels are composited over (image folders, emoji), bytes 0–255. Defaults to white. */
  background?: readonly [number, number, number];
  /** Use only the first `limit` examples. */
  limit?: number;
  seed: number;
  log: (line: string) => void;
}

/** The first `limit` examples of a dataset (the whole set when it is smaller). */
export function limitDataset(dataset: ArrayDataset, limit: number | undefined): ArrayDataset {
  if (limit === undefined || limit >= dataset.size) return dataset;
  const perExample = dataset.shape.reduce((a, b) => a * b, 1);
  return arrayDataset({
    x: dataset.x.subarray(0, limit * perExample),
    shape: [...dataset.shape],
    labels: dataset.labels?.subarray(0, limit),
    numClasses: dataset.numClasses,
    classNames: dataset.classNames ? [...dataset.classNames] : undefined,
    range: dataset.range as [number, number],
    name: dataset.name,
    source: `${dataset.source} (first ${limit} examples)`,
  });
}

function hasIdxFiles(dir: string): boolean {
  return readdirSync(dir).some((name) => /idx[13]-ubyte/.test(name));
}

/** Resolves `--data`: a built-in name (`shapes`, `ring`, `mnist`, `fashion-mnist`, `emoji`) or a path (idx folder or image folder). */
export async function loadData(spec: string, options: LoadDataOptions): Promise<ArrayDataset> {
  return limitDataset(await loadAll(spec, options), options.limit);
}

async function loadAll(spec: string, options: LoadDataOptions): Promise<ArrayDataset> {
  const range = options.range as [0, 1] | [-1, 1];
  switch (spec) {
    case 'shapes':
      return shapes({ range, seed: options.seed, size: options.imageSize });
    case 'ring':
      return ring({ seed: options.seed });
    case 'mnist':
    case 'fashion-mnist':
      return mnist({ variant: spec, range, log: options.log });
    case 'emoji':
      return emoji({ range, size: options.imageSize, background: options.background, log: options.log });
  }
  if (!existsSync(spec)) {
    throw new GanError(
      'NOT_FOUND',
      `--data "${spec}" is neither a built-in data set (${builtInData.join(', ')}) nor an existing path. Pass one of those names, or a folder of MNIST idx files or of PNG/JPEG images.`,
    );
  }
  if (!statSync(spec).isDirectory()) {
    throw new GanError('INVALID_ARGUMENT', `--data "${spec}" is a file; pass the folder that holds the data files.`);
  }
  if (hasIdxFiles(spec)) return mnist({ dir: spec, range, log: options.log });
  return imageFolder(spec, {
    range,
    size: options.imageSize,
    channels: options.channels,
    background: options.background,
    log: options.log,
  });
}
