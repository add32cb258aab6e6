// Trains the shapes classifier (shapes-classifier.mjs) on the built-in `shapes` set with the project's own code
// and saves it to bench/first-run/shapes-classifier/ (model.json + weights.bin, ~100 KB).
//
//   node bench/first-run/train-shapes-classifier.mjs [--count 12000] [--epochs 6] [--seed 11]
//
// Trains on `--count` shapes drawn with seed `--seed` and measures accuracy on 3000 shapes drawn with another seed
// (never seen in training), plus a seventh class, "other" (blobs, grey fields, speckle).
// Build the packages first (npm run build).
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { initBackend, registerTrainingKernels } from '@gan/backend';
import { createRandom } from '@gan/core';
import { SHAPE_CLASS_NAMES, shapes } from '@gan/data';
import { saveModel } from '@gan/models/node';
import * as tf from '@tensorflow/tfjs-core';
import { classifierSize, shapesClassifier } from './shapes-classifier.mjs';

const here = fileURLToPath(new URL('.', import.meta.url));
const { values } = parseArgs({
  options: {
    count: { type: 'string', default: '12000' },
    epochs: { type: 'string', default: '6' },
    seed: { type: 'string', default: '11' },
    out: { type: 'string', default: resolve(here, 'shapes-classifier') },
  },
});
const backend = await initBackend({ prefer: 'wasm' });
registerTrainingKernels();
// Six shape classes and a seventh, "other": what a generator makes before it makes shapes (blobs, grey fields,
// speckle). Without it a classifier of shapes calls any white blob a square with
// full confidence, and the check would pass a generator that draws blobs.
const numClasses = SHAPE_CLASS_NAMES.length + 1;
const otherLabel = SHAPE_CLASS_NAMES.length;

/** `count` images of the "other" class, [count, 32, 32, 1] in [0, 1]. */
function others(count, seed) {
  const random = createRandom(seed);
  return tf.tidy(() => {
    const kinds = [];
    const per = Math.ceil(count / 3);
    // Blobs: smoothed noise, thresholded softly at a random level.
    const noise = tf.randomNormal([per, classifierSize, classifierSize, 1], 0, 1, 'float32', random.int(1e9));
    const smooth = tf.avgPool(tf.avgPool(noise, 5, 1, 'same'), 5, 1, 'same');
    const level = tf.randomUniform([per, 1, 1, 1], 0, 0.25, 'float32', random.int(1e9));
    kinds.push(tf.sigmoid(tf.mul(tf.sub(smooth, level), 25)));
    // Grey fields with speckle.
    const grey = tf.randomUniform([per, 1, 1, 1], 0.1, 0.9, 'float32', random.int(1e9));
    const speckle = tf.randomNormal([per, classifierSize, classifierSize, 1], 0, 0.15, 'float32', random.int(1e9));
    kinds.push(tf.clipByValue(tf.add(grey, speckle), 0, 1));
    // Speckle: sparse white dots on black.
    const dots = tf.randomUniform([per, classifierSize, classifierSize, 1], 0, 1, 'float32', random.int(1e9));
    kinds.push(tf.cast(tf.greater(dots, 0.85), 'float32'));
    return tf.slice(tf.concat(kinds, 0), 0, count);
  });
}

function tensors(count, seed) {
  const data = shapes({ count, size: classifierSize, seed });
  const otherCount = Math.round(count / SHAPE_CLASS_NAMES.length);
  const labels = new Int32Array(count + otherCount).fill(otherLabel);
  labels.set(data.labels);
  return tf.tidy(() => {
    const shapeImages = tf.div(tf.tensor4d(data.x, [count, classifierSize, classifierSize, 1], 'float32'), 255);
    return {
      x: tf.concat([shapeImages, others(otherCount, seed + 7)], 0),
      y: tf.cast(tf.oneHot(tf.tensor1d(labels, 'int32'), numClasses), 'float32'),
      labels: tf.tensor1d(labels, 'int32'),
      count: count + otherCount,
    };
  });
}
const seed = Number(values.seed);
const train = tensors(Number(values.count), seed);
const heldOut = tensors(3000, seed + 1000);

tf.util.seedrandom?.(values.seed);
const model = shapesClassifier(numClasses);
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
const correct = tf.tidy(
  () => tf.sum(tf.cast(tf.equal(tf.argMax(model.predict(heldOut.x), -1), heldOut.labels), 'int32')).dataSync()[0],
);
const accuracy = correct / heldOut.count;
console.log(
  `held-out accuracy: ${(accuracy * 100).toFixed(2)}% (${correct}/${heldOut.count} images: 3000 shapes drawn with seed ${seed + 1000} and 500 "other") after ` +
    `${values.epochs} epochs on ${values.count} shapes (seed ${seed}), ${((Date.now() - started) / 1000).toFixed(0)} s on ${backend.name}`,
);
model.setUserDefinedMetadata({
  classNames: [...SHAPE_CLASS_NAMES, 'other'],
  trainedOn: `${values.count} built-in shapes of ${classifierSize}×${classifierSize}, seed ${seed}`,
  heldOutAccuracy: accuracy,
  heldOutCount: heldOut.count,
});
await saveModel(model, values.out);
console.log(`saved to ${values.out}`);
process.exit(0);
