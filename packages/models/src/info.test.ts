import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { beforeAll, describe, expect, it } from 'vitest';
import { cgan } from './cgan.js';
import { ganInfo } from './info.js';
import { mlpGan } from './mlp-gan.js';
import { useCpu } from './testing/helpers.js';

beforeAll(useCpu);

describe('ganInfo', () => {
  it('returns the info of a built pair, and keeps it through a save and load', async () => {
    const pair = cgan({ numClasses: 3, imageShape: [4, 4, 1], latentDim: 5 });
    expect(ganInfo(pair)).toBe(pair.info);
    let saved: tf.io.ModelArtifacts | undefined;
    await pair.generator.save(
      tf.io.withSaveHandler(async (artifacts) => {
        saved = artifacts;
        return { modelArtifactsInfo: tf.io.getModelArtifactsInfoForJSON(artifacts) };
      }),
    );
    const generator = await tfl.loadLayersModel(tf.io.fromMemory(saved as tf.io.ModelArtifacts));
    expect(ganInfo({ generator })).toEqual(pair.info);
  });

  it('infers what it can from a pair built by hand', () => {
    const z = tfl.input({ shape: [7] });
    const labels = tfl.input({ shape: [4] });
    const joined = tfl.layers.concatenate().apply([z, labels]);
    const dense = tfl.layers.dense({ units: 12, activation: 'sigmoid' }).apply(joined);
    const image = tfl.layers.reshape({ targetShape: [2, 2, 3] }).apply(dense) as tfl.SymbolicTensor;
    const generator = tfl.model({ inputs: [z, labels], outputs: image });
    expect(ganInfo({ generator })).toEqual({
      name: 'custom',
      imageShape: [2, 2, 3],
      latentDim: 7,
      numClasses: 4,
      outputRange: [0, 1],
      conditional: true,
    });
    const plain = tfl.sequential({ layers: [tfl.layers.dense({ units: 4, inputShape: [3] })] });
    expect(ganInfo({ generator: plain })).toEqual({
      name: 'custom',
      imageShape: [4],
      latentDim: 3,
      conditional: false,
    });
  });

  it('reads a tanh from an activation layer before a reshape', () => {
    const { generator } = mlpGan({ imageShape: [2, 2, 1], latentDim: 3 });
    generator.setUserDefinedMetadata({});
    expect(ganInfo({ generator }).outputRange).toEqual([-1, 1]);
  });
});
