import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { trainableParamCount } from './param-count.js';
import { sngan } from './sngan.js';
import { run, useCpu, wave } from './testing/helpers.js';
import { roundTrip, trainModeCalls } from './testing/round-trip.js';

beforeAll(useCpu);

describe('sngan', () => {
  it('has the parameter counts of the paper’s standard CNN at 32×32×3', () => {
    const { generator, discriminator, info } = sngan({ seed: 1 });
    // G: Dense 128→4·4·512 (1,056,768) + BN 16,384 + ConvT 512→256 (2,097,408) + BN 512 + ConvT 256→128 (524,416)
    // + BN 256 + ConvT 128→64 (131,136) + BN 128 + Conv3 64→3 (1,731).
    expect(trainableParamCount(generator)).toBe(3_828_739);
    // D: Conv3 3→64 (1,792), Conv4 64→64 (65,600), Conv3 64→128 (73,856), Conv4 128→128 (262,272),
    // Conv3 128→256 (295,168), Conv4 256→256 (1,048,832), Conv3 256→512 (1,180,160), Dense 8192→1 (8,193).
    expect(trainableParamCount(discriminator)).toBe(2_935_873);
    expect(info).toEqual({
      name: 'sngan',
      imageShape: [32, 32, 3],
      latentDim: 128,
      outputRange: [-1, 1],
      conditional: false,
    });
    const classes = discriminator.layers.map((l) => l.getClassName());
    expect(classes.filter((c) => c === 'SpectralConv2D')).toHaveLength(7);
    expect(classes).toContain('SpectralDense');
    expect(classes).not.toContain('BatchNormalization');
  });

  it('tiny widths: shapes, counts by hand, u updated only in training mode, save → load', async () => {
    const { generator, discriminator } = sngan({ imageShape: [16, 16, 1], latentDim: 4, ngf: 2, ndf: 2, seed: 3 });
    // G: Dense 4→64 (320) + BN 128 + ConvT 16→8 (2,056) + BN 16 + ConvT 8→4 (516) + BN 8 + ConvT 4→2 (130) + BN 4
    // + Conv3 2→1 (19) = 3,197.
    expect(trainableParamCount(generator)).toBe(3197);
    // D: 20 + 66 + 76 + 260 + 296 + 1,032 + 1,168 + Dense 2·2·16→1 (65) = 2,983; u vectors 2+2+4+4+8+8+16+1 = 45.
    expect(trainableParamCount(discriminator)).toBe(2983);
    expect(discriminator.countParams() - 2983).toBe(45);

    const z = wave([2, 4]);
    const fake = run(generator, z);
    expect(fake.shape).toEqual([2, 16, 16, 1]);
    expect(fake.values.every((v) => v >= -1 && v <= 1)).toBe(true);
    const images = wave([2, 16, 16, 1], 1);
    const before = run(discriminator, images);
    expect(before.shape).toEqual([2, 1]);
    expect(run(discriminator, images).values).toEqual(before.values);
    const trainable = discriminator.trainableWeights.map((w) => Array.from(w.read().dataSync()));
    trainModeCalls(discriminator, images, 2);
    expect(run(discriminator, images).values).not.toEqual(before.values); // u moved, so σ moved
    expect(discriminator.trainableWeights.map((w) => Array.from(w.read().dataSync()))).toEqual(trainable);

    trainModeCalls(generator, z, 1);
    for (const model of [generator, discriminator]) {
      const input = model === generator ? z : images;
      const { loaded } = await roundTrip(model);
      expect(run(loaded, input).values).toEqual(run(model, input).values);
    }
    tf.dispose([z, images]);
  });

  it('rejects sizes that three stride-2 layers cannot halve', () => {
    expect(() => sngan({ imageShape: [28, 28, 1] })).toThrow(/divisible by 8/);
    expect(() => sngan({ ngf: 0 })).toThrow('Expected ngf of sngan to be a positive integer, got 0.');
  });
});
