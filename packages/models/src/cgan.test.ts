import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { oneHotRows, run, useCpu, wave } from '../test/helpers.js';
import { cgan } from './cgan.js';
import { trainableParamCount } from './param-count.js';

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

  it("rejects a 'dcgan' image shape that two stride-2 layers cannot halve twice", () => {
    expect(() => cgan({ variant: 'dcgan', imageShape: [30, 30, 1] })).toThrow(/divisible by 4/);
    expect(() => cgan({ variant: 'gru' as 'mlp' })).toThrow(
      "Expected variant of cgan to be one of 'mlp', 'dcgan', got 'gru'.",
    );
  });
});
