import { GanError } from '@gan/core';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { cgan } from './cgan.js';
import { dcgan } from './dcgan.js';
import { trainableParamCount } from './param-count.js';
import { oneHotRows, run, useCpu, wave, weightValues } from './testing/helpers.js';

beforeAll(useCpu);

describe('cgan', () => {
  it("'mlp': labels are concatenated to z and to the flattened image", () => {
    const { generator, discriminator, info } = cgan();
    // As mlpGan, with 10 more inputs to the first dense layer of each network.
    expect(trainableParamCount(generator)).toBe(110 * 256 + 256 + 131_584 + 525_312 + 803_600);
    expect(trainableParamCount(discriminator)).toBe(794 * 512 + 512 + 131_328 + 257);
    expect(generator.inputs.map((input) => input.shape)).toEqual([
      [null, 100],
      [null, 10],
    ]);
    expect(discriminator.inputs.map((input) => input.shape)).toEqual([
      [null, 28, 28, 1],
      [null, 10],
    ]);
    expect(info).toEqual({
      name: 'cgan',
      imageShape: [28, 28, 1],
      latentDim: 100,
      numClasses: 10,
      outputRange: [-1, 1],
      conditional: true,
    });
  });

  it("'dcgan': label maps are concatenated to the image channels", () => {
    const { generator, discriminator, info } = cgan({ variant: 'dcgan' });
    // As dcganMnist: G's first dense takes 62 + 10 inputs (+10·1024); D's first conv 1 + 10 channels (+10·64·16).
    expect(trainableParamCount(generator)).toBe(6_640_193 + 10 * 1024);
    expect(trainableParamCount(discriminator)).toBe(6_559_169 + 10 * 64 * 16);
    expect(discriminator.layers.map((l) => l.getClassName())).toContain('LabelMap');
    expect(info).toMatchObject({ latentDim: 62, outputRange: [0, 1], numClasses: 10, conditional: true });
  });

  for (const variant of ['mlp', 'dcgan'] as const) {
    it(`'${variant}': changing only the label changes both networks' outputs (batch of 2)`, () => {
      const { generator, discriminator } = cgan({ variant, numClasses: 4, imageShape: [8, 8, 1], seed: 5 });
      const latentDim = variant === 'mlp' ? 100 : 62;
      const z = wave([2, latentDim]);
      const images = wave([2, 8, 8, 1], 1);
      const first = oneHotRows([0, 1], 4);
      const second = oneHotRows([3, 1], 4);

      const fakeA = run(generator, [z, first]);
      const fakeB = run(generator, [z, second]);
      expect(fakeA.shape).toEqual([2, 8, 8, 1]);
      const size = 8 * 8;
      // Row 0 changed class, row 1 did not.
      expect(fakeB.values.slice(0, size)).not.toEqual(fakeA.values.slice(0, size));
      expect(fakeB.values.slice(size)).toEqual(fakeA.values.slice(size));

      const logitsA = run(discriminator, [images, first]);
      const logitsB = run(discriminator, [images, second]);
      expect(logitsA.shape).toEqual([2, 1]);
      expect(logitsB.values[0]).not.toBe(logitsA.values[0]);
      expect(logitsB.values[1]).toBe(logitsA.values[1]);
      tf.dispose([z, images, first, second]);
    });
  }

  it("'tutorial' at 64×64 has the PyTorch tutorial's parameters plus the label rows of the first kernels", () => {
    const { generator, discriminator, info } = cgan({ variant: 'tutorial', numClasses: 10 });
    // PyTorch's tutorial G has 3,576,704 and D 2,765,568 trainable parameters (see dcgan.test.ts). The labels add
    // 10 input channels to G's first ConvTranspose2d (10·4·4·512) and 10 label maps to D's first Conv2d (10·4·4·64).
    expect(trainableParamCount(generator)).toBe(3_576_704 + 10 * 4 * 4 * 512);
    expect(trainableParamCount(discriminator)).toBe(2_765_568 + 10 * 4 * 4 * 64);
    expect(generator.inputs.map((input) => input.shape)).toEqual([
      [null, 100],
      [null, 10],
    ]);
    expect(discriminator.inputs.map((input) => input.shape)).toEqual([
      [null, 64, 64, 3],
      [null, 10],
    ]);
    expect(generator.outputs[0].shape).toEqual([null, 64, 64, 3]);
    expect(info).toEqual({
      name: 'cgan',
      imageShape: [64, 64, 3],
      latentDim: 100,
      numClasses: 10,
      outputRange: [-1, 1],
      conditional: true,
    });
  });

  it("'tutorial' is dcgan() with the labels as extra inputs: same layers, logits, init", () => {
    for (const imageSize of [32, 64] as const) {
      for (const channels of [1, 3]) {
        const options = { imageSize, channels, latentDim: 16, ngf: 4, ndf: 2 };
        const plain = dcgan(options);
        const conditional = cgan({ variant: 'tutorial', numClasses: 3, ...options });
        // Label columns: 3·16·(ngf·2^(k−1)) in G's first ConvTranspose2d, 3·16·ndf in D's first Conv2d.
        const topWidth = 4 * 2 ** (Math.log2(imageSize) - 3);
        expect(trainableParamCount(conditional.generator)).toBe(
          trainableParamCount(plain.generator) + 3 * 16 * topWidth,
        );
        expect(trainableParamCount(conditional.discriminator)).toBe(
          trainableParamCount(plain.discriminator) + 3 * 16 * 2,
        );
        expect(conditional.generator.outputs[0].shape).toEqual([null, imageSize, imageSize, channels]);
        expect(conditional.discriminator.outputs[0].shape).toEqual([null, 1]);
        const classes = (model: typeof plain.generator) => model.layers.map((l) => l.getClassName());
        // The same layers after the label inputs: Concatenate in G; LabelMap and Concatenate in D.
        expect(classes(conditional.generator)).toEqual([
          'InputLayer',
          'InputLayer',
          'Concatenate',
          ...classes(plain.generator).slice(1),
        ]);
        expect(classes(conditional.discriminator)).toEqual([
          'InputLayer',
          'InputLayer',
          'LabelMap',
          'Concatenate',
          ...classes(plain.discriminator).slice(1),
        ]);
        // Logits as dcgan(): the last layer flattens the 1×1×1 conv, nothing applies a sigmoid.
        for (const layer of conditional.discriminator.layers) expect(layer.getConfig().activation).not.toBe('sigmoid');
        expect(conditional.info).toMatchObject({ imageShape: [imageSize, imageSize, channels], outputRange: [-1, 1] });
      }
    }
    const { generator, discriminator } = cgan({ variant: 'tutorial', imageSize: 32, ngf: 2, ndf: 2 });
    for (const layer of [...generator.layers, ...discriminator.layers]) {
      const layerConfig = layer.getConfig();
      if (/Conv2D/.test(layer.getClassName())) {
        expect(layerConfig.useBias).toBe(false);
        expect(layerConfig.kernelInitializer).toMatchObject({ config: { mean: 0, stddev: 0.02 } });
      }
      if (layer.getClassName() === 'BatchNormalization') {
        expect(layerConfig).toMatchObject({ gammaInitializer: { config: { mean: 1, stddev: 0.02 } } });
        expect(layerConfig.betaInitializer).toMatchObject({ className: 'Zeros' });
      }
    }
  });

  it("'tutorial': changing only the label changes both networks' outputs (32×32×3, batch of 2)", () => {
    const { generator, discriminator } = cgan({
      variant: 'tutorial',
      numClasses: 4,
      imageSize: 32,
      latentDim: 8,
      ngf: 4,
      ndf: 4,
      seed: 5,
    });
    const z = wave([2, 8]);
    const images = wave([2, 32, 32, 3], 1);
    const first = oneHotRows([0, 1], 4);
    const second = oneHotRows([3, 1], 4);
    const fakeA = run(generator, [z, first]);
    const fakeB = run(generator, [z, second]);
    expect(fakeA.shape).toEqual([2, 32, 32, 3]);
    expect(Math.max(...fakeA.values.map(Math.abs))).toBeLessThanOrEqual(1);
    const size = 32 * 32 * 3;
    expect(fakeB.values.slice(0, size)).not.toEqual(fakeA.values.slice(0, size));
    expect(fakeB.values.slice(size)).toEqual(fakeA.values.slice(size));
    const logitsA = run(discriminator, [images, first]);
    const logitsB = run(discriminator, [images, second]);
    expect(logitsA.shape).toEqual([2, 1]);
    expect(logitsB.values[0]).not.toBe(logitsA.values[0]);
    expect(logitsB.values[1]).toBe(logitsA.values[1]);
    tf.dispose([z, images, first, second]);
  });

  it("'tutorial' gives the same weights for the same seed", () => {
    const options = { variant: 'tutorial', imageSize: 32, ngf: 2, ndf: 2, numClasses: 3 } as const;
    const a = cgan({ ...options, seed: 4 });
    const b = cgan({ ...options, seed: 4 });
    expect(weightValues(b.generator)).toEqual(weightValues(a.generator));
    expect(weightValues(b.discriminator)).toEqual(weightValues(a.discriminator));
    expect(weightValues(cgan({ ...options, seed: 5 }).generator)).not.toEqual(weightValues(a.generator));
  });

  it('rejects options that are not for the variant, and what the tutorial network cannot do', () => {
    expect(() => cgan({ variant: 'tutorial', imageShape: [64, 64, 3] })).toThrow(
      "Option imageShape of cgan is for variant 'mlp' or 'dcgan', not 'tutorial'. Give the image size as imageSize and channels.",
    );
    expect(() => cgan({ variant: 'dcgan', imageSize: 64 })).toThrow(
      "Option imageSize of cgan is for variant 'tutorial', not 'dcgan'. Give the image size as imageShape.",
    );
    expect(() => cgan({ ngf: 8 })).toThrow(GanError);
    expect(() => cgan({ variant: 'tutorial', imageSize: 28 as 32 })).toThrow(
      "Expected imageSize of cgan (variant 'tutorial') to be one of 32, 64, 128, got 28.",
    );
    expect(() => cgan({ variant: 'tutorial', outputActivation: 'sigmoid' })).toThrow(
      "Expected outputActivation of cgan (variant 'tutorial') to be one of 'tanh', got 'sigmoid'.",
    );
    expect(
      cgan({ variant: 'tutorial', imageSize: 32, ngf: 1, ndf: 1, outputActivation: 'tanh' }).info.outputRange,
    ).toEqual([-1, 1]);
  });

  it("rejects a 'dcgan' image shape that two stride-2 layers cannot halve twice", () => {
    expect(() => cgan({ variant: 'dcgan', imageShape: [30, 30, 1] })).toThrow(/divisible by 4/);
    expect(() => cgan({ variant: 'gru' as 'mlp' })).toThrow(
      "Expected variant of cgan to be one of 'mlp', 'dcgan', 'tutorial', got 'gru'.",
    );
  });
});
