// Measures whether a generator trained on the built-in shapes makes recognisable shapes: draws 256 samples
// (the run's noise kind, seed --seed), classifies them with the shapes classifier trained by
// train-shapes-classifier.mjs, and prints the share classified as a shape with confidence ≥ 0.9 and the classes
// covered (the classifier's seventh class, "other", catches blobs and noise).
//
//   node bench/first-run/check-shapes.mjs [--from runs/cgan-shapes] [--count 256] [--seed 0] [--untrained] [--ema]
//
// --ema measures the run's moving-average generator (generator-ema/, from gan train --ema) instead of generator/.
// --untrained measures a freshly initialised generator of the same architecture instead (the baseline a
// check must fail). The figures are printed, never asserted: the target (≥ 90 %, every class) is judged by
// whoever runs it. Build the packages first (npm run build).
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { initBackend } from '@gan/backend';
import { createRandom } from '@gan/core';
import { SHAPE_CLASS_NAMES } from '@gan/data';
import { createGan } from '@gan/models';
import { loadModel } from '@gan/models/node';
import * as tf from '@tensorflow/tfjs-core';
import { classifierSize } from './shapes-classifier.mjs';

const here = fileURLToPath(new URL('.', import.meta.url));
const { values } = parseArgs({
  options: {
    from: { type: 'string', default: 'runs/cgan-shapes' },
    count: { type: 'string', default: '256' },
    seed: { type: 'string', default: '0' },
    threshold: { type: 'string', default: '0.9' },
    classifier: { type: 'string', default: resolve(here, 'shapes-classifier') },
    untrained: { type: 'boolean', default: false },
    ema: { type: 'boolean', default: false },
  },
});
tf.env().set('PROD', true);
await initBackend({ prefer: 'wasm' });
const config = JSON.parse(readFileSync(join(values.from, 'config.json'), 'utf8'));
const generator = values.untrained
  ? createGan(config.model, { ...config.modelConfig, seed: 12345 }).generator
  : await loadModel(join(values.from, values.ema ? 'generator-ema' : 'generator'));
const classifier = await loadModel(values.classifier);
const count = Number(values.count);
const latentDim = config.info.latentDim;
const random = createRandom(Number(values.seed));
const z =
  config.training.noise === 'uniform' ? random.uniform(count * latentDim, -1, 1) : random.normal(count * latentDim);
const [low, high] = config.info.outputRange ?? config.data.range;
// A conditional generator gets the labels `gan sample` gives by default: the classes in turn.
const numClasses = config.info.numClasses;
const wanted = Array.from({ length: count }, (_, i) => (config.info.conditional ? i % numClasses : -1));
const probabilities = tf.tidy(() => {
  const noise = tf.tensor2d(z, [count, latentDim]);
  const inputs = config.info.conditional
    ? [noise, tf.cast(tf.oneHot(tf.tensor1d(wanted, 'int32'), numClasses), 'float32')]
    : noise;
  let images = generator.predict(inputs, { batchSize: 64 });
  images = tf.div(tf.sub(images, low), high - low); // to [0, 1], the classifier's range
  if (images.shape[3] !== 1) images = tf.mean(images, 3, true);
  if (images.shape[1] !== classifierSize) {
    images = tf.image.resizeBilinear(images, [classifierSize, classifierSize], false, true);
  }
  return classifier.predict(images);
});
const values2d = await probabilities.array();
const threshold = Number(values.threshold);
// The classifier's seventh class, "other", is what is not a shape (blobs, grey fields, speckle):
// a sample counts only when a shape class has probability ≥ threshold.
const perClass = new Array(SHAPE_CLASS_NAMES.length).fill(0);
let confident = 0;
let other = 0;
let asAsked = 0;
for (const [i, row] of values2d.entries()) {
  const best = row.indexOf(Math.max(...row));
  if (best >= SHAPE_CLASS_NAMES.length) other++;
  else if (row[best] >= threshold) {
    confident++;
    perClass[best]++;
    if (best === wanted[i]) asAsked++;
  }
}
const covered = perClass.filter((n) => n > 0).length;
const meta = classifier.getUserDefinedMetadata?.() ?? {};
console.log(
  `generator: ${values.untrained ? `untrained ${config.model} (same architecture as ${values.from})` : join(values.from, values.ema ? 'generator-ema' : 'generator')}`,
);
console.log(
  `classifier: ${values.classifier} (held-out accuracy ${((meta.heldOutAccuracy ?? Number.NaN) * 100).toFixed(2)}% on ${meta.heldOutCount} shapes)`,
);
console.log(
  `confident (p ≥ ${threshold}): ${confident}/${count} = ${((100 * confident) / count).toFixed(1)}%  (target ≥ 90%)`,
);
console.log(`classified as "other" (not a shape): ${other}/${count}`);
console.log(
  `classes covered: ${covered}/${SHAPE_CLASS_NAMES.length}  (${SHAPE_CLASS_NAMES.map((name, i) => `${name} ${perClass[i]}`).join(', ')})`,
);
if (config.info.conditional) {
  console.log(
    `conditional: samples asked for class i mod ${numClasses}; confident and of the class asked for: ${asAsked}/${count} = ${((100 * asAsked) / count).toFixed(1)}%`,
  );
}
process.exit(0);
