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
