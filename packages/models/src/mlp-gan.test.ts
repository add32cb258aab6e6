import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { mlpGan } from './mlp-gan.js';
import { trainableParamCount } from './param-count.js';
import { run, useCpu, wave } from './testing/helpers.js';

beforeAll(useCpu);

describe('mlpGan', () => {
  it('has the parameter counts of 100→256→512→1024→784 and 784→512→256→1', () => {
    const { generator, discriminator } = mlpGan();
    // 100·256+256 = 25,856; 256·512+512 = 131,584; 512·1024+1024 = 525,312; 1024·784+784 = 803,600
    expect(trainableParamCount(generator)).toBe(25_856 + 131_584 + 525_312 + 803_600);
    // 784·512+512 = 401,920; 512·256+256 = 131,328; 256+1 = 257
    expect(trainableParamCount(discriminator)).toBe(401_920 + 131_328 + 257);
  });

  it('maps z to images in [-1, 1] and images to logits', () => {
    const { generator, discriminator, info } = mlpGan({ seed: 2 });
    const images = run(generator, wave([2, 100]));
    expect(images.shape).toEqual([2, 28, 28, 1]);
    expect(Math.max(...images.values.map(Math.abs))).toBeLessThanOrEqual(1);
    expect(run(discriminator, wave([2, 28, 28, 1])).shape).toEqual([2, 1]);
    expect(info).toEqual({
      name: 'mlp',
      imageShape: [28, 28, 1],
      latentDim: 100,
      outputRange: [-1, 1],
      conditional: false,
    });
    const leaky = generator.layers.filter((l) => l.getClassName() === 'LeakyReLU');
    expect(leaky.map((l) => l.getConfig().alpha)).toEqual([0.2, 0.2, 0.2]);
  });

  it('takes another image shape, latentDim and a sigmoid output', () => {
    const { generator, discriminator, info } = mlpGan({
      imageShape: [8, 6, 3],
      latentDim: 4,
      outputActivation: 'sigmoid',
    });
    const images = run(generator, wave([2, 4]));
    expect(images.shape).toEqual([2, 8, 6, 3]);
    expect(Math.min(...images.values)).toBeGreaterThanOrEqual(0);
    expect(run(discriminator, wave([2, 8, 6, 3])).shape).toEqual([2, 1]);
    expect(info.outputRange).toEqual([0, 1]);
  });

  it('generates unbounded 2-D points with a linear output', () => {
    const { generator, discriminator, info } = mlpGan({ imageShape: [2], latentDim: 3, outputActivation: 'linear' });
    const points = run(generator, tf.mul(wave([5, 3]), 1e5));
    expect(points.shape).toEqual([5, 2]);
    // Large inputs push a linear output past ±1, which tanh could never reach.
    expect(Math.max(...points.values.map(Math.abs))).toBeGreaterThan(1);
    expect(run(discriminator, wave([5, 2])).shape).toEqual([5, 1]);
    expect(info.outputRange).toBeUndefined();
  });

  it('rejects a malformed image shape', () => {
    expect(() => mlpGan({ imageShape: [28, 28] as never })).toThrow(
      'Expected imageShape of mlp to be [height, width, channels] or [features] of positive integers, got [28,28].',
    );
  });
});
