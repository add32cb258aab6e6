import { GanError } from '@gan/core';

/** Decoded pixels: `height × width × channels` bytes, row-major, channels interleaved. */
export interface RawImage {
  width: number;
  height: number;
  /** 1 (gray), 3 (RGB) or 4 (RGBA). */
  channels: number;
  data: Uint8Array;
}

/** True when every pixel has equal red, green and blue (always for one channel); alpha is ignored. */
export function isGrayscale(image: RawImage): boolean {
  const { channels, data } = image;
  if (channels < 3) return true;
  for (let i = 0; i < data.length; i += channels) {
    if (data[i] !== data[i + 1] || data[i] !== data[i + 2]) return false;
  }
  return true;
}

/** A background colour as bytes `[r, g, b]`, each 0–255. */
export type RgbBytes = readonly [number, number, number];

const BLACK: RgbBytes = [0, 0, 0];

/** Checks that `background` holds three integers 0–255; `what` names the option in the error. */
export function checkBackground(background: readonly number[], what = 'background'): RgbBytes {
  if (background.length !== 3 || !background.every((v) => Number.isInteger(v) && v >= 0 && v <= 255)) {
    throw new GanError(
      'INVALID_ARGUMENT',
      `Expected ${what} to be three integers 0–255 such as [255, 255, 255], got [${background.join(', ')}].`,
    );
  }
  return background as unknown as RgbBytes;
}

/**
 * Converts an image to 1, 3 or 4 channels. To gray: luma 0.299 R + 0.587 G + 0.114 B. Gray to RGB:
 * the value repeated. Adding alpha sets it to 255. Dropping alpha composites over `background`
 * (`value · a + background · (1 − a)` with `a = alpha / 255`), by default black, so a transparent
 * pixel becomes 0 (`[0, 0, 0]` keeps the behaviour of earlier versions; the image loaders pass white).
 */
export function convertChannels(image: RawImage, channels: 1 | 3 | 4, background: RgbBytes = BLACK): RawImage {
  const { width, height, data } = image;
  const from = image.channels;
  if (from === channels) return image;
  if (![1, 3, 4].includes(from)) {
    throw new GanError('UNSUPPORTED', `Expected an image with 1, 3 or 4 channels, got ${from}.`);
  }
  const [backR, backG, backB] = from === 4 && channels !== 4 ? checkBackground(background) : BLACK;
  const pixels = width * height;
  const out = new Uint8Array(pixels * channels);
  for (let p = 0; p < pixels; p++) {
    const i = p * from;
    const alpha = from === 4 ? (data[i + 3] as number) / 255 : 1;
    const under = 1 - alpha;
    const r = (data[i] as number) * alpha + backR * under;
    const g = from === 1 ? r : (data[i + 1] as number) * alpha + backG * under;
    const b = from === 1 ? r : (data[i + 2] as number) * alpha + backB * under;
    const o = p * channels;
    if (channels === 1) {
      out[o] = Math.round(from === 1 ? r : 0.299 * r + 0.587 * g + 0.114 * b);
    } else {
      out[o] = Math.round(r);
      out[o + 1] = Math.round(g);
      out[o + 2] = Math.round(b);
      if (channels === 4) out[o + 3] = from === 4 ? (data[i + 3] as number) : 255;
    }
  }
  return { width, height, channels, data: out };
}

/**
 * The image without transparency: an RGBA image composited over `background` (RGB out), any other
 * image as it is.
 */
export function compositeOver(image: RawImage, background: RgbBytes): RawImage {
  return image.channels === 4 ? convertChannels(image, 3, background) : image;
}
