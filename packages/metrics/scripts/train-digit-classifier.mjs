// Trains the digit classifier of @gan/metrics (the feature network for 28×28×1 images) with the project's own
// code and saves it to packages/metrics/weights/digit-classifier (model.json + weights.bin).
//
//   node packages/metrics/scripts/train-digit-classifier.mjs [--data DIR] [--epochs N] [--out DIR]
//
// --data defaults to ../shared/data/mnist beside the repository (the shared data folder).
//
// Only the 10 000 MNIST t10k digits are on this machine, so it trains on the first 8000 of them and measures
// accuracy on the last 2000 (held out, never seen in training). With the 60k train files in --data it
// trains on those and reports accuracy on the whole t10k set... only if both are there; here it uses what
// `mnist()` finds and says which split in its log. Build @gan/metrics, @gan/data, @gan/backend and @gan/models first.
import { relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { initBackend, registerTrainingKernels } from '@gan/backend';
import { createRandom } from '@gan/core';
import { mnist } from '@gan/data/node';
import { digitClassifier } from '@gan/metrics';
import { saveModel } from '@gan/models/node';
import * as tf from '@tensorflow/tfjs-core';

const here = fileURLToPath(new URL('.', import.meta.url));
const repositoryRoot = resolve(here, '../../..');
const { values } = parseArgs({
  options: {
    data: { type: 'string', default: resolve(repositoryRoot, '../shared/data/mnist') },
    epochs: { type: 'string', default: '8' },
    holdout: { type: 'string', default: '2000' },
    seed: { type: 'string', default: '7' },
    out: { type: 'string', default: resolve(here, '../weights/digit-classifier') },
  },
});

const backend = await initBackend({ prefer: 'wasm' });
registerTrainingKernels();
console.log(`backend: ${backend.name}`);
const data = await mnist({ dir: values.data, range: [0, 1], log: console.log });
const holdout = Number(values.holdout);
const trainCount = data.size - holdout;
const pixels = 28 * 28;

// Shuffle once with a seeded permutation, then split: the last `holdout` examples are never trained on.
const random = createRandom(Number(values.seed));
const order = random.shuffle(Array.from({ length: data.size }, (_, i) => i));
const images = new Float32Array(data.size * pixels);
const labels = new Int32Array(data.size);
// mnist() keeps pixel bytes (0–255) in a Uint8Array and maps them to its range only when batching.
const scale = data.x instanceof Uint8Array ? 1 / 255 : 1;
order.forEach((from, to) => {
  for (let p = 0; p < pixels; p++) images[to * pixels + p] = data.x[from * pixels + p] * scale;
  labels[to] = data.labels[from];
});
const tensors = (start, end) => ({
  x: tf.tensor4d(images.subarray(start * pixels, end * pixels), [end - start, 28, 28, 1]),
  y: tf.cast(tf.oneHot(tf.tensor1d(labels.subarray(start, end), 'int32'), 10), 'float32'),
});
const train = tensors(0, trainCount);
const test = tensors(trainCount, data.size);

tf.util.seedrandom?.(values.seed);
const model = digitClassifier();
model.compile({ optimizer: tf.train.adam(0.002), loss: 'categoricalCrossentropy', metrics: ['accuracy'] });
const started = Date.now();
await model.fit(train.x, train.y, {
  epochs: Number(values.epochs),
  batchSize: 64,
  shuffle: true,
  verbose: 0,
  callbacks: {
    onEpochEnd: (epoch, logs) =>
      console.log(`epoch ${epoch + 1}: loss ${logs.loss.toFixed(4)}, train accuracy ${logs.acc.toFixed(4)}`),
  },
});
const predicted = tf.tidy(() => tf.argMax(model.predict(test.x), -1));
const truth = tf.tidy(() => tf.argMax(test.y, -1));
const correct = (await tf.tidy(() => tf.sum(tf.cast(tf.equal(predicted, truth), 'int32'))).data())[0];
const accuracy = correct / holdout;
console.log(
  `held-out accuracy: ${(accuracy * 100).toFixed(2)}% (${correct}/${holdout}) after ${values.epochs} epochs on ` +
    `${trainCount} digits, ${((Date.now() - started) / 1000).toFixed(0)} s on ${backend.name}`,
);
model.setUserDefinedMetadata?.({
  // The data folder relative to the repository, so that no machine's absolute path lands in the weights' metadata.
  trainedOn: `${data.source.replaceAll(resolve(values.data), relative(repositoryRoot, resolve(values.data)))}; shuffled with seed ${values.seed}, first ${trainCount} for training`,
  heldOutAccuracy: accuracy,
  heldOutCount: holdout,
  epochs: Number(values.epochs),
});
await saveModel(model, values.out);
console.log(`saved to ${values.out}`);
process.exit(0);
