import { fileURLToPath } from 'node:url';
import { GanError, importOptional } from '@gan/core';
import type { GraphModel } from '@tensorflow/tfjs-converter';
import type * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { modelFileHandler } from './model-files.js';

export { modelFileHandler } from './model-files.js';

/** The folder of the trained digit classifier shipped in this package (`weights/digit-classifier`). */
export function digitClassifierPath(): string {
  return fileURLToPath(new URL('../weights/digit-classifier/', import.meta.url));
}

/**
 * Loads the trained digit classifier (see `digitClassifier()` for the architecture and the package README for
 * how it was trained and how accurate it is): `[n, 28, 28, 1]` in [0, 1] → 10 softmax probabilities. Pass it
 * through `featureAndProbabilityModel()` to get its 64 penultimate features as well. `location` defaults to the
 * weights shipped in this package.
 */
export async function loadDigitClassifier(location: string = digitClassifierPath()): Promise<tfl.LayersModel> {
  return tfl.loadLayersModel(modelFileHandler(location));
}

/** The folder of the trained emoji classifier shipped in this package (`weights/emoji-classifier`). */
export function emojiClassifierPath(): string {
  return fileURLToPath(new URL('../weights/emoji-classifier/', import.meta.url));
}

/**
 * Loads the trained emoji classifier (see `emojiClassifier()` for the architecture and the package README for
 * how it was trained and how accurate it is): `[n, 64, 64, 3]` in [0, 1] → probabilities of the 9
 * `emojiCategories`. Pass it through `featureAndProbabilityModel()` to get its 128 penultimate features as
 * well. Its `getUserDefinedMetadata()` says what it was trained on and its held-out accuracy. `location`
 * defaults to the weights shipped in this package.
 */
export async function loadEmojiClassifier(location: string = emojiClassifierPath()): Promise<tfl.LayersModel> {
  return tfl.loadLayersModel(modelFileHandler(location));
}

/**
 * Loads a tfjs graph model (e.g. Inception-v3 converted with `tensorflowjs_converter`, or a TF-Hub/Kaggle tfjs
 * model) to use as the feature network for natural images. `source` is an `http(s)://` URL of a model.json, a
 * local folder / model.json path / `file://` URL, or an IOHandler. Needs the optional peer
 * `@tensorflow/tfjs-converter`. Nothing is downloaded unless you pass a URL; the caller decides which network and
 * must report it (and its input size and value range) next to every number.
 */
export async function loadInceptionGraphModel(source: string | tf.io.IOHandler): Promise<GraphModel> {
  const converter = await importOptional(
    '@tensorflow/tfjs-converter',
    'loadInceptionGraphModel',
    () => import('@tensorflow/tfjs-converter'),
  );
  const handler = typeof source === 'string' && !/^https?:\/\//i.test(source) ? modelFileHandler(source) : source;
  try {
    return await converter.loadGraphModel(handler);
  } catch (cause) {
    if (GanError.isInstance(cause)) throw cause;
    throw new GanError(
      'CORRUPT_FILE',
      `Cannot load a tfjs graph model from ${typeof source === 'string' ? source : 'the IOHandler'}: ${(cause as Error).message}. ` +
        'Pass the model.json of a graph model converted with tensorflowjs_converter (layers models load with tf.loadLayersModel).',
      { cause },
    );
  }
}
