import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  ConditionalBatchNorm,
  dcganGammaInitializer,
  dcganWeightInitializer,
  LabelMap,
  labelMap,
  MinibatchStdDev,
  OneHot,
  oneHot,
  PixelNorm,
  registerLayers,
  SelfAttention,
  SpectralConv2D,
  SpectralDense,
} from './index.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

async function roundTrip(
  model: tfl.LayersModel,
): Promise<{ loaded: tfl.LayersModel; artifacts: tf.io.ModelArtifacts }> {
  let artifacts: tf.io.ModelArtifacts | undefined;
  await model.save(
    tf.io.withSaveHandler(async (saved) => {
      artifacts = saved;
      return { modelArtifactsInfo: tf.io.getModelArtifactsInfoForJSON(saved) };
    }),
  );
  if (!artifacts) throw new Error('nothing saved');
  const loaded = await tfl.loadLayersModel(tf.io.fromMemory(artifacts));
  return { loaded, artifacts };
}

describe('registration', () => {
  it('registers the layers on import and again, idempotently, on registerLayers()', () => {
    const classes = tf.serialization.SerializationMap.getMap().classNameMap;
    expect(classes.LabelMap?.[0]).toBe(LabelMap);
    expect(classes.OneHot?.[0]).toBe(OneHot);
    registerLayers();
    registerLayers();
    expect(classes.LabelMap?.[0]).toBe(LabelMap);
    expect(classes.OneHot?.[0]).toBe(OneHot);
    const added = [SpectralDense, SpectralConv2D, MinibatchStdDev, PixelNorm, ConditionalBatchNorm, SelfAttention];
    for (const layer of added) expect(classes[layer.className]?.[0]).toBe(layer);
  });

  it('saves and loads a conditional model with identical outputs', async () => {
    const image = tfl.input({ shape: [4, 4, 1] });
    const index = tfl.input({ shape: [1] });
    const labels = oneHot({ numClasses: 3 }).apply(index) as tfl.SymbolicTensor;
    const maps = labelMap({ height: 4, width: 4 }).apply(labels) as tfl.SymbolicTensor;
    const joined = tfl.layers.concatenate().apply([image, maps]) as tfl.SymbolicTensor;
    const conv = tfl.layers
      .conv2d({ filters: 2, kernelSize: 3, padding: 'same', kernelInitializer: dcganWeightInitializer({ seed: 1 }) })
      .apply(joined) as tfl.SymbolicTensor;
    const norm = tfl.layers
      .batchNormalization({ gammaInitializer: dcganGammaInitializer({ seed: 2 }) })
      .apply(conv) as tfl.SymbolicTensor;
    const output = tfl.layers.dense({ units: 1 }).apply(tfl.layers.flatten().apply(norm)) as tfl.SymbolicTensor;
    const model = tfl.model({ inputs: [image, index], outputs: output });

    const { loaded, artifacts } = await roundTrip(model);
    const topology = JSON.stringify(artifacts.modelTopology);
    expect(topology).toContain('"class_name":"LabelMap"');
    expect(topology).toContain('"class_name":"OneHot"');

    const x = tf.tensor4d(
      Array.from({ length: 2 * 16 }, (_, i) => Math.sin(i)),
      [2, 4, 4, 1],
    );
    const y = tf.tensor2d([[0], [2]]);
    const before = (model.predict([x, y]) as tf.Tensor).dataSync();
    const after = (loaded.predict([x, y]) as tf.Tensor).dataSync();
    expect(Array.from(after)).toEqual(Array.from(before));
    // The label matters: a different class gives a different output.
    const other = (model.predict([x, tf.tensor2d([[1], [1]])]) as tf.Tensor).dataSync();
    expect(Array.from(other)).not.toEqual(Array.from(before));
    const restored = loaded.layers.find((layer) => layer instanceof LabelMap) as LabelMap;
    expect([restored.height, restored.width]).toEqual([4, 4]);
  });
});
