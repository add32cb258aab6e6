// npm run bench: times GAN training steps (one D update on real + fake, one G update with fresh noise) of the
// MNIST DCGAN and the 64×64 DCGAN on each tfjs backend that works here, and, when /usr/bin/python3 has torch,
// the same models in PyTorch (2 threads) in the same run. Prints img/s, peak memory and the ratio to PyTorch.
//
//   node bench/run.mjs [--backends wasm,cpu] [--cases dcgan-mnist:16,dcgan-mnist:64,dcgan-mnist:128,dcgan64:16]
//                      [--seconds 20] [--no-torch] [--torch-device cpu|cuda] [--python PATH] [--json out.json]
//
// Backends are initBackend names (auto, tensorflow, webgpu, wasm, cpu); naming webgpu accepts a software adapter
// (lavapipe), as `gan train --backend webgpu` does. On a GPU machine: --backends webgpu --torch-device cuda
// --cases dcgan-mnist:128,dcgan64:64,dcgan64:128 (bench/gpu/README.md).
import { execFileSync } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { parseArgs } from 'node:util';
import { initBackend, registerTrainingKernels } from '@gan/backend';
import { createRandom } from '@gan/core';
import { dcgan, dcganMnist } from '@gan/models';
import { createGanTrainer } from '@gan/train';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-layers';

const { values } = parseArgs({
  options: {
    backends: { type: 'string', default: 'wasm,cpu' },
    cases: { type: 'string', default: 'dcgan-mnist:16,dcgan-mnist:64,dcgan-mnist:128,dcgan64:16' },
    seconds: { type: 'string', default: '20' },
    'no-torch': { type: 'boolean', default: false },
    python: { type: 'string', default: '/usr/bin/python3' },
    'torch-device': { type: 'string', default: 'cpu' },
    json: { type: 'string' },
  },
});
const budget = Number(values.seconds);
const cases = values.cases.split(',').map((c) => {
  const [model, batch] = c.split(':');
  return { model, batch: Number(batch) };
});

function torchFigures() {
  if (values['no-torch']) return { note: 'PyTorch: not timed (--no-torch)' };
  if (!existsSync(values.python)) return { note: `PyTorch: not timed (no ${values.python}; pass --python PATH)` };
  try {
    const out = execFileSync(values.python, [new URL('./torch_step.py', import.meta.url).pathname, '--cases', values.cases, '--threads', String(os.cpus().length), '--device', values['torch-device']], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
      timeout: 20 * 60_000,
    });
    return { results: out.trim().split('\n').map((line) => JSON.parse(line)) };
  } catch (error) {
    return { note: `PyTorch not measured: ${String(error.stderr ?? error.message).split('\n').filter(Boolean).pop()}` };
  }
}

function build(model) {
  return model === 'dcgan-mnist' ? dcganMnist({ seed: 1 }) : dcgan({ imageSize: 64, seed: 1 });
}

async function timeCase(model, batch) {
  const { generator, discriminator, info } = build(model);
  const random = createRandom(0);
  const trainer = createGanTrainer({ generator, discriminator, random, noise: model === 'dcgan-mnist' ? 'uniform' : 'normal' });
  const real = tf.tensor(random.uniform(batch * info.imageShape.reduce((a, b) => a * b, 1), info.outputRange[0], info.outputRange[1]), [batch, ...info.imageShape]);
  const step = async () => {
    await trainer.discriminatorStep({ x: real });
    await trainer.generatorStep(batch);
  };
  let peakRss = process.memoryUsage().rss;
  let peakTensorBytes = 0;
  const started = Date.now();
  await step(); // warm-up: kernel compilation, weight allocation
  const warmup = (Date.now() - started) / 1000;
  const tensorsBefore = tf.memory().numTensors;
  let steps = 0;
  const t0 = performance.now();
  while (steps < 2 || ((performance.now() - t0) / 1000 < budget && steps < 200)) {
    if (warmup > budget && steps >= 1) break;
    await step();
    steps++;
    peakRss = Math.max(peakRss, process.memoryUsage().rss);
    peakTensorBytes = Math.max(peakTensorBytes, tf.memory().numBytes);
  }
  const seconds = (performance.now() - t0) / 1000 / steps;
  const leaked = tf.memory().numTensors - tensorsBefore;
  real.dispose();
  trainer.dispose();
  generator.dispose();
  discriminator.dispose();
  return { model, batch, steps, secondsPerStep: seconds, imagesPerSecond: batch / seconds, peakRssMiB: peakRss / 2 ** 20, peakTensorMiB: peakTensorBytes / 2 ** 20, leakedTensors: leaked };
}

const rows = [];
console.log(`machine: ${os.cpus().length} × ${os.cpus()[0]?.model}, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB, node ${process.version}`);
const torch = torchFigures();
if (torch.note) console.log(torch.note);
for (const backend of values.backends.split(',')) {
  let chosen;
  try {
    chosen = await initBackend({ prefer: backend, allowSoftwareAdapter: backend !== 'auto' });
    registerTrainingKernels();
    console.log(`${backend}: ${chosen.reason.split('; tried')[0]}`);
  } catch (error) {
    console.log(`${backend}: skipped (${error.message})`);
    continue;
  }
  for (const { model, batch } of cases) {
    // The stock cpu backend needs about a minute per MNIST step: time it only at the smallest batch.
    if (backend === 'cpu' && batch > 16) continue;
    const result = await timeCase(model, batch);
    const reference = torch.results?.find((r) => r.model === model && r.batch === batch);
    rows.push({ backend: chosen.name, ...result, torchImagesPerSecond: reference?.imagesPerSecond, ratio: reference ? result.imagesPerSecond / reference.imagesPerSecond : undefined });
    const row = rows.at(-1);
    console.log(
      `${row.backend.padEnd(6)} ${model.padEnd(12)} batch ${String(batch).padStart(3)}: ${row.imagesPerSecond.toFixed(1).padStart(7)} img/s` +
        `  (${row.secondsPerStep.toFixed(3)} s/step, ${row.steps} steps, peak RSS ${row.peakRssMiB.toFixed(0)} MiB, tensors ${row.peakTensorMiB.toFixed(0)} MiB)` +
        (reference ? `  | PyTorch ${values['torch-device']} ${reference.imagesPerSecond.toFixed(1)} img/s → ratio ${row.ratio.toFixed(2)}×` : ''),
    );
  }
}
if (values.json) writeFileSync(values.json, `${JSON.stringify({ machine: os.cpus()[0]?.model, cores: os.cpus().length, rows, torch: torch.results }, null, 2)}\n`);
