import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { GanError } from '@gan/core';
import { resolveModelJson } from '@gan/core/node';
import * as tf from '@tensorflow/tfjs-core';

/**
 * A read-only tfjs IOHandler for a model saved in the tfjs web format on disk — a layers model or a graph
 * model (the output of `tensorflowjs_converter`): `model.json` plus every weight shard its manifest lists, which
 * may be several files. `location` is the folder, the `model.json` path or a `file://` URL.
 */
export function modelFileHandler(location: string): tf.io.IOHandler {
  return {
    async load() {
      const { folder, modelJson: path } = await resolveModelJson(location);
      let json: tf.io.ModelJSON;
      try {
        json = JSON.parse(await readFile(path, 'utf8')) as tf.io.ModelJSON;
      } catch (cause) {
        const missing = (cause as NodeJS.ErrnoException).code === 'ENOENT';
        throw new GanError(
          missing ? 'NOT_FOUND' : 'CORRUPT_FILE',
          missing
            ? `${path} does not exist. Pass the folder of a tfjs model (model.json + weight shards).`
            : `${path} is not valid JSON: ${(cause as Error).message}. Convert or download the model again.`,
          { cause },
        );
      }
      if (typeof json !== 'object' || json === null || typeof json.modelTopology !== 'object') {
        throw new GanError('CORRUPT_FILE', `${path} has no modelTopology: it is not a tfjs model.json.`);
      }
      return tf.io.getModelArtifactsForJSON(json, async (manifest) => {
        const specs: tf.io.WeightsManifestEntry[] = [];
        const buffers: Uint8Array[] = [];
        for (const group of manifest) {
          for (const file of group.paths) {
            try {
              buffers.push(await readFile(join(folder, file)));
            } catch (cause) {
              throw new GanError(
                'NOT_FOUND',
                `${join(folder, file)} is listed in ${path} but cannot be read. Copy every weight shard next to model.json.`,
                { cause },
              );
            }
          }
          specs.push(...group.weights);
        }
        const joined = new Uint8Array(buffers.reduce((sum, buffer) => sum + buffer.byteLength, 0));
        let offset = 0;
        for (const buffer of buffers) {
          joined.set(buffer, offset);
          offset += buffer.byteLength;
        }
        return [specs, joined.buffer];
      });
    },
  };
}
