import { existsSync, readFileSync } from 'node:fs';
import { extname } from 'node:path';
import { parseArgs } from 'node:util';
import { initBackend, registerTrainingKernels } from '@gan/backend';
import { createRandom, GanError } from '@gan/core';
import { decodeNpy, encodeNpy, scatterPlot } from '@gan/data';
import { loadModel } from '@gan/models/node';
import { imageGrid } from '@gan/train';
import * as tf from '@tensorflow/tfjs-core';
import { backendFlag, integerFlag } from './args.js';
import { toRaster } from './images.js';
import { readRunConfig } from './run/config.js';
import { runPaths, writeFileAtomic, writePng } from './run/files.js';
import { generatorToRead } from './run/lock.js';

export const sampleUsage = `gan sample --from DIR [options]

Draws samples from the generator saved by "gan train" in DIR.

  --from DIR       run folder written by gan train (required)
  --ema            sample the generator's moving average (generator-ema/, from gan train --ema)
  --count N        number of samples (default 64)
  --noise FILE     the latent vectors to use instead of drawing them: a .npy of float32 (N, latentDim), e.g. the
                   z given to a PyTorch generator (the count is N)
  --out FILE       .png (a grid) or .npy (float32 (N, H, W, C) in [0, 1]) (default samples.png)
  --label K        class index for a conditional model (default: cycle through the classes)
  --seed N         noise seed (default random)
  --backend NAME   auto | tensorflow | webgpu | wasm | cpu (default auto)`;

/** Draws generator noise the way the run was trained: N(0, 1) or U(-1, 1). */
export function drawNoise(count: number, latentDim: number, kind: 'normal' | 'uniform', seed?: number): tf.Tensor2D {
  const random = createRandom(seed);
  const values = kind === 'uniform' ? random.uniform(count * latentDim, -1, 1) : random.normal(count * latentDim);
  return tf.tensor2d(values, [count, latentDim]);
}

/** The latent vectors of a .npy file (N, latentDim), checked against the generator's latent size. */
function readNoise(path: string, latentDim: number): tf.Tensor2D {
  if (!existsSync(path)) throw new GanError('NOT_FOUND', `--noise "${path}" does not exist.`);
  const { data, shape } = decodeNpy(new Uint8Array(readFileSync(path)), `--noise "${path}"`);
  if (shape.length !== 2 || shape[1] !== latentDim || shape[0] === 0) {
    throw new GanError(
      'SHAPE_MISMATCH',
      `--noise "${path}" has shape [${shape.join(', ')}]; this generator takes (N, ${latentDim}): N latent vectors of ${latentDim}.`,
    );
  }
  if (!data.every(Number.isFinite))
    throw new GanError('INVALID_ARGUMENT', `--noise "${path}" holds NaN or infinite values.`);
  return tf.tensor2d(data, [shape[0]!, latentDim]);
}

export async function sampleCommand(argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    strict: true,
    options: {
      from: { type: 'string' },
      count: { type: 'string' },
      noise: { type: 'string' },
      out: { type: 'string' },
      label: { type: 'string' },
      seed: { type: 'string' },
      backend: { type: 'string' },
      ema: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    console.log(sampleUsage);
    return;
  }
  if (!values.from)
    throw new GanError(
      'INVALID_ARGUMENT',
      `gan sample needs --from DIR (a folder written by gan train).\n\n${sampleUsage}`,
    );
  if (values.noise !== undefined && values.count !== undefined) {
    throw new GanError('INVALID_ARGUMENT', '--noise gives the latent vectors and so their count: leave out --count.');
  }
  let count = integerFlag(values.count, 'count', 64);
  const out = values.out ?? 'samples.png';
  const format = extname(out).toLowerCase();
  if (format !== '.png' && format !== '.npy') {
    throw new GanError('INVALID_ARGUMENT', `--out must end in .png or .npy, got "${out}".`);
  }
  const seed = values.seed === undefined ? undefined : integerFlag(values.seed, 'seed', 0, 0);
  const config = readRunConfig(values.from);
  const { info } = config;
  let label: number | undefined;
  if (values.label !== undefined) {
    if (!info.conditional)
      throw new GanError(
        'INVALID_ARGUMENT',
        '--label works only with a conditional model (cgan, acgan, projection-gan); this run is not conditional.',
      );
    label = integerFlag(values.label, 'label', 0, 0);
    if (label >= (info.numClasses ?? 0)) {
      throw new GanError(
        'INVALID_ARGUMENT',
        `--label must be in 0..${(info.numClasses ?? 1) - 1} for this model, got ${label}.`,
      );
    }
  }

  const generatorPath = values.ema
    ? runPaths(values.from).generatorEma
    : generatorToRead(values.from, runPaths(values.from).generator, (line) => console.error(line));
  if (values.ema && !existsSync(generatorPath)) {
    throw new GanError(
      'NOT_FOUND',
      `No generator-ema/ in "${values.from}": the run keeps no moving average of its generator (or has not finished an epoch yet). ` +
        'Drop --ema to sample its generator, or train with gan train --ema 0.999.',
    );
  }

  await initBackend(backendFlag(values.backend));
  registerTrainingKernels();
  const generator = await loadModel(generatorPath);
  let noise: tf.Tensor2D;
  if (values.noise !== undefined) {
    noise = readNoise(values.noise, info.latentDim);
    count = noise.shape[0];
  } else noise = drawNoise(count, info.latentDim, config.training?.noise ?? 'normal', seed);
  let labels: tf.Tensor2D | undefined;
  if (info.conditional) {
    const k = info.numClasses!;
    const indices = Array.from({ length: count }, (_, i) => label ?? i % k);
    labels = tf.tidy(() => tf.cast(tf.oneHot(tf.tensor1d(indices, 'int32'), k), 'float32')) as tf.Tensor2D;
  }
  // Images are mapped to [0, 1]; points (a generator without a bounded output range) stay as they are.
  const range = info.outputRange;
  const images = tf.tidy(() => {
    const output = generator.predict(labels ? [noise, labels] : noise) as tf.Tensor;
    return range ? tf.clipByValue(tf.div(tf.sub(output, range[0]), range[1] - range[0]), 0, 1) : output;
  });
  noise.dispose();
  labels?.dispose();

  if (format === '.npy') {
    const data = (await images.data()) as Float32Array;
    await writeFileAtomic(out, encodeNpy(data, images.shape));
  } else if (images.rank === 4) {
    const grid = imageGrid(images as tf.Tensor4D, { range: [0, 1] });
    await writePng(out, await toRaster(grid));
    grid.dispose();
  } else {
    await writePng(out, scatterPlot((await images.data()) as Float32Array));
  }
  images.dispose();
  console.log(`wrote ${count} samples to ${out}`);
}
