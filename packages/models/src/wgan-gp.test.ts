import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { beforeAll, describe, expect, it } from 'vitest';
import { trainableParamCount } from './param-count.js';
import { run, useCpu, wave } from './testing/helpers.js';
import { roundTrip, trainModeCalls } from './testing/round-trip.js';
import { wganGp } from './wgan-gp.js';

beforeAll(useCpu);

function trainingOutput(model: tfl.LayersModel, input: tf.Tensor): number[] {
  return tf.tidy(() => Array.from((model.apply(input, { training: true }) as tf.Tensor).dataSync()));
}

describe('wganGp', () => {
  it('has the dcgan generator and a critic without batch norm, with biases', () => {
    const { generator, discriminator, info } = wganGp();
    expect(trainableParamCount(generator)).toBe(3_576_704); // as dcgan at 64×64
    // dcgan's D (2,765,568) without the BN γ, β (2·(128 + 256 + 512) = 1,792) and with conv biases (64 + 128 + 256 + 512 + 1).
    expect(trainableParamCount(discriminator)).toBe(2_765_568 - 1792 + 961);
    expect(discriminator.layers.map((l) => l.getClassName())).not.toContain('BatchNormalization');
    expect(info).toEqual({
      name: 'wgan-gp',
      imageShape: [64, 64, 3],
      latentDim: 100,
      outputRange: [-1, 1],
      conditional: false,
    });
  });

  it('scores each example independently of the batch, in training mode too (needed by the gradient penalty)', async () => {
    const { generator, discriminator } = wganGp({ imageSize: 32, channels: 1, latentDim: 4, ngf: 2, ndf: 2, seed: 4 });
    const images = wave([2, 32, 32, 1]);
    const both = trainingOutput(discriminator, images);
    const firstAlone = trainingOutput(discriminator, tf.slice(images, [0], [1]));
    expect(both).toHaveLength(2);
    expect(firstAlone[0]).toBeCloseTo(both[0], 5);
    expect(run(discriminator, images).values.map((v) => Number(v.toFixed(5)))).toEqual(
      both.map((v) => Number(v.toFixed(5))),
    );

    const z = wave([2, 4]);
    expect(run(generator, z).shape).toEqual([2, 32, 32, 1]);
    trainModeCalls(generator, z, 1);
    const { loaded: g } = await roundTrip(generator);
    expect(run(g, z).values).toEqual(run(generator, z).values);
    const { loaded: d } = await roundTrip(discriminator);
    expect(run(d, images).values).toEqual(run(discriminator, images).values);
    tf.dispose([images, z]);
  });
});
