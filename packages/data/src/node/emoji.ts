import { mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { gunzip } from 'node:zlib';
import { GanError, positiveInteger } from '@gan/core';
import { writeFolderAtomic } from '@gan/core/node';
import { type ArrayDataset, arrayDataset } from '../array-dataset.js';
import { checkBackground, compositeOver, convertChannels, type RgbBytes } from '../raw-image.js';
import { resizeImage } from '../resize.js';
import type { ValueRange } from '../types.js';
import { datasetCacheDir } from './cache-dir.js';
import { tryDecodeImage } from './image-codec.js';
import {
  fetchTarball,
  integrityProblem,
  type NpmTarball,
  npmRegistry,
  npmTarballFileName,
  npmTarballUrl,
} from './npm-tarball.js';
import { isGzip, readBytes } from './read-file.js';
import { readTar } from './tar.js';

const gunzipAsync = promisify(gunzip);

/** The npm package the emoji come from (MIT licence; the images are Google's Noto Emoji, Apache 2.0 / OFL). */
export const EMOJI_TARBALL: NpmTarball = Object.freeze({
  name: 'emoji-datasource-google',
  version: '16.0.0',
  integrity: 'sha512-ZRexfzs7MVoLnmzZmNsO4TKhnAJp5D++Vm6PpUpH/jEQQlemp3l88CjZ+DoZ2faM9R4QxZkOPJCoT8DlPhfQ3A==',
});

export interface EmojiConfig {
  /** Side of the square images; the 64×64 originals are resized (area averaging / bilinear). Defaults to `64`. */
  size?: number;
  /** Value range of the batched images (pixel bytes map linearly). Defaults to `[0, 1]`. */
  range?: ValueRange;
  /** Colour the transparent emoji are composited over, as bytes `[r, g, b]` 0–255. Defaults to white, `[255, 255, 255]`. */
  background?: RgbBytes;
  /** Categories with fewer images than this are left out (only "Component", the 5 skin-tone swatches, has fewer than 50). Defaults to `50`. */
  minImagesPerClass?: number;
  /**
   * A local copy of the package tarball (`npm pack emoji-datasource-google@16.0.0` writes one), used
   * instead of a download when the cache is empty. Defaults to `$GAN_EMOJI_TARBALL`, else none.
   */
  tarball?: string;
  /** Folder the extracted files are kept in (one subfolder per package version). Defaults to `datasetCacheDir('emoji')`. */
  cacheDir?: string;
  /** npm registry to download from. Defaults to `$npm_config_registry`, else `https://registry.npmjs.org/`. */
  registry?: string;
  /** Download the tarball when the cache is empty and no `tarball` is given. Defaults to `true`. */
  download?: boolean;
  /** Give up a download when no bytes arrive for this long, in milliseconds. Defaults to `60000`. */
  downloadTimeoutMs?: number;
  /** Receives progress messages (where the files come from, download progress, left-out categories). Defaults to none. */
  log?: (message: string) => void;
}

/** The files kept from the tarball, relative to its `package/` folder. */
const KEPT = /^(?:emoji\.json|LICENSE|img\/google\/64\/[\w-]+\.png)$/;
const IMAGE_FOLDER = 'img/google/64';

interface EmojiImage {
  file: string;
  category: string;
}

async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch {
    return false;
  }
}

/** The kept members of a package tarball, path without the leading `package/`. */
async function keptFiles(gzipped: Uint8Array, name: string): Promise<Map<string, Uint8Array>> {
  if (!isGzip(gzipped)) throw new GanError('CORRUPT_FILE', `Expected ${name} to be a gzipped tarball (.tgz).`);
  let tar: Uint8Array;
  try {
    const buffer = await gunzipAsync(gzipped);
    tar = new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength);
  } catch (cause) {
    throw new GanError('CORRUPT_FILE', `Cannot decompress ${name}: ${(cause as Error).message}.`, { cause });
  }
  const files = new Map<string, Uint8Array>();
  for (const entry of readTar(tar, name)) {
    const path = entry.path.replace(/^[^/]+\//, ''); // npm packs everything under one top folder
    if (entry.type === '0' && KEPT.test(path)) files.set(path, entry.data);
  }
  return files;
}

/**
 * Extracts emoji.json, LICENSE and the 64×64 PNGs of a tarball into `folder`: written into a
 * temporary folder beside it, then renamed, so `folder` exists only when complete.
 */
async function extract(gzipped: Uint8Array, name: string, folder: string, log: EmojiConfig['log']): Promise<void> {
  const files = await keptFiles(gzipped, name);
  const images = [...files.keys()].filter((path) => path.startsWith(`${IMAGE_FOLDER}/`)).length;
  if (!files.has('emoji.json') || images === 0) {
    throw new GanError(
      'CORRUPT_FILE',
      `Expected ${name} to hold package/emoji.json and package/${IMAGE_FOLDER}/*.png, got ${files.has('emoji.json') ? 'emoji.json' : 'no emoji.json'} and ${images} images. Use the ${EMOJI_TARBALL.name} tarball.`,
    );
  }
  const cannotWrite = (why: string, cause?: unknown) =>
    new GanError('NOT_FOUND', `Cannot write the emoji files into ${folder}: ${why}.`, { cause });
  try {
    // When another process finished first, its copy is kept.
    await writeFolderAtomic(
      folder,
      async (partial) => {
        await mkdir(join(partial, IMAGE_FOLDER), { recursive: true });
        const entries = [...files.entries()];
        for (let i = 0; i < entries.length; i += 64) {
          await Promise.all(entries.slice(i, i + 64).map(([path, data]) => writeFile(join(partial, path), data)));
        }
      },
      { ifExists: 'keep' },
    );
  } catch (cause) {
    throw cannotWrite((cause as Error).message, cause);
  }
  if (!(await exists(join(folder, 'emoji.json')))) throw cannotWrite('the folder is there without emoji.json');
  log?.(`Extracted ${images} emoji images and emoji.json into ${folder}`);
}

function offlineAdvice(tarball: NpmTarball, folder: string): string {
  const spec = `${tarball.name}@${tarball.version}`;
  return `Run once on a connected machine (the images are kept in ${folder}), or fetch the tarball elsewhere with \`npm pack ${spec}\` and pass its path: GAN_EMOJI_TARBALL=path/to/${npmTarballFileName(tarball)} (or emoji({ tarball })).`;
}

/** The extracted folder of the package: the cache, else extracted from a local tarball or a download. */
async function locate(config: EmojiConfig, tarball: NpmTarball): Promise<string> {
  const cacheDir = resolve(config.cacheDir ?? datasetCacheDir('emoji'));
  const folder = join(cacheDir, `${tarball.name}-${tarball.version}`);
  if (await exists(join(folder, 'emoji.json'))) return folder;
  await mkdir(dirname(folder), { recursive: true });
  const local = config.tarball ?? process.env.GAN_EMOJI_TARBALL;
  if (local) {
    const path = resolve(local);
    config.log?.(`Extracting the emoji from ${path} into ${folder}`);
    const bytes = await readBytes(path);
    const problem = integrityProblem(bytes, tarball.integrity);
    if (problem) {
      throw new GanError(
        'CORRUPT_FILE',
        `Expected ${path} to be the tarball of ${tarball.name}@${tarball.version}, got a file with another hash (${problem}). Fetch it with \`npm pack ${tarball.name}@${tarball.version}\`.`,
      );
    }
    await extract(bytes, path, folder, config.log);
    return folder;
  }
  if (config.download === false) {
    throw new GanError(
      'NOT_FOUND',
      `The emoji images are not in ${folder} and downloading is off. ${offlineAdvice(tarball, folder)}`,
    );
  }
  const url = npmTarballUrl(tarball, config.registry ?? npmRegistry());
  config.log?.(`The emoji images are not in ${folder} yet; fetching ${tarball.name}@${tarball.version} (MIT)`);
  let bytes: Uint8Array;
  try {
    bytes = await fetchTarball(url, tarball.integrity, { idleTimeoutMs: config.downloadTimeoutMs, log: config.log });
  } catch (cause) {
    if (!GanError.isInstance(cause) || cause.code !== 'NETWORK') throw cause;
    throw new GanError('NETWORK', `${cause.message} ${offlineAdvice(tarball, folder)}`, { cause });
  }
  await extract(bytes, url, folder, config.log);
  return folder;
}

/** Every image emoji.json lists (skin-tone variations after their emoji), with the emoji's category. */
function listImages(json: unknown, path: string): EmojiImage[] {
  const bad = (what: string) =>
    new GanError(
      'CORRUPT_FILE',
      `Expected ${path} to be emoji-datasource's emoji.json, got ${what}. Delete its folder to fetch it again.`,
    );
  if (!Array.isArray(json)) throw bad('no array');
  const images: EmojiImage[] = [];
  for (const entry of json as Record<string, unknown>[]) {
    const { category, image, skin_variations: variations } = entry ?? {};
    if (typeof category !== 'string' || typeof image !== 'string') throw bad('an entry without image and category');
    const files = [
      image,
      ...Object.values((variations ?? {}) as Record<string, { image?: unknown }>).map((v) => v.image),
    ];
    for (const file of files) {
      if (typeof file === 'string' && /^[\w-]+\.png$/.test(file)) images.push({ file, category });
    }
  }
  return images;
}

function checkSize(size: number): number {
  return positiveInteger(size, 'size');
}

/** {@link emoji} from any package tarball with the same layout; tests pass their own. */
export async function loadEmoji(config: EmojiConfig, tarball: NpmTarball): Promise<ArrayDataset> {
  const size = checkSize(config.size ?? 64);
  const background = checkBackground(config.background ?? [255, 255, 255]);
  const minImages = config.minImagesPerClass ?? 50;
  const folder = await locate(config, tarball);
  const jsonPath = join(folder, 'emoji.json');
  let json: unknown;
  try {
    json = JSON.parse(await readFile(jsonPath, 'utf8'));
  } catch (cause) {
    throw new GanError(
      'CORRUPT_FILE',
      `Cannot read ${jsonPath}: ${(cause as Error).message}. Delete ${folder} to fetch it again.`,
      { cause },
    );
  }
  const listed = listImages(json, jsonPath);
  const counts = new Map<string, number>();
  for (const { category } of listed) counts.set(category, (counts.get(category) ?? 0) + 1);
  const classNames = [...counts.keys()].filter((name) => (counts.get(name) as number) >= minImages).sort();
  const leftOut = [...counts.keys()].filter((name) => !classNames.includes(name));
  if (leftOut.length > 0) {
    config.log?.(
      `Leaving out categories with fewer than ${minImages} images: ${leftOut.map((name) => `${name} (${counts.get(name)})`).join(', ')}`,
    );
  }
  if (classNames.length === 0) {
    throw new GanError(
      'INVALID_ARGUMENT',
      `No emoji category has ${minImages} images or more. Lower minImagesPerClass.`,
    );
  }
  const kept = listed.filter(({ category }) => classNames.includes(category));
  config.log?.(`Reading ${kept.length} emoji images from ${folder}`);

  const exampleSize = size * size * 3;
  const x = new Uint8Array(kept.length * exampleSize);
  const labels = new Int32Array(kept.length);
  const missing: string[] = [];
  let count = 0;
  for (const { file, category } of kept) {
    let bytes: Uint8Array;
    try {
      bytes = await readBytes(join(folder, IMAGE_FOLDER, file));
    } catch {
      missing.push(`${file} (missing)`);
      continue;
    }
    const decoded = await tryDecodeImage(bytes);
    if (!decoded.image) {
      missing.push(`${file} (${decoded.problem})`);
      continue;
    }
    const image = resizeImage(compositeOver(decoded.image, background), size, size);
    x.set(convertChannels(image, 3).data, count * exampleSize);
    labels[count] = classNames.indexOf(category);
    count++;
  }
  if (count === 0) {
    throw new GanError(
      'CORRUPT_FILE',
      `None of the emoji images in ${folder} could be read. Delete the folder to fetch them again.`,
    );
  }
  if (missing.length > 0) {
    const more = missing.length > 10 ? ` and ${missing.length - 10} more` : '';
    config.log?.(
      `Skipped ${missing.length} emoji images that could not be read: ${missing.slice(0, 10).join(', ')}${more}. Delete ${folder} to fetch them again.`,
    );
  }
  const perClass = new Array<number>(classNames.length).fill(0);
  for (let i = 0; i < count; i++) perClass[labels[i] as number]++;
  const classText = classNames.map((name, i) => `${name} ${perClass[i]}`).join(', ');
  return arrayDataset({
    x: x.subarray(0, count * exampleSize),
    shape: [size, size, 3],
    labels: labels.subarray(0, count),
    classNames,
    range: config.range ?? [0, 1],
    name: 'emoji',
    source: `${tarball.name}@${tarball.version} (MIT): ${count} emoji ${size}×${size} in ${classNames.length} categories (${classText}) from ${folder}`,
  });
}

/**
 * The 64×64 colour emoji of the MIT-licensed npm package `emoji-datasource-google@16.0.0` (Google's
 * Noto Emoji), labelled by their emoji.json `category`. Every image the package lists is used (each
 * skin-tone variation is an image of its emoji's category), in emoji.json order; categories with fewer
 * than `minImagesPerClass` images are left out; class names are sorted. The transparent images are
 * composited over `background` (white) into 3 channels.
 *
 * The files come from the cache folder (`~/.cache/gan/emoji/emoji-datasource-google-16.0.0/`), else
 * from a local tarball (`tarball` / `$GAN_EMOJI_TARBALL`), else from a download of the tarball from the
 * npm registry (74 MB, integrity checked); only emoji.json, LICENSE and img/google/64/*.png are
 * extracted (21 MB). Offline with an empty cache it throws GanError('NETWORK') saying what to do.
 */
export async function emoji(config: EmojiConfig = {}): Promise<ArrayDataset> {
  return loadEmoji(config, EMOJI_TARBALL);
}
