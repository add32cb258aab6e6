import { readdir } from 'node:fs/promises';
import { basename, extname, join, resolve } from 'node:path';
import { GanError } from '@gan/core';
import { type ArrayDataset, arrayDataset } from '../array-dataset.js';
import { convertChannels, isGrayscale, type RawImage } from '../raw-image.js';
import { resizeImage } from '../resize.js';
import type { ValueRange } from '../types.js';
import { decodeImage } from './image-codec.js';
import { readBytes } from './read-file.js';

export interface ImageFolderConfig {
  /**
   * Size every image is resized to: a number for square images, or `[height, width]`.
   * Defaults to the size of the first image (in sorted order).
   */
  size?: number | readonly [number, number];
  /** Channels of the examples. Defaults to `1` when every image is grayscale (R = G = B), else `3`. */
  channels?: 1 | 3 | 4;
  /** Value range of the batched images (pixel bytes map linearly). Defaults to `[0, 1]`. */
  range?: ValueRange;
  /** Receives progress messages. Defaults to none. */
  log?: (message: string) => void;
}

const IMAGE_EXTENSIONS = new Set(['.png', '.jpg', '.jpeg']);

interface Listing {
  files: string[];
  folders: string[];
}

async function list(folder: string): Promise<Listing> {
  let entries: import('node:fs').Dirent[];
  try {
    entries = await readdir(folder, { withFileTypes: true });
  } catch (cause) {
    const code = (cause as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new GanError('NOT_FOUND', `Image folder not found: ${folder}.`, { cause });
    if (code === 'ENOTDIR') {
      throw new GanError('INVALID_ARGUMENT', `Expected a folder of images, got the file ${folder}.`, { cause });
    }
    throw new GanError('NOT_FOUND', `Cannot read the folder ${folder}: ${(cause as Error).message}.`, { cause });
  }
  const visible = entries.filter((entry) => !entry.name.startsWith('.'));
  const byName = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
  return {
    files: visible
      .filter((entry) => entry.isFile() && IMAGE_EXTENSIONS.has(extname(entry.name).toLowerCase()))
      .map((entry) => entry.name)
      .sort(byName),
    folders: visible
      .filter((entry) => entry.isDirectory())
      .map((entry) => entry.name)
      .sort(byName),
  };
}

function targetSize(size: ImageFolderConfig['size'], first: RawImage): [number, number] {
  if (size === undefined) return [first.height, first.width];
  const [height, width] = typeof size === 'number' ? [size, size] : size;
  if (!Number.isInteger(height) || !Number.isInteger(width) || height < 1 || width < 1) {
    throw new GanError(
      'INVALID_ARGUMENT',
      `Expected size to be a positive integer or [height, width], got ${String(size)}.`,
    );
  }
  return [height, width];
}

async function readImage(path: string): Promise<RawImage> {
  const bytes = await readBytes(path);
  try {
    return await decodeImage(bytes, path);
  } catch (cause) {
    if (GanError.isInstance(cause)) throw cause;
    throw new GanError('CORRUPT_FILE', `Cannot decode ${path}: ${(cause as Error).message}.`, { cause });
  }
}

/**
 * A dataset from a folder of PNG/JPEG images. When the folder has subfolders, each is a class (labels
 * follow the sorted folder names) and images directly in the folder are ignored; otherwise the images
 * are unlabelled. Images are read in sorted order, resized (triangle filter, see `resizeImage`) to
 * `size` and converted to `channels`. A file that cannot be decoded is an error naming the file.
 */
export async function imageFolder(path: string, config: ImageFolderConfig = {}): Promise<ArrayDataset> {
  const root = resolve(path);
  const top = await list(root);
  const classNames = top.folders.length > 0 ? top.folders : undefined;
  const groups: { label: number; files: string[] }[] = [];
  if (classNames) {
    for (const [label, folder] of classNames.entries()) {
      const files = (await list(join(root, folder))).files.map((file) => join(root, folder, file));
      if (files.length === 0) config.log?.(`Class "${folder}" has no PNG/JPEG images.`);
      groups.push({ label, files });
    }
    if (top.files.length > 0)
      config.log?.(`Ignoring ${top.files.length} images directly in ${root}: classes come from subfolders.`);
  } else {
    groups.push({ label: -1, files: top.files.map((file) => join(root, file)) });
  }
  const count = groups.reduce((total, group) => total + group.files.length, 0);
  if (count === 0) {
    const where = classNames ? `its subfolders (${classNames.join(', ')})` : 'it';
    throw new GanError('NOT_FOUND', `No .png, .jpg or .jpeg images in ${root} or ${where}. Pass a folder of images.`);
  }
  config.log?.(`Reading ${count} images from ${root}`);

  const images: RawImage[] = [];
  const labels = new Int32Array(count);
  let size: [number, number] | undefined;
  let allGray = true;
  for (const group of groups) {
    for (const file of group.files) {
      const image = await readImage(file);
      size ??= targetSize(config.size, image);
      allGray &&= isGrayscale(image);
      labels[images.length] = group.label;
      images.push(resizeImage(image, size[1], size[0]));
    }
  }
  const [height, width] = size as [number, number];
  const channels = config.channels ?? (allGray ? 1 : 3);
  const exampleSize = height * width * channels;
  const x = new Uint8Array(count * exampleSize);
  for (const [i, image] of images.entries()) x.set(convertChannels(image, channels).data, i * exampleSize);

  const classText = classNames ? `, ${classNames.length} classes: ${classNames.join(', ')}` : '';
  return arrayDataset({
    x,
    shape: [height, width, channels],
    labels: classNames ? labels : undefined,
    classNames,
    range: config.range ?? [0, 1],
    name: basename(root),
    source: `${count} images in ${root}${classText}`,
  });
}
