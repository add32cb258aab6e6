import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { trainableParamCount } from './param-count.js';
import { projectionGan } from './projection-gan.js';
import { oneHotRows, run, useCpu, wave } from './testing/helpers.js';
import { roundTrip, trainModeCalls } from './testing/round-trip.js';

beforeAll(useCpu);

const tiny = { numClasses: 3, imageShape: [16, 16, 1] as const, latentDim: 4, ngf: 2, ndf: 2, seed: 5 };

describe('projectionGan', () => {
  it('counts: conditional batch norm in G, ψ and the label embedding in D', () => {
    const { generator, discriminator, info } = projectionGan(tiny);
    // G: the tiny sngan G (3,197) with each BN's γ, β (2·78 = 156) replaced by per-class ones (3·156 = 468).
    expect(trainableParamCount(generator)).toBe(3197 - 156 + 468);
    // D: the sngan trunk (2,983 − Dense 65 = 2,918) + ψ Dense 16→1 (17) + embedding 3×16 (48).
    expect(trainableParamCount(discriminator)).toBe(2918 + 17 + 48);
    expect(generator.layers.filter((l) => l.getClassName() === 'ConditionalBatchNorm')).toHaveLength(4);
    expect(discriminator.layers.map((l) => l.getClassName())).toContain('Dot');
    expect(info).toMatchObject({ name: 'projection-gan', numClasses: 3, conditional: true, outputRange: [-1, 1] });
  });

  it('adds ⟨embed(y), φ(x)⟩ to the logit: changing one label changes only that example', () => {
    const { generator, discriminator } = projectionGan(tiny);
    const z = wave([2, 4]);
    const images = wave([2, 16, 16, 1], 2);
    const first = oneHotRows([0, 1], 3);
    const second = oneHotRows([2, 1], 3);
    const logitsA = run(discriminator, [images, first]);
    const logitsB = run(discriminator, [images, second]);
    expect(logitsA.shape).toEqual([2, 1]);
    expect(logitsB.values[0]).not.toBe(logitsA.values[0]);
    expect(logitsB.values[1]).toBe(logitsA.values[1]);
    // Soft labels are linear in the projection term: D(x, ½(a + b)) = ½(D(x, a) + D(x, b)).
    const half = tf.div(tf.add(first, second), 2);
    const logitsHalf = run(discriminator, [images, half]);
    expect(logitsHalf.values[0]).toBeCloseTo((logitsA.values[0] + logitsB.values[0]) / 2, 5);

    const fakeA = run(generator, [z, first]);
    const fakeB = run(generator, [z, second]);
    expect(fakeA.shape).toEqual([2, 16, 16, 1]);
    expect(fakeB.values.slice(0, 256)).not.toEqual(fakeA.values.slice(0, 256));
    expect(fakeB.values.slice(256)).toEqual(fakeA.values.slice(256));
    tf.dispose([z, images, first, second, half]);
  });

  it('saves and loads both networks with identical outputs', async () => {
    const { generator, discriminator } = projectionGan(tiny);
    const z = wave([2, 4]);
    const images = wave([2, 16, 16, 1], 2);
    const labels = oneHotRows([0, 2], 3);
    trainModeCalls(generator, [z, labels], 1);
    trainModeCalls(discriminator, [images, labels], 2);
    const { loaded: g, topology } = await roundTrip(generator);
    expect(topology).toContain('"class_name":"ConditionalBatchNorm"');
    expect(run(g, [z, labels]).values).toEqual(run(generator, [z, labels]).values);
    const { loaded: d } = await roundTrip(discriminator);
    expect(run(d, [images, labels]).values).toEqual(run(discriminator, [images, labels]).values);
    tf.dispose([z, images, labels]);
  });
});
