import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { dcganMnist } from './dcgan-mnist.js';
import { trainableParamCount } from './param-count.js';
import { run, useCpu, wave } from './testing/helpers.js';

beforeAll(useCpu);

describe('dcganMnist', () => {
  let built: ReturnType<typeof dcganMnist>;
  beforeAll(() => {
    built = dcganMnist({ seed: 3 });
  });

  it('has the parameter counts of the PyTorch code', () => {
    const { generator, discriminator } = built;
    // Generator (biases on; BN has γ and β):
    //   Dense 62→1024:      62·1024 + 1024     =    64,512   BN 1024:  2,048
    //   Dense 1024→6272:    1024·6272 + 6272   = 6,428,800   BN 6272: 12,544
    //   ConvT 128→64 4×4:   128·64·16 + 64     =   131,136   BN 64:      128
    //   ConvT 64→1 4×4:     64·1·16 + 1        =     1,025
    //   6,625,473 + 14,720 = 6,640,193
    expect(trainableParamCount(generator)).toBe(6_640_193);
    // Discriminator:
    //   Conv 1→64 4×4:      1·64·16 + 64       =     1,088
    //   Conv 64→128 4×4:    64·128·16 + 128    =   131,200   BN 128:     256
    //   Dense 6272→1024:    6272·1024 + 1024   = 6,423,552   BN 1024:  2,048
    //   Dense 1024→1:       1024 + 1           =     1,025
    //   6,556,865 + 2,304 = 6,559,169
    expect(trainableParamCount(discriminator)).toBe(6_559_169);
  });

  it('maps z to 28×28×1 images in [0, 1] and images to logits [n, 1]', () => {
    const { generator, discriminator, info } = built;
    const images = run(generator, wave([2, 62]));
    expect(images.shape).toEqual([2, 28, 28, 1]);
    expect(Math.min(...images.values)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...images.values)).toBeLessThanOrEqual(1);
    expect(run(discriminator, wave([2, 28, 28, 1])).shape).toEqual([2, 1]);
    expect(info).toEqual({
      name: 'dcgan-mnist',
      imageShape: [28, 28, 1],
      latentDim: 62,
      outputRange: [0, 1],
      conditional: false,
    });
  });

  it('takes tanh output and another latentDim', () => {
    const { generator, info } = dcganMnist({ latentDim: 8, outputActivation: 'tanh', seed: 3 });
    const images = run(generator, wave([2, 8]));
    expect(Math.min(...images.values)).toBeLessThan(0);
    expect(info.outputRange).toEqual([-1, 1]);
    expect(generator.inputs[0].shape).toEqual([null, 8]);
  });

  it('outputs logits: no sigmoid at the end of the discriminator', () => {
    const { discriminator } = built;
    const last = discriminator.layers[discriminator.layers.length - 1];
    expect(last.getClassName()).toBe('Dense');
    expect(last.getConfig().activation).toBe('linear');
    tf.tidy(() => {
      // With the kernel scaled up, logits leave [0, 1], which a sigmoid output could not.
      const [kernel, bias] = last.getWeights();
      last.setWeights([tf.mul(kernel, 1000), bias]);
      const logits = run(discriminator, wave([2, 28, 28, 1]));
      expect(logits.values.some((v) => v < 0 || v > 1)).toBe(true);
    });
  });
});
