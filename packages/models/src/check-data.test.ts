import { GanError } from '@gan/core';
import { describe, expect, it } from 'vitest';
import { checkDataShape } from './check-data.js';
import type { GanInfo } from './types.js';

const mnist: GanInfo = {
  name: 'dcgan-mnist',
  imageShape: [28, 28, 1],
  latentDim: 62,
  outputRange: [0, 1],
  conditional: false,
};
const dcgan64: GanInfo = {
  name: 'dcgan',
  imageShape: [64, 64, 3],
  latentDim: 100,
  outputRange: [-1, 1],
  conditional: false,
};
const mlp: GanInfo = { name: 'mlp', imageShape: [28, 28, 1], latentDim: 100, outputRange: [-1, 1], conditional: false };

function errorOf(run: () => void): GanError {
  try {
    run();
  } catch (error) {
    if (GanError.isInstance(error)) return error;
    throw error;
  }
  throw new Error('expected a GanError');
}

describe('checkDataShape', () => {
  it('accepts matching data of any batch size and range', () => {
    expect(() => checkDataShape(mnist, [64, 28, 28, 1], [0, 1])).not.toThrow();
    expect(() => checkDataShape(dcgan64, [1, 64, 64, 3], [-1, 0.5])).not.toThrow();
    expect(() => checkDataShape(dcgan64, [1, 64, 64, 3], [0, 1])).not.toThrow();
  });

  it('says what was expected, what was got and what to pass', () => {
    const error = errorOf(() => checkDataShape(mnist, [64, 32, 32, 3]));
    expect(error.code).toBe('SHAPE_MISMATCH');
    expect(error.message).toBe(
      'Expected images of shape [n, 28, 28, 1] for dcgan-mnist, got [64, 32, 32, 3]. dcgan-mnist takes 28×28×1 images: ' +
        'resize the images, or use mlp or cgan with { imageShape: [32, 32, 3] }.',
    );
    expect(errorOf(() => checkDataShape(dcgan64, [8, 32, 32, 1])).message).toBe(
      'Expected images of shape [n, 64, 64, 3] for dcgan, got [8, 32, 32, 1]. ' +
        'Build dcgan with { imageSize: 32, channels: 1 }, or resize the images to 64×64×3.',
    );
    expect(errorOf(() => checkDataShape(dcgan64, [8, 28, 28, 1])).message).toMatch(/side 32, 64 or 128/);
    expect(errorOf(() => checkDataShape(mlp, [8, 16, 16, 3])).message).toMatch(
      /Build mlp with \{ imageShape: \[16, 16, 3\] \}/,
    );
    expect(errorOf(() => checkDataShape(mnist, [8, 28, 28])).message).toMatch(/got \[8, 28, 28\]\. Add a channel axis/);
  });

  it('rejects pixel values outside the generator output range with how to scale them', () => {
    const bytes = errorOf(() => checkDataShape(dcgan64, [2, 64, 64, 3], [0, 255]));
    expect(bytes.code).toBe('INVALID_ARGUMENT');
    expect(bytes.message).toBe(
      "Expected pixel values in [-1, 1] for dcgan (the generator's output range), got [0, 255]. " +
        'Scale the images to [-1, 1] (x / 127.5 - 1).',
    );
    expect(errorOf(() => checkDataShape(mnist, [2, 28, 28, 1], [-1, 1])).message).toMatch(
      /Scale the images to \[0, 1\] \(\(x \+ 1\) \/ 2\) or build dcgan-mnist with \{ outputActivation: 'tanh' \}\./,
    );
    expect(errorOf(() => checkDataShape(mnist, [2, 28, 28, 1], [0, 255])).message).toMatch(/\(x \/ 255\)\.$/);
    // Examples that are not images (a custom generator of points).
    const points: GanInfo = { name: 'custom', imageShape: [2], latentDim: 3, conditional: false };
    expect(errorOf(() => checkDataShape(points, [5, 3])).message).toBe(
      "Expected examples of shape [n, 2] for custom, got [5, 3]. Give the data examples of shape [2], or build a generator whose output has the data's shape.",
    );
    // Range unknown (custom generator): only the shape is checked.
    const custom: GanInfo = { name: 'custom', imageShape: [2, 2, 1], latentDim: 3, conditional: false };
    expect(() => checkDataShape(custom, [5, 2, 2, 1], [0, 255])).not.toThrow();
  });
});
