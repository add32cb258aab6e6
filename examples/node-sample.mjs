// Samples a trained generator (a folder with model.json + weights.bin, e.g. `gan train --out run`
// writes run/generator/) and writes a PNG grid. Uses the published @gan API only.
//
//   node examples/node-sample.mjs run/generator samples.png [count] [seed] [normal|uniform]
//
// The noise must be the kind the generator was trained on: `gan train` records it in the run's
// config.json (training.noise; uniform for dcgan-mnist), which is read when no kind is given.
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { initBackend } from '@gan/backend';
import { createRandom } from '@gan/core';
import { encodePng } from '@gan/data/node';
import { ganInfo } from '@gan/models';
import { loadModel } from '@gan/models/node';
import { imageGrid } from '@gan/train';
import * as tf from '@tensorflow/tfjs-core';

const [folder, output = 'samples.png', countText = '64', seedText = '0', noiseArgument] = process.argv.slice(2);
if (!folder) {
  console.error('Usage: node examples/node-sample.mjs <generator folder> [out.png] [count] [seed] [normal|uniform]');
  process.exit(2);
}
/** The noise kind: the argument, else the run's config.json (one folder up), else normal. */
async function noiseKind() {
  if (noiseArgument) return noiseArgument;
  try {
    const config = JSON.parse(await readFile(join(folder, '..', 'config.json'), 'utf8'));
    return config.training?.noise ?? 'normal';
  } catch {
    return 'normal';
  }
}
const noise = await noiseKind();
const count = Number(countText);
const seed = Number(seedText);

const backend = await initBackend({ prefer: process.env.GAN_BACKEND ?? 'wasm' });
const generator = await loadModel(folder);
// What the generator expects (latent size, classes, output range) travels in model.json.
const info = ganInfo({ generator });
console.log(`${info.name}: z ${info.latentDim} (${noise}) → [${info.imageShape.join(', ')}] on ${backend.name}`);

const random = createRandom(seed);
const size = count * info.latentDim;
const values = noise === 'uniform' ? random.uniform(size, -1, 1) : random.normal(size, 0, 1);
const z = tf.tensor2d(values, [count, info.latentDim]);
const inputs = info.numClasses
  ? [
      z,
      tf.cast(
        tf.oneHot(
          tf.tensor1d(
            Array.from({ length: count }, (_, i) => i % info.numClasses),
            'int32',
          ),
          info.numClasses,
        ),
        'float32',
      ),
    ]
  : z;
const samples = generator.predict(inputs);

if (samples.rank !== 4) {
  // A 2-D point generator: print the points as CSV instead of an image.
  const points = await samples.array();
  console.log(`x,y\n${points.map((p) => p.join(',')).join('\n')}`);
} else {
  const columns = info.numClasses ?? Math.ceil(Math.sqrt(count));
  const grid = imageGrid(samples, { range: info.outputRange ?? [-1, 1], columns });
  const [height, width, channels] = grid.shape;
  const bytes = Uint8Array.from(await grid.data(), (v) => Math.round(v * 255));
  await writeFile(output, await encodePng(bytes, width, height, channels));
  console.log(`Wrote ${output} (${count} samples, ${width}×${height}).`);
  grid.dispose();
}
tf.dispose([z, samples, inputs]);
