import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';

/** Saves `model` to memory and loads it again (a test helper; not exported by the package). */
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

/** Runs `model` on `inputs` in training mode `times` times (updates batch-norm statistics and power iterations). */
export function trainModeCalls(model: tfl.LayersModel, inputs: tf.Tensor | tf.Tensor[], times: number): void {
  for (let i = 0; i < times; i++) tf.dispose(model.apply(inputs, { training: true }) as tf.Tensor | tf.Tensor[]);
}
