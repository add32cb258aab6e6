import * as tf from '@tensorflow/tfjs-core';
import type { Raster } from './plot.js';

/** Converts a `[h, w, c]` tensor in [0, 1] into 8-bit pixels. */
export async function toRaster(image: tf.Tensor3D): Promise<Raster & { channels: number }> {
  const [height, width, channels] = image.shape;
  const bytes = tf.tidy(() => tf.cast(tf.round(tf.mul(tf.clipByValue(image, 0, 1), 255)), 'int32'));
  const data = await bytes.data();
  bytes.dispose();
  return { pixels: Uint8Array.from(data), width, height, channels };
}

/** Draws 2-D samples (and optionally the real points in gray) as a scatter plot. */
export function scatterPlot(points: Float32Array, realPoints?: Float32Array, size = 400): Raster {
  // The view spans the real points and the samples, with a margin.
  let largest = 0;
  for (const data of [points, realPoints ?? points]) {
    for (const v of data) if (Number.isFinite(v)) largest = Math.max(largest, Math.abs(v));
  }
  const extent = 1.15 * (largest || 1);
  const pixels = new Uint8Array(size * size * 3).fill(255);
  const plot = (data: Float32Array, color: readonly number[], radius: number) => {
    for (let i = 0; i + 1 < data.length; i += 2) {
      const cx = Math.round(((data[i]! / extent + 1) / 2) * (size - 1));
      const cy = Math.round(((1 - data[i + 1]! / extent) / 2) * (size - 1));
      for (let dx = -radius; dx <= radius; dx++) {
        for (let dy = -radius; dy <= radius; dy++) {
          const x = cx + dx;
          const y = cy + dy;
          if (x < 0 || y < 0 || x >= size || y >= size) continue;
          const j = (y * size + x) * 3;
          pixels[j] = color[0]!;
          pixels[j + 1] = color[1]!;
          pixels[j + 2] = color[2]!;
        }
      }
    }
  };
  if (realPoints) plot(realPoints, [190, 190, 190], 1);
  plot(points, [31, 119, 180], 1);
  return { pixels, width: size, height: size };
}
