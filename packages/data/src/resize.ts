import { GanError, isPositiveInteger } from '@gan/core';
import type { RawImage } from './raw-image.js';

interface Taps {
  /** First input index of each output index. */
  start: Int32Array;
  /** Number of taps of each output index. */
  count: Int32Array;
  /** `maxTaps` weights per output index (normalized to sum 1). */
  weights: Float32Array;
  maxTaps: number;
}

/**
 * The weights that map `inSize` samples to `outSize` (pixel centres at `i + 0.5`). Shrinking
 * averages areas: each output pixel is the mean of the input pixels its footprint covers, partly
 * covered ones weighted by the covered fraction. Enlarging interpolates linearly (bilinear), the
 * border pixels repeating outward.
 */
function filterTaps(inSize: number, outSize: number): Taps {
  const scale = inSize / outSize;
  const maxTaps = Math.ceil(scale) + 2;
  const start = new Int32Array(outSize);
  const count = new Int32Array(outSize);
  const weights = new Float32Array(outSize * maxTaps);
  for (let o = 0; o < outSize; o++) {
    let first: number;
    let taps = 0;
    if (scale > 1) {
      const left = o * scale;
      const right = (o + 1) * scale;
      first = Math.floor(left);
      const last = Math.min(inSize, Math.ceil(right)) - 1;
      for (let i = first; i <= last; i++, taps++) {
        weights[o * maxTaps + taps] = (Math.min(i + 1, right) - Math.max(i, left)) / scale;
      }
    } else {
      const position = Math.min(Math.max((o + 0.5) * scale - 0.5, 0), inSize - 1);
      first = Math.floor(position);
      const fraction = position - first;
      weights[o * maxTaps] = 1 - fraction;
      taps = 1;
      if (fraction > 0) {
        weights[o * maxTaps + 1] = fraction;
        taps = 2;
      }
    }
    start[o] = first;
    count[o] = taps;
  }
  return { start, count, weights, maxTaps };
}

/** RGBA with colour multiplied by alpha, so transparent pixels add no colour to their neighbours. */
function premultiplied(data: Uint8Array): Float32Array {
  const out = new Float32Array(data.length);
  for (let i = 0; i < data.length; i += 4) {
    const alpha = (data[i + 3] as number) / 255;
    out[i] = (data[i] as number) * alpha;
    out[i + 1] = (data[i + 1] as number) * alpha;
    out[i + 2] = (data[i + 2] as number) * alpha;
    out[i + 3] = data[i + 3] as number;
  }
  return out;
}

function toByte(value: number): number {
  return Math.min(255, Math.max(0, Math.round(value)));
}

/**
 * Resizes an image to `width × height`, each axis on its own, with an anti-aliased filter: area
 * averaging when shrinking (each output pixel is the mean of the input area it covers, like OpenCV's
 * INTER_AREA and Pillow's BOX filter), bilinear interpolation when enlarging. RGBA images are filtered
 * with premultiplied alpha, so the colour of fully transparent pixels does not bleed into the edges.
 * Returns the image itself when the size already matches.
 */
export function resizeImage(image: RawImage, width: number, height: number): RawImage {
  if (!isPositiveInteger(width) || !isPositiveInteger(height)) {
    throw new GanError('INVALID_ARGUMENT', `Expected a positive integer size, got ${width}×${height}.`);
  }
  const { channels, data } = image;
  if (image.width === width && image.height === height) return image;
  const source: ArrayLike<number> = channels === 4 ? premultiplied(data) : data;
  const horizontal = filterTaps(image.width, width);
  const vertical = filterTaps(image.height, height);
  const rows = new Float32Array(image.height * width * channels);
  for (let y = 0; y < image.height; y++) {
    for (let x = 0; x < width; x++) {
      const first = horizontal.start[x] as number;
      const taps = horizontal.count[x] as number;
      for (let c = 0; c < channels; c++) {
        let sum = 0;
        for (let t = 0; t < taps; t++) {
          const weight = horizontal.weights[x * horizontal.maxTaps + t] as number;
          sum += weight * (source[(y * image.width + first + t) * channels + c] as number);
        }
        rows[(y * width + x) * channels + c] = sum;
      }
    }
  }
  const out = new Uint8Array(height * width * channels);
  const pixel = new Float64Array(channels);
  for (let y = 0; y < height; y++) {
    const first = vertical.start[y] as number;
    const taps = vertical.count[y] as number;
    for (let x = 0; x < width; x++) {
      for (let c = 0; c < channels; c++) {
        let sum = 0;
        for (let t = 0; t < taps; t++) {
          const weight = vertical.weights[y * vertical.maxTaps + t] as number;
          sum += weight * (rows[((first + t) * width + x) * channels + c] as number);
        }
        pixel[c] = sum;
      }
      if (channels === 4) {
        // Back from premultiplied: colour = sum / alpha (0 where nothing is left to see).
        const alpha = pixel[3] as number;
        for (let c = 0; c < 3; c++) pixel[c] = alpha > 0 ? ((pixel[c] as number) * 255) / alpha : 0;
      }
      for (let c = 0; c < channels; c++) out[(y * width + x) * channels + c] = toByte(pixel[c] as number);
    }
  }
  return { width, height, channels, data: out };
}
