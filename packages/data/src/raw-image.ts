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

/**
 * Converts an image to 1, 3 or 4 channels. To gray: luma 0.299 R + 0.587 G + 0.114 B. Gray to RGB:
 * the value repeated. Dropping alpha composites over black (value · alpha / 255); adding alpha sets 255.
 */
export function convertChannels(image: RawImage, channels: 1 | 3 | 4): RawImage {
  const { width, height, data } = image;
  const from = image.channels;
  if (from === channels) return image;
  if (![1, 3, 4].includes(from)) {
    throw new GanError('UNSUPPORTED', `Expected an image with 1, 3 or 4 channels, got ${from}.`);
  }
  const pixels = width * height;
  const out = new Uint8Array(pixels * channels);
  for (let p = 0; p < pixels; p++) {
    const i = p * from;
    const alpha = from === 4 ? (data[i + 3] as number) / 255 : 1;
    const r = (data[i] as number) * alpha;
    const g = from === 1 ? r : (data[i + 1] as number) * alpha;
    const b = from === 1 ? r : (data[i + 2] as number) * alpha;
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
