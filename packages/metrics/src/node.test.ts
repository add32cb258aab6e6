import '@tensorflow/tfjs-backend-cpu';
import { existsSync, mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { createRandom } from '@gan/core';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { beforeAll, describe, expect, it } from 'vitest';
import { digitClassifier, featureAndProbabilityModel } from './digit-classifier.js';
import {
  emojiCategories,
  emojiClassifier,
  emojiFeatureLayerName,
  emojiProbabilityLayerName,
} from './emoji-classifier.js';
import { extractFeatures } from './extract-features.js';
import {
  digitClassifierPath,
  emojiClassifierPath,
  loadDigitClassifier,
  loadEmojiClassifier,
  loadInceptionGraphModel,
  modelFileHandler,
} from './node.js';
import { hasMnist, mnistDir } from './testing/mnist.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

/** 200 of the 2000 t10k digits that scripts/train-digit-classifier.mjs held out (same seeded shuffle). */
function heldOutDigits(): { images: tf.Tensor4D; labels: Int32Array } {
  const images = gunzipSync(readFileSync(join(mnistDir, 't10k-images-idx3-ubyte.gz'))).subarray(16);
  const labels = gunzipSync(readFileSync(join(mnistDir, 't10k-labels-idx1-ubyte.gz'))).subarray(8);
  const order = createRandom(7).shuffle(Array.from({ length: 10000 }, (_, i) => i)) as number[];
  const picked = order.slice(8000, 8200);
  const pixels = new Float32Array(200 * 784);
  picked.forEach((index, row) => {
    for (let p = 0; p < 784; p++) pixels[row * 784 + p] = images[index * 784 + p]! / 255;
  });
  return { images: tf.tensor4d(pixels, [200, 28, 28, 1]), labels: Int32Array.from(picked, (index) => labels[index]!) };
}

describe('the shipped digit classifier', () => {
  it.skipIf(!hasMnist)(`loads from the package and classifies held-out MNIST digits (needs ${mnistDir})`, async () => {
    expect(existsSync(join(digitClassifierPath(), 'weights.bin'))).toBe(true);
    const classifier = await loadDigitClassifier();
    const both = featureAndProbabilityModel(classifier);
    const { images, labels } = heldOutDigits();
    const { features, probabilities } = extractFeatures(both, images, { batchSize: 64 });
    expect(features.shape).toEqual([200, 64]);
    expect(probabilities?.shape).toEqual([200, 10]);
    const predicted = await tf.argMax(probabilities!, 1).data();
    const correct = Array.from(predicted).filter((label, i) => label === labels[i]).length;
    expect(correct / 200).toBeGreaterThan(0.93);
    const rowSums = await tf.sum(probabilities!, 1).data();
    for (const sum of rowSums) expect(sum).toBeCloseTo(1, 5);
    tf.dispose([images, features, probabilities!]);
    classifier.dispose();
  });

  it('names its layers so that features and probabilities can be taken from a model built by hand', () => {
    const model = digitClassifier({ featureDim: 16 });
    const both = featureAndProbabilityModel(model);
    expect(both.outputs.map((output) => output.shape)).toEqual([
      [null, 16],
      [null, 10],
    ]);
    expect(() => featureAndProbabilityModel(model, 'pool9')).toThrow(/layer named "pool9".*conv1/);
    model.dispose();
  });
});

/** `count` 64×64 RGB images in [0, 1]: white with a coloured disc that moves and changes colour with the index. */
function colourDiscs(count: number): tf.Tensor4D {
  const values = new Float32Array(count * 64 * 64 * 3).fill(1);
  for (let n = 0; n < count; n++) {
    const [cx, cy, r] = [24 + ((n * 5) % 16), 28 + ((n * 3) % 10), 12 + (n % 10)];
    for (let y = 0; y < 64; y++) {
      for (let x = 0; x < 64; x++) {
        if ((x - cx) ** 2 + (y - cy) ** 2 >= r * r) continue;
        values.set(
          [(n * 53) % 256, (n * 97) % 256, (n * 29) % 256].map((v) => v / 255),
          ((n * 64 + y) * 64 + x) * 3,
        );
      }
    }
  }
  return tf.tensor4d(values, [count, 64, 64, 3]);
}

describe('the shipped emoji classifier', () => {
  it('loads from the package, small, with its training record, and gives 128 features and 9 probabilities', async () => {
    const weights = join(emojiClassifierPath(), 'weights.bin');
    expect(statSync(weights).size).toBeLessThan(1.5e6);
    const classifier = await loadEmojiClassifier();
    const metadata = classifier.getUserDefinedMetadata() as Record<string, unknown>;
    expect(metadata.categories).toEqual(emojiCategories);
    expect(metadata.heldOutAccuracy).toBeGreaterThan(0.7);
    expect(metadata.balancedAccuracy).toBeGreaterThan(0.5);
    expect(metadata.trainedOn).toContain('emoji-datasource-google@16.0.0');
    const both = featureAndProbabilityModel(classifier, emojiFeatureLayerName, emojiProbabilityLayerName);
    const images = colourDiscs(12);
    const { features, probabilities } = extractFeatures(both, images, { batchSize: 5 });
    expect(features.shape).toEqual([12, 128]);
    expect(probabilities?.shape).toEqual([12, 9]);
    const rowSums = await tf.sum(probabilities!, 1).data();
    for (const sum of rowSums) expect(sum).toBeCloseTo(1, 5);
    // Inference is deterministic (batch normalisation uses its moving statistics, dropout is off) and per image.
    const again = extractFeatures(both, tf.slice(images, [3, 0, 0, 0], [4, 64, 64, 3]), { batchSize: 4 });
    const expected = tf.slice(features, [3, 0], [4, 128]);
    expect(tf.max(tf.abs(tf.sub(again.features, expected))).dataSync()[0]).toBeLessThan(1e-4);
    // Different images give different features.
    const [one, two] = [0, 1].map((row) => tf.slice(features, [row, 0], [1, 128]));
    expect(tf.max(tf.abs(tf.sub(one!, two!))).dataSync()[0]).toBeGreaterThan(0);
    tf.dispose([images, features, probabilities!, again.features, again.probabilities!, expected, one!, two!]);
    classifier.dispose();
  });

  it('is built by emojiClassifier() with named feature and softmax layers and seeded weights', () => {
    const model = emojiClassifier({ seed: 3 });
    expect(model.inputs[0]!.shape).toEqual([null, 64, 64, 3]);
    expect(model.countParams()).toBe(361593);
    const both = featureAndProbabilityModel(model, emojiFeatureLayerName, emojiProbabilityLayerName);
    expect(both.outputs.map((output) => output.shape)).toEqual([
      [null, 128],
      [null, 9],
    ]);
    const same = emojiClassifier({ seed: 3 });
    const [first, second] = [model, same].map((m) => m.getLayer('conv1').getWeights()[0]!);
    expect(tf.max(tf.abs(tf.sub(first!, second!))).dataSync()[0]).toBe(0);
    model.dispose();
    same.dispose();
  });
});

describe('modelFileHandler and loadInceptionGraphModel', () => {
  it('round-trips a layers model written in the tfjs file layout', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gan-metrics-'));
    const model = tfl.sequential({ layers: [tfl.layers.dense({ units: 2, inputShape: [3] })] });
    await model.save({
      save: async (artifacts) => {
        const { writeFileSync } = await import('node:fs');
        writeFileSync(
          join(dir, 'model.json'),
          JSON.stringify({
            modelTopology: artifacts.modelTopology,
            weightsManifest: [{ paths: ['group1-shard1of1.bin'], weights: artifacts.weightSpecs }],
          }),
        );
        writeFileSync(join(dir, 'group1-shard1of1.bin'), new Uint8Array(artifacts.weightData as ArrayBuffer));
        return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
      },
    });
    const loaded = await tfl.loadLayersModel(modelFileHandler(join(dir, 'model.json')));
    const input = tf.tensor2d([[1, 2, 3]]);
    const expected = await (model.predict(input) as tf.Tensor).data();
    const got = await (loaded.predict(input) as tf.Tensor).data();
    expect([...got]).toEqual([...expected]);
  });

  it('says what is missing when there is no model', async () => {
    await expect(loadInceptionGraphModel('/nonexistent/inception')).rejects.toThrow(
      /Expected a tfjs model .* at \/nonexistent\/inception/,
    );
    const dir = mkdtempSync(join(tmpdir(), 'gan-metrics-'));
    await expect(loadInceptionGraphModel(dir)).rejects.toThrow(/model.json does not exist/);
  });
});
