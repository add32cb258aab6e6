import { GanError, type Random } from '@gan/core';
import * as tf from '@tensorflow/tfjs-core';

/** The DiffAugment policies (Zhao et al. 2020): random translation, cutout and color changes. */
export type AugmentPolicy = 'translation' | 'cutout' | 'color';

/** Every policy {@link drawAugmentation} knows, in the order they are applied. */
export const augmentPolicies: readonly AugmentPolicy[] = ['color', 'translation', 'cutout'];

/** One draw of the random parameters of DiffAugment for a batch of `n` images. */
export interface AugmentParameters {
  /** Per image: added to every pixel, from U(−0.5, 0.5). */
  brightness?: Float32Array;
  /** Per image: factor of each pixel's distance from its channel mean, from U(0, 2). */
  saturation?: Float32Array;
  /** Per image: factor of the distance from the image mean, from U(0.5, 1.5). */
  contrast?: Float32Array;
  /** Per image: `[dy, dx]` shift in pixels (integers in `[−⌊h/8 + ½⌋, ⌊h/8 + ½⌋]`), the gap filled with 0. */
  translation?: Int32Array;
  /** Per image: `[top, left, bottom, right)` of the zeroed square (half the image size), clipped to the image. */
  cutout?: Int32Array;
}

function assertPolicies(policies: readonly AugmentPolicy[]): void {
  for (const policy of policies) {
    if (!augmentPolicies.includes(policy)) {
      throw new GanError(
        'UNKNOWN_NAME',
        `Unknown augment policy "${String(policy)}". Known policies: ${augmentPolicies.join(', ')}.`,
      );
    }
  }
}

/** Draws the parameters of `policies` for images of shape `[n, h, w, c]` from `random`. */
export function drawAugmentation(
  random: Random,
  policies: readonly AugmentPolicy[],
  shape: readonly number[],
): AugmentParameters {
  assertPolicies(policies);
  if (shape.length !== 4) {
    throw new GanError(
      'UNSUPPORTED',
      `Expected images [n, h, w, c] for DiffAugment, got shape [${shape.join(
        ', ',
      )}]. Leave augment out for non-image data.`,
    );
  }
  const [n, h, w] = shape;
  const parameters: AugmentParameters = {};
  if (policies.includes('color')) {
    parameters.brightness = random.uniform(n, -0.5, 0.5);
    parameters.saturation = random.uniform(n, 0, 2);
    parameters.contrast = random.uniform(n, 0.5, 1.5);
  }
  if (policies.includes('translation')) {
    const maxY = Math.floor(h * 0.125 + 0.5);
    const maxX = Math.floor(w * 0.125 + 0.5);
    parameters.translation = new Int32Array(2 * n);
    for (let i = 0; i < n; i++) {
      parameters.translation[2 * i] = random.int(2 * maxY + 1) - maxY;
      parameters.translation[2 * i + 1] = random.int(2 * maxX + 1) - maxX;
    }
  }
  if (policies.includes('cutout')) {
    const sizeY = Math.floor(h * 0.5 + 0.5);
    const sizeX = Math.floor(w * 0.5 + 0.5);
    parameters.cutout = new Int32Array(4 * n);
    for (let i = 0; i < n; i++) {
      const centerY = random.int(h + (1 - (sizeY % 2)));
      const centerX = random.int(w + (1 - (sizeX % 2)));
      const top = Math.max(0, centerY - Math.floor(sizeY / 2));
      const left = Math.max(0, centerX - Math.floor(sizeX / 2));
      parameters.cutout.set(
        [
          top,
          left,
          Math.min(h, centerY - Math.floor(sizeY / 2) + sizeY),
          Math.min(w, centerX - Math.floor(sizeX / 2) + sizeX),
        ],
        4 * i,
      );
    }
  }
  return parameters;
}

function perImage(values: Float32Array): tf.Tensor4D {
  return tf.tensor4d(values, [values.length, 1, 1, 1]);
}

function translate(images: tf.Tensor4D, shifts: Int32Array): tf.Tensor4D {
  const [n, h, w, c] = images.shape;
  let pad = 0;
  for (const shift of shifts) pad = Math.max(pad, Math.abs(shift));
  if (pad === 0) return images;
  const padded = tf.pad(images, [
    [0, 0],
    [pad, pad],
    [pad, pad],
    [0, 0],
  ]);
  // output(y, x) = input(y − dy, x − dx) = padded(y − dy + pad, x − dx + pad)
  const shifted = Array.from({ length: n }, (_, i) =>
    tf.slice(padded, [i, pad - shifts[2 * i], pad - shifts[2 * i + 1], 0], [1, h, w, c]),
  );
  return tf.concat(shifted, 0) as tf.Tensor4D;
}

function cutoutMask(shape: readonly number[], boxes: Int32Array): tf.Tensor4D {
  const [n, h, w] = shape;
  const mask = new Float32Array(n * h * w).fill(1);
  for (let i = 0; i < n; i++) {
    const [top, left, bottom, right] = boxes.subarray(4 * i, 4 * i + 4);
    for (let y = top; y < bottom; y++) mask.fill(0, (i * h + y) * w + left, (i * h + y) * w + right);
  }
  return tf.tensor4d(mask, [n, h, w, 1]);
}

/**
 * Applies drawn DiffAugment parameters to `[n, h, w, c]` images: color (brightness, saturation, contrast),
 * then translation (zero fill), then cutout. Every step is differentiable with respect to the images.
 */
export function applyAugmentation(images: tf.Tensor, parameters: AugmentParameters): tf.Tensor4D {
  return tf.tidy(() => {
    let x = images as tf.Tensor4D;
    if (parameters.brightness) x = tf.add(x, perImage(parameters.brightness));
    if (parameters.saturation) {
      const mean = tf.mean(x, 3, true);
      x = tf.add(tf.mul(tf.sub(x, mean), perImage(parameters.saturation)), mean);
    }
    if (parameters.contrast) {
      const mean = tf.mean(x, [1, 2, 3], true);
      x = tf.add(tf.mul(tf.sub(x, mean), perImage(parameters.contrast)), mean);
    }
    if (parameters.translation) x = translate(x, parameters.translation);
    if (parameters.cutout) x = tf.mul(x, cutoutMask(x.shape, parameters.cutout));
    return x;
  });
}

/** DiffAugment: draws fresh parameters from `random` and applies them (see {@link applyAugmentation}). */
export function diffAugment(images: tf.Tensor, policies: readonly AugmentPolicy[], random: Random): tf.Tensor4D {
  return applyAugmentation(images, drawAugmentation(random, policies, images.shape));
}
