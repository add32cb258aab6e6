import { readdir } from 'node:fs/promises';
import { basename, extname, join, relative, resolve } from 'node:path';
import { formatValue, GanError, invalidArgument, isPositiveInteger } from '@gan/core';
import { type ArrayDataset, arrayDataset } from '../array-dataset.js';
import {
  checkBackground,
  compositeOver,
  convertChannels,
  isGrayscale,
  type RawImage,
  type RgbBytes,
} from '../raw-image.js';
import { resizeImage } from '../resize.js';
import type { ValueRange } from '../types.js';
import { tryDecodeImage } from './image-codec.js';
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
  /**
   * Colour that transparent pixels (PNG alpha or tRNS) are composited over, as bytes `[r, g, b]`
   * 0–255. Not used with `channels: 4`, which keeps the alpha. Defaults to white, `[255, 255, 255]`.
   */
  background?: RgbBytes;
  /** Receives progress messages and the warning that lists skipped files. Defaults to none. */
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
  if (!isPositiveInteger(height) || !isPositiveInteger(width)) {
    throw invalidArgument('size', 'a positive integer or [height, width]', formatValue(size));
  }
  return [height, width];
}

/** How many skipped files the warning names; the rest are counted. */
const LISTED_SKIPS = 10;

interface Skipped {
  name: string;
  problem: string;
}

/** Reads and decodes one file; `{ problem }` when it cannot be read or is not a decodable PNG/JPEG. */
async function readImage(path: string): Promise<{ image?: RawImage; problem?: string }> {
  let bytes: Uint8Array;
  try {
    bytes = await readBytes(path);
  } catch (error) {
    const cause = (error as Error & { cause?: NodeJS.ErrnoException }).cause;
    return { problem: `cannot be read: ${cause?.code ?? (error as Error).message}` };
  }
  return tryDecodeImage(bytes);
}

function skippedList(skipped: readonly Skipped[]): string {
  const listed = skipped.slice(0, LISTED_SKIPS).map(({ name, problem }) => `${name} (${problem})`);
  const more = skipped.length - listed.length;
  return `${listed.join(', ')}${more > 0 ? ` and ${more} more` : ''}`;
}

/**
 * A dataset from a folder of PNG/JPEG images. When the folder has subfolders, each is a class (labels
 * follow the sorted folder names) and images directly in the folder are ignored; otherwise the images
 * are unlabelled. Images are read in sorted order. Any PNG (gray, RGB, palette, with alpha or tRNS,
 * 8 or 16 bits) or baseline/progressive JPEG works; transparent pixels are composited over
 * `background` (white unless told otherwise). Images of another size than `size` are resized with
 * an anti-aliased filter (area averaging when shrinking, bilinear when enlarging; see `resizeImage`),
 * then converted to `channels`. Files that cannot be decoded (corrupt, truncated, another format
 * under an image extension) are skipped and named in one warning through `log`; a folder where none
 * decodes is GanError('CORRUPT_FILE'), one without images or missing GanError('NOT_FOUND').
 */
export async function imageFolder(path: string, config: ImageFolderConfig = {}): Promise<ArrayDataset> {
  const root = resolve(path);
  const background = checkBackground(config.background ?? [255, 255, 255]);
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
  const fileCount = groups.reduce((total, group) => total + group.files.length, 0);
  if (fileCount === 0) {
    const where = classNames ? `its subfolders (${classNames.join(', ')})` : 'it';
    throw new GanError('NOT_FOUND', `No .png, .jpg or .jpeg images in ${root} or ${where}. Pass a folder of images.`);
  }
  config.log?.(`Reading ${fileCount} images from ${root}`);

  const images: RawImage[] = [];
  const labels = new Int32Array(fileCount);
  const skipped: Skipped[] = [];
  let size: [number, number] | undefined;
  let resized = 0;
  let allGray = true;
  for (const group of groups) {
    for (const file of group.files) {
      const decoded = await readImage(file);
      if (!decoded.image) {
        skipped.push({ name: relative(root, file), problem: decoded.problem ?? 'unknown problem' });
        continue;
      }
      // Composite before resizing: the filter then never mixes in the colour of invisible pixels.
      const image = config.channels === 4 ? decoded.image : compositeOver(decoded.image, background);
      size ??= targetSize(config.size, image);
      if (image.height !== size[0] || image.width !== size[1]) resized++;
      allGray &&= isGrayscale(image);
      labels[images.length] = group.label;
      images.push(resizeImage(image, size[1], size[0]));
    }
  }
  if (images.length === 0) {
    throw new GanError(
      'CORRUPT_FILE',
      `None of the ${fileCount} image files in ${root} could be decoded: ${skippedList(skipped)}. Expected PNG or JPEG images; convert or replace these files, or pass another folder.`,
    );
  }
  if (skipped.length > 0) {
    config.log?.(`Skipped ${skipped.length} of ${fileCount} files that could not be decoded: ${skippedList(skipped)}.`);
  }
  const [height, width] = size as [number, number];
  if (resized > 0) {
    config.log?.(
      `Resized ${resized} of ${images.length} images to ${height}×${width} (area averaging when shrinking, bilinear when enlarging).`,
    );
  }
  const count = images.length;
  const channels = config.channels ?? (allGray ? 1 : 3);
  const exampleSize = height * width * channels;
  const x = new Uint8Array(count * exampleSize);
  for (const [i, image] of images.entries()) {
    x.set(convertChannels(image, channels, background).data, i * exampleSize);
  }

  const classText = classNames ? `, ${classNames.length} classes: ${classNames.join(', ')}` : '';
  const skippedText = skipped.length > 0 ? ` (${skipped.length} undecodable files skipped)` : '';
  return arrayDataset({
    x,
    shape: [height, width, channels],
    labels: classNames ? labels.subarray(0, count) : undefined,
    classNames,
    range: config.range ?? [0, 1],
    name: basename(root),
    source: `${count} images in ${root}${classText}${skippedText}`,
  });
}
