import * as tf from '@tensorflow/tfjs-core';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { dcgan } from './dcgan.js';
import { dcganMnist } from './dcgan-mnist.js';
import { multiplyAdds } from './multiply-adds.js';
import { useCpu } from './testing/helpers.js';

beforeAll(useCpu);

describe('multiplyAdds', () => {
  afterEach(() => tf.disposeVariables());

  it('counts the 64×64 DCGAN layer by layer (transposed convolutions by input pixel)', () => {
    const { generator, discriminator } = dcgan({ imageSize: 64, seed: 1 });
    const g = multiplyAdds(generator);
    // 1×1 → 4×4×512, then 4→8, 8→16, 16→32 halving channels, then 32→64×3: input pixels × 4·4 × in × out.
    expect(g.layers.map((l) => l.multiplyAdds)).toEqual([
      1 * 16 * 100 * 512,
      16 * 16 * 512 * 256,
      64 * 16 * 256 * 128,
      256 * 16 * 128 * 64,
      1024 * 16 * 64 * 3,
    ]);
    expect(g.total).toBe(104_628_224);
    expect(g.layers.map((l) => l.takesModelInput)).toEqual([true, false, false, false, false]);
    const d = multiplyAdds(discriminator);
    // Output pixels × 4·4 × in × out: 64×64×3 → 32×32×64 → … → 4×4×512 → 1.
    expect(d.layers.map((l) => l.multiplyAdds)).toEqual([
      1024 * 16 * 3 * 64,
      256 * 16 * 64 * 128,
      64 * 16 * 128 * 256,
      16 * 16 * 256 * 512,
      1 * 16 * 512 * 1,
    ]);
    expect(d.layers[0]?.takesModelInput).toBe(true);
    generator.dispose();
    discriminator.dispose();
  });

  it('counts dense layers by inputs × units (the MNIST DCGAN)', () => {
    const { generator, discriminator } = dcganMnist({ seed: 1 });
    expect(multiplyAdds(generator).layers.map((l) => l.multiplyAdds)).toEqual([
      62 * 1024,
      1024 * 6272,
      49 * 16 * 128 * 64,
      196 * 16 * 64 * 1,
    ]);
    expect(multiplyAdds(discriminator).layers.map((l) => l.multiplyAdds)).toEqual([
      196 * 16 * 1 * 64,
      49 * 16 * 64 * 128,
      6272 * 1024,
      1024 * 1,
    ]);
    generator.dispose();
    discriminator.dispose();
  });
});
