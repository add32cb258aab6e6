import { mkdir, readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { GanError } from '@gan/core';
import { modelJsonName, resolveModelJson, writeFilesAtomic } from '@gan/core/node';
import * as tf from '@tensorflow/tfjs-core';

/** File names of the tfjs-node `file://` layout. */
export { modelJsonName };
export const weightsName = 'weights.bin';

const bytesPerValue: Record<string, number> = {
  float32: 4,
  int32: 4,
  bool: 1,
  complex64: 8,
  uint8: 1,
  uint16: 2,
  float16: 2,
};

/**
 * Bytes the manifest says its weights take: `undefined` when it cannot say (string weights), `NaN` when an
 * entry has no shape.
 */
function manifestBytes(specs: tf.io.WeightsManifestEntry[]): number | undefined {
  let total = 0;
  for (const spec of specs) {
    if (!Array.isArray(spec?.shape)) return Number.NaN;
    const dtype = spec.quantization?.dtype ?? spec.dtype;
    const size = bytesPerValue[dtype];
    if (size === undefined) return undefined;
    total += spec.shape.reduce((a, b) => a * b, 1) * size;
  }
  return total;
}

function corrupt(path: string, problem: string, cause?: unknown): GanError {
  return new GanError(
    'CORRUPT_FILE',
    `${path} ${problem} Save the model again (saveModel or \`gan train\`) to replace it.`,
    cause === undefined ? undefined : { cause },
  );
}

async function readModelJson(dir: string): Promise<tf.io.ModelJSON> {
  const path = join(dir, modelJsonName);
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (cause) {
    const code = (cause as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') {
      throw new GanError(
        'NOT_FOUND',
        `Expected a saved model in the folder ${dir} (with ${modelJsonName} and ${weightsName}), but ${path} does not ` +
          'exist. Pass a folder written by `gan train` or saveModel().',
        { cause },
      );
    }
    throw cause;
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (cause) {
    throw corrupt(path, `is not valid JSON (${(cause as Error).message}).`, cause);
  }
  const model = json as Partial<tf.io.ModelJSON> | null;
  if (
    typeof model !== 'object' ||
    model === null ||
    typeof model.modelTopology !== 'object' ||
    model.modelTopology === null
  ) {
    throw corrupt(path, 'has no modelTopology: it is not a tfjs layers model.json.');
  }
  if (model.weightsManifest !== undefined && !Array.isArray(model.weightsManifest)) {
    throw corrupt(path, 'has a weightsManifest that is not a list of weight groups.');
  }
  return model as tf.io.ModelJSON;
}

async function readWeights(
  dir: string,
  manifest: tf.io.WeightsManifestConfig,
): Promise<[tf.io.WeightsManifestEntry[], ArrayBuffer]> {
  const specs: tf.io.WeightsManifestEntry[] = [];
  const buffers: Uint8Array[] = [];
  const files: string[] = [];
  for (const group of manifest) {
    if (!Array.isArray(group?.paths) || !Array.isArray(group.weights)) {
      throw corrupt(join(dir, modelJsonName), 'has a weightsManifest group without paths or weights.');
    }
    for (const file of group.paths) {
      const path = join(dir, file);
      files.push(path);
      try {
        buffers.push(await readFile(path));
      } catch (cause) {
        if ((cause as NodeJS.ErrnoException).code === 'ENOENT') {
          throw new GanError(
            'NOT_FOUND',
            `${path} does not exist, but ${join(dir, modelJsonName)} lists it. The folder is incomplete: save the model again.`,
            { cause },
          );
        }
        throw cause;
      }
    }
    specs.push(...group.weights);
  }
  const got = buffers.reduce((sum, buffer) => sum + buffer.byteLength, 0);
  const expected = manifestBytes(specs);
  if (Number.isNaN(expected)) {
    throw corrupt(join(dir, modelJsonName), 'has a weightsManifest entry without a shape.');
  }
  if (expected !== undefined && got !== expected) {
    throw corrupt(
      files.join(' + ') || join(dir, weightsName),
      `has ${got} bytes, but the weightsManifest of ${modelJsonName} expects ${expected} bytes: the file is ` +
        `${got < expected ? 'truncated' : 'longer than the manifest says'} or belongs to another model.`,
    );
  }
  const joined = new Uint8Array(got);
  let offset = 0;
  for (const buffer of buffers) {
    joined.set(buffer, offset);
    offset += buffer.byteLength;
  }
  return [specs, joined.buffer];
}

/**
 * A tfjs IOHandler that saves to and loads from the folder `dir` in exactly the layout of tfjs-node's `file://`
 * handler: `dir/model.json` (modelTopology, weightsManifest `[{ paths: ['weights.bin'], weights }]`, format,
 * generatedBy, convertedBy, and trainingConfig / signature / userDefinedMetadata when present) and
 * `dir/weights.bin`. So `tf.loadLayersModel(fileSystemHandler(dir))` works without tfjs-node, and tfjs-node's
 * `tf.loadLayersModel('file://dir/model.json')` reads what it saves.
 *
 * Saving creates the folder and writes both files to temporary names in it before renaming them into place
 * (weights first), so a crash never leaves a half-written file under the final names. Loading reads every
 * weight file the manifest lists, checks their total size against the manifest and throws GanError
 * `NOT_FOUND` / `CORRUPT_FILE` instead of failing inside tfjs.
 */
export function fileSystemHandler(dir: string): tf.io.IOHandler {
  const folder = resolve(dir);
  return {
    async save(artifacts: tf.io.ModelArtifacts): Promise<tf.io.SaveResult> {
      if (artifacts.modelTopology instanceof ArrayBuffer) {
        throw new GanError('UNSUPPORTED', 'fileSystemHandler saves layers models only, not binary (graph) topologies.');
      }
      try {
        await mkdir(folder, { recursive: true });
      } catch (cause) {
        throw new GanError(
          'INVALID_ARGUMENT',
          `Cannot create the folder ${folder} to save the model in: ${(cause as Error).message}`,
          {
            cause,
          },
        );
      }
      const modelJson: tf.io.ModelJSON = {
        modelTopology: artifacts.modelTopology as object,
        weightsManifest: [{ paths: [weightsName], weights: artifacts.weightSpecs ?? [] }],
        format: artifacts.format,
        generatedBy: artifacts.generatedBy,
        convertedBy: artifacts.convertedBy,
      };
      if (artifacts.trainingConfig != null) modelJson.trainingConfig = artifacts.trainingConfig;
      if (artifacts.signature != null) modelJson.signature = artifacts.signature;
      if (artifacts.userDefinedMetadata != null) modelJson.userDefinedMetadata = artifacts.userDefinedMetadata;

      const weights = new Uint8Array(tf.io.CompositeArrayBuffer.join(artifacts.weightData ?? []));
      await writeFilesAtomic([
        [join(folder, weightsName), weights],
        [join(folder, modelJsonName), JSON.stringify(modelJson)],
      ]);
      return { modelArtifactsInfo: tf.io.getModelArtifactsInfoForJSON(artifacts) };
    },

    load: () => readModelArtifacts(folder),
  };
}

/** Reads `dir/model.json` and the weight files it lists, as the `load()` of {@link fileSystemHandler}. */
export async function readModelArtifacts(dir: string): Promise<tf.io.ModelArtifacts> {
  const modelJson = await readModelJson(dir);
  return tf.io.getModelArtifactsForJSON(modelJson, (manifest) => readWeights(dir, manifest));
}

/**
 * Resolves what a user passed as a model location to the folder: strips `file://` and accepts the path of a
 * `model.json` file. Throws GanError `NOT_FOUND` when nothing is there.
 */
export async function resolveModelFolder(location: string): Promise<string> {
  const { folder } = await resolveModelJson(
    location,
    (path) =>
      `Expected a saved model folder at ${path} (with ${modelJsonName} and ${weightsName}), but it does not exist. ` +
      'Pass a folder written by `gan train` or saveModel().',
  );
  return folder;
}
