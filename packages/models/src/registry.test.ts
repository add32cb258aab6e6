import { GanError } from '@gan/core';
import { beforeAll, describe, expect, it } from 'vitest';
import { createGan, modelNames } from './registry.js';
import { useCpu } from './testing/helpers.js';

beforeAll(useCpu);

describe('createGan', () => {
  it('lists the models in CLI order', () => {
    expect(modelNames).toEqual(['dcgan', 'dcgan-mnist', 'mlp', 'cgan', 'acgan', 'projection-gan', 'sngan', 'wgan-gp']);
  });

  it('builds each named model with its config', () => {
    expect(createGan('dcgan', { imageSize: 32, ngf: 2, ndf: 2 }).info.imageShape).toEqual([32, 32, 3]);
    expect(createGan('dcgan-mnist', { latentDim: 4 }).info).toMatchObject({ name: 'dcgan-mnist', latentDim: 4 });
    expect(createGan('mlp', { imageShape: [4, 4, 1] }).generator.outputs[0].shape).toEqual([null, 4, 4, 1]);
    expect(createGan('cgan', { numClasses: 3, imageShape: [4, 4, 1] }).info.numClasses).toBe(3);
    const tutorial = createGan('cgan', {
      variant: 'tutorial',
      numClasses: 3,
      imageSize: 32,
      channels: 3,
      ngf: 1,
      ndf: 1,
    });
    expect(tutorial.info).toMatchObject({ name: 'cgan', imageShape: [32, 32, 3], numClasses: 3, conditional: true });
    expect(tutorial.generator.name).toBe('cgan_tutorial_generator');
  });

  it('builds the acgan, projection-gan, sngan and wgan-gp presets with their options', () => {
    expect(createGan('acgan', { numClasses: 3, imageShape: [8, 8, 1] }).discriminator.outputs).toHaveLength(2);
    const projection = createGan('projection-gan', { numClasses: 3, imageShape: [8, 8, 1], ngf: 1, ndf: 1 });
    expect(projection.info).toMatchObject({ name: 'projection-gan', numClasses: 3, conditional: true });
    expect(createGan('sngan', { imageShape: [8, 8, 1], latentDim: 2, ngf: 1, ndf: 1 }).info.latentDim).toBe(2);
    expect(createGan('wgan-gp', { imageSize: 32, channels: 1, ngf: 1, ndf: 1 }).info.imageShape).toEqual([32, 32, 1]);
    expect(() => createGan('sngan', { imageSize: 32 })).toThrow(
      'Unknown option "imageSize" for model "sngan". Options of sngan: imageShape, latentDim, ngf, ndf, seed.',
    );
  });

  it('names the known models when the name is unknown', () => {
    let error: unknown;
    try {
      createGan('x');
    } catch (caught) {
      error = caught;
    }
    expect(GanError.isInstance(error)).toBe(true);
    expect((error as GanError).code).toBe('UNKNOWN_NAME');
    expect((error as GanError).message).toBe(
      'Unknown model "x". Known models: dcgan, dcgan-mnist, mlp, cgan, acgan, projection-gan, sngan, wgan-gp.',
    );
  });

  it('rejects options the model does not have, but ignores undefined ones', () => {
    expect(() => createGan('dcgan', { imageShape: [28, 28, 1] })).toThrow(
      'Unknown option "imageShape" for model "dcgan". Options of dcgan: imageSize, channels, latentDim, ngf, ndf, seed.',
    );
    expect(createGan('mlp', { imageShape: [4, 4, 1], variant: undefined }).info.name).toBe('mlp');
  });
});
