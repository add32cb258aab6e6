import { GanError } from '@gan/core';
import { beforeAll, describe, expect, it } from 'vitest';
import { useCpu } from '../test/helpers.js';
import { createGan, modelNames } from './registry.js';

beforeAll(useCpu);

describe('createGan', () => {
  it('lists the models in CLI order', () => {
    expect(modelNames).toEqual(['dcgan', 'dcgan-mnist', 'mlp', 'cgan']);
  });

  it('builds each named model with its config', () => {
    expect(createGan('dcgan', { imageSize: 32, ngf: 2, ndf: 2 }).info.imageShape).toEqual([32, 32, 3]);
    expect(createGan('dcgan-mnist', { latentDim: 4 }).info).toMatchObject({ name: 'dcgan-mnist', latentDim: 4 });
    expect(createGan('mlp', { imageShape: [4, 4, 1] }).generator.outputs[0].shape).toEqual([null, 4, 4, 1]);
    expect(createGan('cgan', { numClasses: 3, imageShape: [4, 4, 1] }).info.numClasses).toBe(3);
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
    expect((error as GanError).message).toBe('Unknown model "x". Known models: dcgan, dcgan-mnist, mlp, cgan.');
  });

  it('rejects options the model does not have, but ignores undefined ones', () => {
    expect(() => createGan('dcgan', { imageShape: [28, 28, 1] })).toThrow(
      'Unknown option "imageShape" for model "dcgan". Options of dcgan: imageSize, channels, latentDim, ngf, ndf, seed.',
    );
    expect(createGan('mlp', { imageShape: [4, 4, 1], variant: undefined }).info.name).toBe('mlp');
  });
});
