import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import type { ExportedModel } from './protocol.js';

/**
 * Serializes a model the way `model.save('downloads://…')` does, but into memory, so that it can be
 * posted from a worker (which has no document to download from) to the page.
 */
export async function exportModel(model: tfl.LayersModel): Promise<ExportedModel> {
  let captured: tf.io.ModelArtifacts | undefined;
  await model.save(
    tf.io.withSaveHandler(async (artifacts) => {
      captured = artifacts;
      return { modelArtifactsInfo: tf.io.getModelArtifactsInfoForJSON(artifacts) };
    }),
  );
  if (!captured?.modelTopology || !captured.weightSpecs || captured.weightData === undefined) {
    throw new Error('Saving the generator produced no topology or weights.');
  }
  const weightData = Array.isArray(captured.weightData)
    ? tf.io.concatenateArrayBuffers(captured.weightData)
    : captured.weightData;
  return {
    modelTopology: captured.modelTopology as object,
    weightSpecs: captured.weightSpecs.map((spec) => ({ name: spec.name, shape: [...spec.shape], dtype: spec.dtype })),
    weightData,
    format: captured.format,
    generatedBy: captured.generatedBy,
    convertedBy: captured.convertedBy,
    userDefinedMetadata: captured.userDefinedMetadata as Record<string, unknown> | undefined,
  };
}
