import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { expect } from 'vitest';

/** Saves `model` to memory and loads it again (test helper, not exported by the package). */
export async function roundTrip(model: tfl.LayersModel): Promise<{ loaded: tfl.LayersModel; topology: string }> {
  let artifacts: tf.io.ModelArtifacts | undefined;
  await model.save(
    tf.io.withSaveHandler(async (saved) => {
      artifacts = saved;
      return { modelArtifactsInfo: tf.io.getModelArtifactsInfoForJSON(saved) };
    }),
  );
  if (!artifacts) throw new Error('nothing saved');
  const loaded = await tfl.loadLayersModel(tf.io.fromMemory(artifacts));
  return { loaded, topology: JSON.stringify(artifacts.modelTopology) };
}

/** A deterministic tensor with values in [-1, 1]. */
export function wave(shape: number[], phase = 0): tf.Tensor {
  const size = shape.reduce((a, b) => a * b, 1);
  return tf.tensor(
    Array.from({ length: size }, (_, i) => Math.sin(i * 0.7 + phase)),
    shape,
  );
}

/** Values of a model's prediction. */
export function predictValues(model: tfl.LayersModel, inputs: tf.Tensor | tf.Tensor[]): number[] {
  return tf.tidy(() => Array.from((model.predict(inputs) as tf.Tensor).dataSync()));
}

/** Expects `actual` (flattened) to equal `expected` to `digits` decimal places. */
export function expectClose(actual: ArrayLike<number> | number[][], expected: number[] | number[][], digits = 5): void {
  const flat = (values: ArrayLike<number> | number[][]) =>
    Array.from(values as ArrayLike<number | number[]>).flatMap((v) => v as number | number[]);
  const got = flat(actual);
  const want = flat(expected);
  expect(got).toHaveLength(want.length);
  for (let i = 0; i < want.length; i++) expect(got[i]).toBeCloseTo(want[i], digits);
}
