import { extname } from 'node:path';
import { parseArgs } from 'node:util';
import { initBackend, registerTrainingKernels } from '@gan/backend';
import { createRandom, GanError } from '@gan/core';
import { interpolate } from '@gan/models';
import { loadModel } from '@gan/models/node';
import { imageGrid } from '@gan/train';
import * as tf from '@tensorflow/tfjs-core';
import { backendFlag, choiceFlag, integerFlag } from './args.js';
import { toRaster } from './images.js';
import { readRunConfig } from './run/config.js';
import { runPaths, writePng } from './run/files.js';

export const interpolateUsage = `gan interpolate --from DIR [options]

Walks the generator's latent space between random noise vectors and draws one row per walk.

  --from DIR        run folder written by gan train (required)
  --steps N         images per row, both ends included (default 8)
  --rows R          rows, each between two new random vectors (default 1)
  --method NAME     slerp | lerp (default slerp)
  --labels A,B      conditional models: move from class A to class B (default: row r keeps class r mod classes)
  --seed N          noise seed (default random)
  --out FILE        .png (default interpolation.png)
  --backend NAME    auto | tensorflow | webgpu | wasm | cpu (default auto)`;

function oneHot(index: number, classes: number): tf.Tensor1D {
  const values = new Float32Array(classes);
  values[index] = 1;
  return tf.tensor1d(values);
}

function classPair(value: string, classes: number): [number, number] {
  const parts = value.split(',').map((part) => Number(part.trim()));
  if (parts.length !== 2 || parts.some((part) => !Number.isInteger(part) || part < 0 || part >= classes)) {
    throw new GanError(
      'INVALID_ARGUMENT',
      `Expected --labels A,B with two class indices in 0..${classes - 1}, got "${value}".`,
    );
  }
  return parts as [number, number];
}

export async function interpolateCommand(argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    strict: true,
    options: {
      from: { type: 'string' },
      steps: { type: 'string' },
      rows: { type: 'string' },
      method: { type: 'string' },
      labels: { type: 'string' },
      seed: { type: 'string' },
      out: { type: 'string' },
      backend: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    console.log(interpolateUsage);
    return;
  }
  if (!values.from) {
    throw new GanError(
      'INVALID_ARGUMENT',
      `gan interpolate needs --from DIR (a folder written by gan train).\n\n${interpolateUsage}`,
    );
  }
  const steps = integerFlag(values.steps, 'steps', 8, 2);
  const rows = integerFlag(values.rows, 'rows', 1);
  const method = choiceFlag(values.method, 'method', ['slerp', 'lerp'] as const, 'slerp');
  const seed = values.seed === undefined ? undefined : integerFlag(values.seed, 'seed', 0, 0);
  const out = values.out ?? 'interpolation.png';
  if (extname(out).toLowerCase() !== '.png') {
    throw new GanError('INVALID_ARGUMENT', `--out must end in .png, got "${out}".`);
  }
  const config = readRunConfig(values.from);
  const { info } = config;
  if (!info.outputRange) {
    throw new GanError(
      'UNSUPPORTED',
      'This run makes points, not images; interpolation strips need an image generator. Use gan sample to plot points.',
    );
  }
  if (values.labels !== undefined && !info.conditional) {
    throw new GanError(
      'INVALID_ARGUMENT',
      '--labels works only with a conditional model (cgan); this run is not conditional.',
    );
  }
  const classes = info.numClasses ?? 0;
  const pair = values.labels === undefined ? undefined : classPair(values.labels, classes);

  await initBackend(backendFlag(values.backend));
  registerTrainingKernels();
  const generator = await loadModel(runPaths(values.from).generator);
  const random = createRandom(seed);
  const draw = () => {
    const kind = config.training?.noise ?? 'normal';
    const noise = kind === 'uniform' ? random.uniform(info.latentDim, -1, 1) : random.normal(info.latentDim);
    return tf.tensor1d(noise);
  };
  const strips: tf.Tensor[] = [];
  for (let row = 0; row < rows; row++) {
    const [z0, z1] = [draw(), draw()];
    const labels = info.conditional ? oneHot(pair?.[0] ?? row % classes, classes) : undefined;
    const toLabels = info.conditional && pair ? oneHot(pair[1], classes) : undefined;
    strips.push(interpolate(generator, z0, z1, steps, { method, labels, toLabels }));
    tf.dispose([z0, z1, ...(labels ? [labels] : []), ...(toLabels ? [toLabels] : [])]);
  }
  const images = tf.concat(strips) as tf.Tensor4D;
  tf.dispose(strips);
  const grid = imageGrid(images, { columns: steps, range: info.outputRange });
  await writePng(out, await toRaster(grid));
  tf.dispose([images, grid]);
  console.log(`wrote ${rows} row${rows === 1 ? '' : 's'} of ${steps} images (${method}) to ${out}`);
}
