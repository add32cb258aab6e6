// npm run bench: times GAN training steps (one D update on real + fake, one G update with fresh noise) of the
// MNIST DCGAN and the 64×64 DCGAN on each tfjs backend that works here, and, when /usr/bin/python3 has torch,
// the same models in PyTorch (2 threads) in the same run. Prints img/s, peak memory and the ratio to PyTorch.
//
//   node bench/run.mjs [--backends wasm,cpu] [--cases dcgan-mnist:16,dcgan-mnist:64,dcgan-mnist:128,dcgan64:16]
//                      [--seconds 20] [--rounds 3] [--no-torch] [--torch-device cpu|cuda] [--python PATH] [--json out.json]
//
// Each figure is the median step time of a case's window. On a VM both sides drift by tens of percent over minutes,
// so the run goes in --rounds rounds, each timing PyTorch then tfjs on every case, and prints every round's figures,
// then the median over rounds of each side and the ratio of those medians. The stock cpu backend is timed in round 1
// only (it is ~50x off). The PyTorch side runs with OMP_WAIT_POLICY=PASSIVE (see torch_step.py) unless it is set.
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
    rounds: { type: 'string', default: '3' },
    'no-torch': { type: 'boolean', default: false },
    python: { type: 'string', default: '/usr/bin/python3' },
    'torch-device': { type: 'string', default: 'cpu' },
    json: { type: 'string' },
  },
});
const budget = Number(values.seconds);
const rounds = Math.max(1, Number(values.rounds));
const cases = values.cases.split(',').map((c) => {
  const [model, batch] = c.split(':');
  return { model, batch: Number(batch) };
});

function torchFigures() {
  if (values['no-torch']) return { note: 'PyTorch: not timed (--no-torch)' };
  if (!existsSync(values.python)) return { note: `PyTorch: not timed (no ${values.python}; pass --python PATH)` };
  try {
    const script = new URL('./torch_step.py', import.meta.url).pathname;
    const seconds = String(Math.min(budget, 8));
    const out = execFileSync(
      values.python,
      [
        script,
        '--cases',
        values.cases,
        '--threads',
        String(os.cpus().length),
        '--device',
        values['torch-device'],
        '--seconds',
        seconds,
      ],
      {
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'pipe'],
        timeout: 20 * 60_000,
      },
    );
    return {
      results: out
        .trim()
        .split('\n')
        .map((line) => JSON.parse(line)),
    };
  } catch (error) {
    return {
      note: `PyTorch not measured: ${String(error.stderr ?? error.message)
        .split('\n')
        .filter(Boolean)
        .pop()}`,
    };
  }
}

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

function build(model) {
  return model === 'dcgan-mnist' ? dcganMnist({ seed: 1 }) : dcgan({ imageSize: 64, seed: 1 });
}

async function timeCase(model, batch) {
  const { generator, discriminator, info } = build(model);
  const random = createRandom(0);
  const trainer = createGanTrainer({
    generator,
    discriminator,
    random,
    noise: model === 'dcgan-mnist' ? 'uniform' : 'normal',
  });
  const real = tf.tensor(
    random.uniform(batch * info.imageShape.reduce((a, b) => a * b, 1), info.outputRange[0], info.outputRange[1]),
    [batch, ...info.imageShape],
  );
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
  const times = [];
  const t0 = performance.now();
  while (times.length < 3 || ((performance.now() - t0) / 1000 < budget && times.length < 200)) {
    if (warmup > budget && times.length >= 1) break;
    const s0 = performance.now();
    await step();
    times.push((performance.now() - s0) / 1000);
    peakRss = Math.max(peakRss, process.memoryUsage().rss);
    peakTensorBytes = Math.max(peakTensorBytes, tf.memory().numBytes);
  }
  const steps = times.length;
  const seconds = median(times);
  const leaked = tf.memory().numTensors - tensorsBefore;
  real.dispose();
  trainer.dispose();
  generator.dispose();
  discriminator.dispose();
  return {
    model,
    batch,
    steps,
    secondsPerStep: seconds,
    imagesPerSecond: batch / seconds,
    peakRssMiB: peakRss / 2 ** 20,
    peakTensorMiB: peakTensorBytes / 2 ** 20,
    leakedTensors: leaked,
  };
}

const fmt = (x) => x.toFixed(1).padStart(7);
const rows = [];
const torchRows = [];
console.log(
  `machine: ${os.cpus().length} × ${os.cpus()[0]?.model}, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB, node ${process.version}`,
);
const backends = [];
for (const backend of values.backends.split(',')) {
  try {
    const chosen = await initBackend({ prefer: backend, allowSoftwareAdapter: backend !== 'auto' });
    registerTrainingKernels();
    console.log(`${backend}: ${chosen.reason.split('; tried')[0]}`);
    backends.push({ prefer: backend, name: chosen.name });
  } catch (error) {
    console.log(`${backend}: skipped (${error.message})`);
  }
}
for (let round = 1; round <= rounds; round++) {
  console.log(`round ${round}/${rounds}`);
  const torch = torchFigures();
  if (torch.note) console.log(`  ${torch.note}`);
  for (const r of torch.results ?? []) {
    torchRows.push({ round, ...r });
    console.log(
      `  torch  ${r.model.padEnd(12)} batch ${String(r.batch).padStart(3)}: ${fmt(r.imagesPerSecond)} img/s  (${r.secondsPerStep.toFixed(3)} s/step, ${r.steps} steps, ${values['torch-device']})`,
    );
  }
  for (const { prefer, name } of backends) {
    // The stock cpu backend needs seconds to a minute per step: time it at the smallest batch, in the first round.
    if (name === 'cpu' && round > 1) continue;
    await initBackend({ prefer, allowSoftwareAdapter: prefer !== 'auto' });
    for (const { model, batch } of cases) {
      if (name === 'cpu' && batch > 16) continue;
      const result = await timeCase(model, batch);
      rows.push({ round, backend: name, ...result });
      console.log(
        `  ${name.padEnd(6)} ${model.padEnd(12)} batch ${String(batch).padStart(3)}: ${fmt(result.imagesPerSecond)} img/s` +
          `  (${result.secondsPerStep.toFixed(3)} s/step, ${result.steps} steps, peak RSS ${result.peakRssMiB.toFixed(0)} MiB, tensors ${result.peakTensorMiB.toFixed(0)} MiB)`,
      );
    }
  }
}

// Medians over rounds, side by side.
const summary = [];
console.log(`\nmedian over ${rounds} round(s) (range in brackets)`);
for (const backend of [...new Set(rows.map((r) => r.backend))]) {
  for (const { model, batch } of cases) {
    const ours = rows
      .filter((r) => r.backend === backend && r.model === model && r.batch === batch)
      .map((r) => r.imagesPerSecond);
    if (ours.length === 0) continue;
    const theirs = torchRows.filter((r) => r.model === model && r.batch === batch).map((r) => r.imagesPerSecond);
    const row = {
      backend,
      model,
      batch,
      imagesPerSecond: median(ours),
      min: Math.min(...ours),
      max: Math.max(...ours),
      rounds: ours.length,
    };
    if (theirs.length > 0)
      Object.assign(row, {
        torchImagesPerSecond: median(theirs),
        torchMin: Math.min(...theirs),
        torchMax: Math.max(...theirs),
      });
    if (row.torchImagesPerSecond) row.ratio = row.imagesPerSecond / row.torchImagesPerSecond;
    summary.push(row);
    const peak = Math.max(
      ...rows.filter((r) => r.backend === backend && r.model === model && r.batch === batch).map((r) => r.peakRssMiB),
    );
    console.log(
      `${backend.padEnd(6)} ${model.padEnd(12)} batch ${String(batch).padStart(3)}: ${fmt(row.imagesPerSecond)} img/s [${row.min.toFixed(1)}–${row.max.toFixed(1)}], peak RSS ${peak.toFixed(0)} MiB` +
        (row.ratio
          ? `  | PyTorch ${values['torch-device']} ${row.torchImagesPerSecond.toFixed(1)} img/s [${row.torchMin.toFixed(1)}–${row.torchMax.toFixed(1)}] → ratio ${row.ratio.toFixed(2)}×`
          : ''),
    );
  }
}
if (values.json)
  writeFileSync(
    values.json,
    `${JSON.stringify({ machine: os.cpus()[0]?.model, cores: os.cpus().length, rounds, summary, rows, torch: torchRows }, null, 2)}\n`,
  );
