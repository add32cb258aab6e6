// Takes the MNIST DCGAN recipe's first K steps in @gan and in PyTorch from the same weights, on the same batches,
// with the same noise, and says how far the two drift apart: the recipe's differences, separated from the seed's.
//
//   node bench/recipe/step-match.mjs [--steps 20] [--seed 1] [--data ../shared/data/mnist] [--backend wasm|cpu]
//       [--adam-epsilon E] [--out DIR] [--python PY] [--reuse] [--double] [--control DIR] [--detail]
//
// 1. bench/recipe/step_match_torch.py (PyTorch from the venv of bench/setup-torch.sh) initialises G and D, draws
//    the batches and the noise of K steps, takes the steps and saves the weights after some of them.
// 2. @gan's dcgan-mnist imports PyTorch's initial weights (importTorchWeights) and takes the same K steps with
//    createGanTrainer's discriminatorStep / generatorStep, its noise read from PyTorch's draws.
// 3. For each snapshot, every parameter and batch-norm statistic is compared with PyTorch's: the share of the
//    weights more than lr / 10 apart, per network, and each moving variance's mean ratio to PyTorch's; and the
//    losses of every step. (Adam's first steps move each weight by about ±lr whatever the gradient's size, so a
//    weight lr / 10 apart took a different step.)
// --adam-epsilon runs @gan's side with another Adam ε (the trainer's default is PyTorch's 1e-8; tfjs's own 1e-7).
// --double makes PyTorch's run take its steps in float64 (same float32 init and draws); --reuse keeps an --out
// PyTorch already wrote. --control DIR compares another PyTorch run of the same draws (step_match_torch.py --double: float64) instead of
// @gan's: how far rounding alone takes two runs apart. --detail prints every tensor's figures.
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { initBackend } from '@gan/backend';
import { decodeNpy } from '@gan/data';
import { loadIdxFile } from '@gan/data/node';
import { createGan, importTorchWeights } from '@gan/models';
import { adam, createGanTrainer } from '@gan/train';
import * as tf from '@tensorflow/tfjs-core';

const root = fileURLToPath(new URL('../..', import.meta.url));
const { values } = parseArgs({
  options: {
    steps: { type: 'string', default: '20' },
    seed: { type: 'string', default: '1' },
    'batch-size': { type: 'string', default: '128' },
    data: { type: 'string', default: join(root, '..', 'shared', 'data', 'mnist') },
    backend: { type: 'string', default: 'wasm' },
    'adam-epsilon': { type: 'string' },
    out: { type: 'string', default: '/tmp/gan-step-match' },
    python: {
      type: 'string',
      default: join(process.env.GAN_TORCH_VENV ?? join(homedir(), '.cache/gan/torch-venv'), 'bin/python'),
    },
    reuse: { type: 'boolean', default: false },
    double: { type: 'boolean', default: false },
    control: { type: 'string' },
    detail: { type: 'boolean', default: false },
  },
});
const out = resolve(values.out);
const steps = Number(values.steps);
const batchSize = Number(values['batch-size']);
if (!values.reuse || !existsSync(join(out, 'steps.json'))) {
  if (!existsSync(values.python)) {
    console.error(`No python at ${values.python}: run bench/setup-torch.sh or give --python.`);
    process.exit(2);
  }
  const args = [join(root, 'bench/recipe/step_match_torch.py'), '--data', values.data, '--steps', String(steps)];
  args.push('--batch-size', String(batchSize), '--seed', values.seed, '--out', out);
  if (values.double) args.push('--double');
  console.log(execFileSync(values.python, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] }).trim());
}
const reference = JSON.parse(readFileSync(join(out, 'steps.json'), 'utf8'));
const npy = (name) => decodeNpy(new Uint8Array(readFileSync(join(out, name))), name);
const bytes = (name) => new Uint8Array(readFileSync(join(out, name)));

const backend = await initBackend({ prefer: values.backend });
const mnistFile = ['t10k-images-idx3-ubyte.gz', 't10k-images-idx3-ubyte']
  .map((name) => join(values.data, name))
  .find(existsSync);
const idx = await loadIdxFile(mnistFile);
const [, rows, cols] = idx.shape;
const pixels = new Float32Array(idx.data.length);
for (let i = 0; i < pixels.length; i++) pixels[i] = idx.data[i] / 255;
const batches = npy('batches.npy');
const noise = npy('noise.npy');
const latentDim = noise.shape[3];

const fresh = () => createGan('dcgan-mnist', { seed: 1 });
const ours = fresh();
importTorchWeights(ours.generator, bytes('g_init.pt'), { what: 'g_init.pt' });
importTorchWeights(ours.discriminator, bytes('d_init.pt'), { what: 'd_init.pt' });

// The trainer's noise, read from PyTorch's draws in the order the steps take them (D step, then G step).
let draw = 0;
const random = {
  uniform(n, low, high) {
    if (low !== -1 || high !== 1 || n !== batchSize * latentDim)
      throw new Error(`unexpected draw ${n} [${low}, ${high})`);
    const offset = draw++ * n;
    return noise.data.slice(offset, offset + n);
  },
  normal() {
    throw new Error('the MNIST recipe draws uniform noise');
  },
};
const epsilon = values['adam-epsilon'] === undefined ? undefined : Number(values['adam-epsilon']);
const trainer = createGanTrainer({
  generator: ours.generator,
  discriminator: ours.discriminator,
  latentDim,
  noise: 'uniform',
  random,
  // The trainer's own Adam (2e-4, β 0.5 / 0.999, ε 1e-8), unless --adam-epsilon asks for another ε.
  ...(epsilon === undefined
    ? {}
    : {
        generatorOptimizer: adam(2e-4, 0.5, 0.999, epsilon),
        discriminatorOptimizer: adam(2e-4, 0.5, 0.999, epsilon),
      }),
});

/** A fresh network of dcgan-mnist with the weights of a PyTorch snapshot. */
function snapshot(folder, net, step) {
  const file = join(folder, `${net.toLowerCase()}_step_${String(step).padStart(3, '0')}.pt`);
  const model = fresh()[net === 'G' ? 'generator' : 'discriminator'];
  importTorchWeights(model, new Uint8Array(readFileSync(file)), { what: file });
  return model;
}

/**
 * Our weights (or, with --control, those of another PyTorch run's snapshot) against PyTorch's snapshot, per kind of
 * tensor: the share of values more than lr / 10 apart, the largest |Δ| / max |PyTorch|, and for moving variances the
 * mean ratio per layer.
 */
function compare(step) {
  const report = {};
  for (const [net, live] of [
    ['G', ours.generator],
    ['D', ours.discriminator],
  ]) {
    const model = control === undefined ? live : snapshot(control, net, step);
    const theirs = snapshot(out, net, step);
    const a = model.weights;
    const b = theirs.weights;
    for (let i = 0; i < a.length; i++) {
      const name = a[i].originalName ?? a[i].name;
      const kind = /moving_mean/.test(name) ? 'mean' : /moving_variance/.test(name) ? 'var' : 'weights';
      const x = a[i].read().dataSync();
      const y = b[i].read().dataSync();
      let diff = 0;
      let scale = 0;
      let ratio = 0;
      let apart = 0;
      for (let j = 0; j < x.length; j++) {
        if (Math.abs(x[j] - y[j]) > 2e-5) apart++;
        diff = Math.max(diff, Math.abs(x[j] - y[j]));
        scale = Math.max(scale, Math.abs(y[j]));
        ratio += x[j] / y[j];
      }
      const key = `${net} ${kind}`;
      if (values.detail)
        console.log(step, net, name, (diff / scale).toExponential(2), scale.toExponential(2), apart, x.length);
      report[key] ??= { relative: 0, ratio: [], apart: 0, count: 0 };
      const entry = report[key];
      entry.relative = Math.max(entry.relative, diff / scale);
      entry.apart += apart;
      entry.count += x.length;
      if (kind === 'var') entry.ratio.push(ratio / x.length);
    }
  }
  return report;
}

const control = values.control === undefined ? undefined : resolve(values.control);
const snapshots = new Set(reference.snapshots);
const rowsOut = [];
const controlLosses = control && JSON.parse(readFileSync(join(control, 'steps.json'), 'utf8')).losses;
for (let step = 1; step <= steps; step++) {
  const theirs = reference.losses[step - 1];
  if (controlLosses) {
    const { discriminatorLoss: d, generatorLoss: g } = controlLosses[step - 1];
    const row = { step, d, dTorch: theirs.discriminatorLoss, g, gTorch: theirs.generatorLoss };
    if (snapshots.has(step)) row.weights = compare(step);
    rowsOut.push(row);
    continue;
  }
  const indices = batches.data.subarray((step - 1) * batchSize, step * batchSize);
  const x = tf.tidy(() => {
    const values = new Float32Array(batchSize * rows * cols);
    for (const [i, index] of indices.entries()) {
      values.set(pixels.subarray(index * rows * cols, (index + 1) * rows * cols), i * rows * cols);
    }
    return tf.tensor4d(values, [batchSize, rows, cols, 1]);
  });
  const d = await trainer.discriminatorStep({ x });
  const g = await trainer.generatorStep(batchSize);
  x.dispose();
  const row = { step, d, dTorch: theirs.discriminatorLoss, g, gTorch: theirs.generatorLoss };
  if (snapshots.has(step)) row.weights = compare(step);
  rowsOut.push(row);
}

const left = control
  ? `PyTorch's run in ${control}`
  : `@gan (${backend.name}, Adam ε ${epsilon ?? trainer.generatorOptimizer.getConfig().epsilon})`;
console.log(
  `${left} against PyTorch ${reference.torch} (${reference.dtype ?? 'torch.float32'}, ${out}): ` +
    `the MNIST DCGAN from PyTorch's initial weights, batch ${batchSize}, the same batches and noise (seed ${values.seed})`,
);
console.log(
  '| step | D loss, left | D loss PyTorch | G loss, left | G loss PyTorch | weights more than lr / 10 apart (G / D) | moving var G / D, @gan ÷ PyTorch (mean ratio per layer) |',
);
console.log('|---:|---:|---:|---:|---:|---|---|');
for (const row of rowsOut) {
  const w = row.weights;
  const share = (e) => `${((100 * e.apart) / e.count).toFixed(2)} %`;
  const cell = w ? `${share(w['G weights'])} / ${share(w['D weights'])}` : '';
  const vars = w
    ? `${w['G var'].ratio.map((r) => r.toFixed(4)).join(' ')} / ${w['D var'].ratio.map((r) => r.toFixed(4)).join(' ')}`
    : '';
  console.log(
    `| ${row.step} | ${row.d.toFixed(5)} | ${row.dTorch.toFixed(5)} | ${row.g.toFixed(5)} | ${row.gTorch.toFixed(5)} | ${cell} | ${vars} |`,
  );
}
