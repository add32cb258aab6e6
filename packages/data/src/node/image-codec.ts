import { GanError, importOptional, isPositiveInteger } from '@gan/core';
import type { RawImage } from '../raw-image.js';

type PngModule = typeof import('pngjs');

/** pngjs is CommonJS: under ESM `PNG` is a named export in Node, but only `default.PNG` in some bundlers. */
async function loadPng(usedBy: string): Promise<PngModule['PNG']> {
  const pngjs = await importOptional('pngjs', usedBy, () => import('pngjs'));
  const withDefault = pngjs as PngModule & { default?: PngModule };
  return withDefault.PNG ?? (withDefault.default as PngModule).PNG;
}

const PNG_COLOR_TYPE: Record<number, 0 | 2 | 6> = { 1: 0, 3: 2, 4: 6 };

/**
 * Encodes `height × width × channels` bytes (row-major, channels interleaved) as an 8-bit PNG:
 * gray for 1 channel, RGB for 3, RGBA for 4. Needs the optional peer `pngjs`.
 */
export async function encodePng(
  pixels: Uint8Array,
  width: number,
  height: number,
  channels: 1 | 3 | 4,
): Promise<Uint8Array> {
  const colorType = PNG_COLOR_TYPE[channels];
  if (colorType === undefined) {
    throw new GanError('INVALID_ARGUMENT', `Expected 1, 3 or 4 channels for a PNG, got ${channels}.`);
  }
  if (!isPositiveInteger(width) || !isPositiveInteger(height)) {
    throw new GanError('INVALID_ARGUMENT', `Expected a positive integer PNG size, got ${width}×${height}.`);
  }
  if (pixels.length !== width * height * channels) {
    throw new GanError(
      'SHAPE_MISMATCH',
      `Expected ${width}×${height}×${channels} = ${width * height * channels} bytes for the PNG, got ${pixels.length}.`,
    );
  }
  const PNG = await loadPng('encodePng');
  const options = { colorType, inputColorType: colorType, inputHasAlpha: channels === 4, bitDepth: 8 as const };
  const png = new PNG({ width, height, ...options });
  png.data = Buffer.from(pixels.buffer, pixels.byteOffset, pixels.byteLength);
  const encoded = PNG.sync.write(png, options);
  return new Uint8Array(encoded.buffer, encoded.byteOffset, encoded.byteLength);
}

function startsWith(bytes: Uint8Array, prefix: readonly number[], at = 0): boolean {
  return prefix.every((b, i) => bytes[at + i] === b);
}

const PNG_MAGIC = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
const JPEG_MAGIC = [0xff, 0xd8, 0xff];

/** A guess at what a non-PNG, non-JPEG file is, for the error message. */
function describeBytes(bytes: Uint8Array): string {
  const ascii = (at: number, length: number) => String.fromCharCode(...bytes.subarray(at, at + length));
  if (ascii(0, 4) === 'GIF8') return 'a GIF image';
  if (ascii(0, 2) === 'BM') return 'a BMP image';
  if (ascii(0, 4) === 'RIFF' && ascii(8, 4) === 'WEBP') return 'a WebP image';
  if (bytes.length === 0) return 'an empty file';
  const hex = Array.from(bytes.subarray(0, 4), (b) => b.toString(16).padStart(2, '0')).join(' ');
  return `bytes starting ${hex}`;
}

/** Number of colour components in a JPEG's frame header (1 = grayscale), or 3 when not found. */
function jpegComponents(bytes: Uint8Array): number {
  let at = 2;
  while (at + 9 < bytes.length) {
    if (bytes[at] !== 0xff) return 3;
    const marker = bytes[at + 1] as number;
    if (marker === 0xff) {
      at += 1;
      continue;
    }
    const isFrame = marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc;
    if (isFrame) return bytes[at + 9] as number;
    at += 2 + (((bytes[at + 2] as number) << 8) | (bytes[at + 3] as number));
  }
  return 3;
}

/** Why a file could not be decoded, in a few words (`a GIF image, not PNG or JPEG`), or the decoded image. */
export type DecodeResult = { image: RawImage; problem?: undefined } | { image?: undefined; problem: string };

/** pngjs says "There are some read requests waitng on finished stream" when the data ends early. */
function pngProblem(error: unknown): string {
  const message = (error as Error)?.message ?? String(error);
  return /waitng|waiting|end of/i.test(message)
    ? 'truncated PNG (the data ends early)'
    : `undecodable PNG (${message})`;
}

async function decodePng(bytes: Uint8Array): Promise<DecodeResult> {
  const PNG = await loadPng('decodeImage');
  let png: ReturnType<PngModule['PNG']['sync']['read']>;
  try {
    png = PNG.sync.read(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
  } catch (error) {
    return { problem: pngProblem(error) };
  }
  // pngjs gives 8-bit RGBA for every colour type and depth: palettes expanded, 16-bit scaled down,
  // gray repeated, and tRNS applied as alpha (then `png.alpha` is true as for the alpha colour types).
  const { width, height } = png;
  const rgba = new Uint8Array(png.data.buffer, png.data.byteOffset, png.data.byteLength);
  const channels = png.alpha ? 4 : png.color ? 3 : 1;
  if (channels === 4) return { image: { width, height, channels, data: rgba.slice() } };
  const data = new Uint8Array(width * height * channels);
  for (let p = 0; p < width * height; p++) {
    for (let c = 0; c < channels; c++) data[p * channels + c] = rgba[p * 4 + c] as number;
  }
  return { image: { width, height, channels, data } };
}

async function decodeJpeg(bytes: Uint8Array): Promise<DecodeResult> {
  const jpeg = await importOptional('jpeg-js', 'decodeImage', () => import('jpeg-js'));
  const decode = jpeg.decode ?? jpeg.default.decode;
  let image: { width: number; height: number; data: Uint8Array };
  try {
    image = decode(bytes, { useTArray: true, formatAsRGBA: false });
  } catch (error) {
    // jpeg-js throws strings as well as errors.
    return { problem: `undecodable JPEG (${(error as Error)?.message ?? String(error)})` };
  }
  const { width, height, data } = image;
  if (jpegComponents(bytes) !== 1) return { image: { width, height, channels: 3, data } };
  const gray = new Uint8Array(width * height);
  for (let p = 0; p < gray.length; p++) gray[p] = data[p * 3] as number;
  return { image: { width, height, channels: 1, data: gray } };
}

/**
 * Like {@link decodeImage}, but a file that is not a decodable PNG or JPEG gives `{ problem }` (a few
 * words, for lists of skipped files) instead of an error. A missing codec package still throws.
 */
export async function tryDecodeImage(bytes: Uint8Array): Promise<DecodeResult> {
  if (startsWith(bytes, PNG_MAGIC)) return decodePng(bytes);
  if (startsWith(bytes, JPEG_MAGIC)) return decodeJpeg(bytes);
  return { problem: `${describeBytes(bytes)}, not PNG or JPEG` };
}

/**
 * Decodes a PNG or JPEG (told apart by their magic bytes) into 8-bit pixels: 1 channel for gray
 * images, 3 for colour, 4 when the PNG has transparency (an alpha channel or a tRNS chunk; gray +
 * alpha comes back as RGBA with R = G = B). Every PNG colour type and depth works: palettes are
 * expanded and 16-bit samples scaled to 8 bits. A JPEG with one component is gray, any other RGB.
 * Anything else is GanError('CORRUPT_FILE') naming `name` (the file) and why. Needs the optional
 * peers `pngjs` (PNG) and `jpeg-js` (JPEG).
 */
export async function decodeImage(bytes: Uint8Array, name = 'image'): Promise<RawImage> {
  if (!startsWith(bytes, PNG_MAGIC) && !startsWith(bytes, JPEG_MAGIC)) {
    throw new GanError(
      'CORRUPT_FILE',
      `Expected ${name} to be a PNG or JPEG image, got ${describeBytes(bytes)}. Convert it to PNG or remove it.`,
    );
  }
  const result = await tryDecodeImage(bytes);
  if (result.image) return result.image;
  throw new GanError('CORRUPT_FILE', `Cannot decode ${name}: ${result.problem}. Replace the file or remove it.`);
}
