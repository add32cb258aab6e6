import { GanError } from '@gan/core';
import { registerLayers } from '@gan/layers';
import type * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { fileSystemHandler, modelJsonName, readModelArtifacts, resolveModelFolder } from './file-system-handler.js';

/**
 * Saves `model` to the folder `dir` (created if missing) as `model.json` + `weights.bin`, the layout of
 * tfjs-node's `file://` handler. Replaces a model saved there before.
 */
export async function saveModel(model: tfl.LayersModel, dir: string): Promise<tf.io.SaveResult> {
  return model.save(fileSystemHandler(dir));
}

/**
 * Loads a model saved by {@link saveModel}, `gan train` or tfjs-node's `model.save('file://dir')`. `dir` is the
 * folder (a path to its `model.json` or a `file://` URL also works). Registers the layers of @gan/layers
 * first. Throws GanError `NOT_FOUND` when the folder or a file is missing and `CORRUPT_FILE` when a file cannot
 * be read as a model (invalid JSON, weights whose size does not match the manifest, an unknown layer).
 */
export async function loadModel(dir: string): Promise<tfl.LayersModel> {
  registerLayers();
  const folder = await resolveModelFolder(dir);
  const artifacts = await readModelArtifacts(folder);
  try {
    return await tfl.loadLayersModel({ load: async () => artifacts });
  } catch (cause) {
    if (GanError.isInstance(cause)) throw cause;
    throw new GanError(
      'CORRUPT_FILE',
      `Cannot build a model from ${folder}/${modelJsonName}: ${(cause as Error).message} ` +
        'If the model uses custom layers, register them before loading; otherwise save the model again.',
      { cause },
    );
  }
}
