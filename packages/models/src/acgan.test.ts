import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { beforeAll, describe, expect, it } from 'vitest';
import { acgan } from './acgan.js';
import { trainableParamCount } from './param-count.js';
import { oneHotRows, run, useCpu, wave } from './testing/helpers.js';
import { roundTrip } from './testing/round-trip.js';

beforeAll(useCpu);

function outputs(model: tfl.LayersModel, input: tf.Tensor): number[][] {
  return tf.tidy(() => (model.predict(input) as tf.Tensor[]).map((t) => Array.from(t.dataSync())));
}

describe('acgan', () => {
  it('has the dcganMnist networks with labels on z and a class head on D', () => {
    const { generator, discriminator, info } = acgan();
    // G: dcganMnist's (6,640,193) with 10 more inputs to its first Dense 1024.
    expect(trainableParamCount(generator)).toBe(6_640_193 + 10 * 1024);
    // D: dcganMnist's (6,559,169, its Dense 1024→1 included) + the class head Dense 1024→10.
    expect(trainableParamCount(discriminator)).toBe(6_559_169 + 1024 * 10 + 10);
    expect(discriminator.inputs.map((i) => i.shape)).toEqual([[null, 28, 28, 1]]);
    expect(discriminator.outputs.map((o) => o.shape)).toEqual([
      [null, 1],
      [null, 10],
    ]);
    expect(discriminator.outputNames).toEqual(['logits', 'class_logits']);
    expect(info).toEqual({
      name: 'acgan',
      imageShape: [28, 28, 1],
      latentDim: 62,
      numClasses: 10,
      outputRange: [0, 1],
      conditional: true,
    });
  });

  it('the label changes the generator’s output; D gives [logits, classLogits]; both round-trip', async () => {
    const { generator, discriminator } = acgan({ numClasses: 4, imageShape: [8, 8, 1], latentDim: 3, seed: 2 });
    const z = wave([2, 3]);
    const first = oneHotRows([0, 1], 4);
    const second = oneHotRows([3, 1], 4);
    const fakeA = run(generator, [z, first]);
    const fakeB = run(generator, [z, second]);
    expect(fakeA.shape).toEqual([2, 8, 8, 1]);
    expect(fakeB.values.slice(0, 64)).not.toEqual(fakeA.values.slice(0, 64));
    expect(fakeB.values.slice(64)).toEqual(fakeA.values.slice(64));

    const images = wave([2, 8, 8, 1], 1);
    const [logits, classLogits] = outputs(discriminator, images);
    expect(logits).toHaveLength(2);
    expect(classLogits).toHaveLength(8);

    const { loaded: g } = await roundTrip(generator);
    expect(run(g, [z, first]).values).toEqual(fakeA.values);
    const { loaded: d } = await roundTrip(discriminator);
    expect(d.outputNames).toEqual(['logits', 'class_logits']);
    expect(outputs(d, images)).toEqual([logits, classLogits]);
    tf.dispose([z, first, second, images]);
  });

  it('rejects image sizes that two stride-2 layers cannot halve twice', () => {
    expect(() => acgan({ imageShape: [30, 30, 1] })).toThrow(/divisible by 4/);
  });
});
