// npm run bench: times GAN training steps (one D update on real + fake, one G update with fresh noise) of the
// MNIST DCGAN and the 64×64 DCGAN on each tfjs backend that works here, and the same models in PyTorch (the current
// pip release, from the venv bench/setup-torch.sh makes; Debian's /usr/bin/python3 torch only as a marked fallback)
// in the same run. Prints img/s, GFLOP/s (the products' multiply-adds a step needs, counted from the layers by
// @gan/models' multiplyAdds) beside the machine's WebAssembly SIMD peak (bench/simd-peak.mjs, on every core at once),
// the ratio to PyTorch, and the peak memory of one case measured in a fresh process on each side.
//
//   node bench/run.mjs [--backends wasm,cpu] [--cases dcgan-mnist:16,dcgan-mnist:64,dcgan-mnist:128,dcgan64:16,dcgan64:64,dcgan64:128]
//                      [--seconds 20] [--rounds 3] [--no-torch] [--torch-device cpu|cuda] [--python PATH]
//                      [--memory dcgan64:128|none] [--json out.json]
//
// Each figure is the median step time of a case's window. On a VM both sides drift by tens of percent over minutes,
// so the run goes in --rounds rounds, each timing PyTorch then tfjs on every case, and prints every round's figures,
// then the median over rounds of each side and the ratio of those medians, beside the median of each round's own
// ratio and the best round's img/s against the other side's best round. The stock cpu backend is timed in round 1
// only, at batch 16 (it is ~50x off). The PyTorch side runs with OMP_WAIT_POLICY=PASSIVE (see torch_step.py) unless
// it is set.
//
// Backends are initBackend names (auto, tensorflow, webgpu, wasm, cpu); naming webgpu accepts a software adapter
// (lavapipe), as `gan train --backend webgpu` does. On a GPU machine: --backends webgpu --torch-device cuda
// --cases dcgan-mnist:128,dcgan64:64,dcgan64:128 (bench/gpu/README.md).
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { initBackend, registerTrainingKernels } from '@gan/backend';
import { createRandom } from '@gan/core';
import { dcgan, dcganMnist, multiplyAdds } from '@gan/models';
import { createGanTrainer } from '@gan/train';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-layers';
import { measureSimdPeak } from './simd-peak.mjs';

const { values } = parseArgs({
  options: {
    backends: { type: 'string', default: 'wasm,cpu' },
    cases: {
      type: 'string',
      default: 'dcgan-mnist:16,dcgan-mnist:64,dcgan-mnist:128,dcgan64:16,dcgan64:64,dcgan64:128',
    },
    seconds: { type: 'string', default: '20' },
    rounds: { type: 'string', default: '3' },
    'no-torch': { type: 'boolean', default: false },
    python: { type: 'string' },
    memory: { type: 'string', default: 'dcgan64:128' },
    'memory-child': { type: 'boolean', default: false },
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

// The reference is what a user who picks PyTorch instead installs: `pip install torch` in a venv (bench/setup-torch.sh).
const venvPython = join(process.env.GAN_TORCH_VENV ?? join(os.homedir(), '.cache/gan/torch-venv'), 'bin/python');
const python = values.python ?? (existsSync(venvPython) ? venvPython : '/usr/bin/python3');
const pythonNote =
  values.python !== undefined
    ? `--python ${python}`
    : python === venvPython
      ? `pip venv ${python}`
      : `FALLBACK ${python} (a distribution's torch, not the pip release users install: run bench/setup-torch.sh)`;

function torchFigures(caseList = values.cases) {
  if (values['no-torch']) return { note: 'PyTorch: not timed (--no-torch)' };
  if (!existsSync(python))
    return { note: `PyTorch: not timed (no ${python}; run bench/setup-torch.sh or pass --python PATH)` };
  try {
    const script = new URL('./torch_step.py', import.meta.url).pathname;
    const seconds = String(Math.min(budget, 8));
    const out = execFileSync(
      python,
      [
        script,
        '--cases',
        caseList,
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

/**
 * The multiply-adds of the products one training step needs per image, from the layers' forward counts (@gan/models'
 * multiplyAdds): the D step runs G forward, D forward and backward on the real and on the fake batch (a backward pass
 * is a filter gradient plus an input gradient, the same count as the forward pass each, and no input gradient for a
 * layer fed by the images); the G step runs G forward, D forward, D's input gradients, and G's backward pass (no input
 * gradient for the layer fed by the noise). PyTorch's step (bench/torch_step.py) needs the same.
 */
function stepMultiplyAdds(generator, discriminator) {
  const backward = (layers, inputGradientOfFirst) =>
    layers.reduce((sum, l) => sum + l.multiplyAdds * (inputGradientOfFirst || !l.takesModelInput ? 2 : 1), 0);
  const g = multiplyAdds(generator);
  const d = multiplyAdds(discriminator);
  const dStep = g.total + 2 * d.total + 2 * backward(d.layers, false);
  const dInputGradients = d.layers.reduce((sum, l) => sum + l.multiplyAdds, 0);
  const gStep = g.total + d.total + dInputGradients + backward(g.layers, false);
  return dStep + gStep;
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
  const flopsPerImage = 2 * stepMultiplyAdds(generator, discriminator);
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
    gflops: (flopsPerImage * batch) / seconds / 1e9,
    flopsPerImage,
    peakRssMiB: peakRss / 2 ** 20,
    maxRssMiB: process.resourceUsage().maxRSS / 1024,
    peakTensorMiB: peakTensorBytes / 2 ** 20,
    leakedTensors: leaked,
  };
}

const fmt = (x) => x.toFixed(1).padStart(7);
const rows = [];
const torchRows = [];
const child = values['memory-child'];
if (!child) {
  console.log(
    `machine: ${os.cpus().length} × ${os.cpus()[0]?.model}, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB, node ${process.version}`,
  );
  console.log(`PyTorch: ${values['no-torch'] ? 'not timed' : pythonNote}`);
}
const peak = child ? undefined : await measureSimdPeak(os.cpus().length, 2);
if (peak) {
  console.log(
    `WebAssembly SIMD peak on ${peak.threads} threads at once (bench/simd-peak.mjs): ${peak.fmaGflops.toFixed(1)} GFLOP/s (relaxed_madd on registers), the product's 4 × 8 tile in L1 ${peak.microGflops.toFixed(1)} GFLOP/s`,
  );
}
const backends = [];
for (const backend of values.backends.split(',')) {
  try {
    const chosen = await initBackend({ prefer: backend, allowSoftwareAdapter: backend !== 'auto' });
    registerTrainingKernels();
    if (!child) console.log(`${backend}: ${chosen.reason.split('; tried')[0]}`);
    backends.push({ prefer: backend, name: chosen.name });
  } catch (error) {
    console.log(`${backend}: skipped (${error.message})`);
  }
}
const ofPeak = (gflops) => (peak ? ` = ${((100 * gflops) / peak.fmaGflops).toFixed(0)} % of peak` : '');
for (let round = 1; round <= rounds; round++) {
  if (!child) console.log(`round ${round}/${rounds}`);
  const torch = child ? {} : torchFigures();
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
      if (child) continue;
      console.log(
        `  ${name.padEnd(6)} ${model.padEnd(12)} batch ${String(batch).padStart(3)}: ${fmt(result.imagesPerSecond)} img/s, ${result.gflops.toFixed(1)} GFLOP/s` +
          `  (${result.secondsPerStep.toFixed(3)} s/step, ${result.steps} steps, peak RSS ${result.peakRssMiB.toFixed(0)} MiB, tensors ${result.peakTensorMiB.toFixed(0)} MiB)`,
      );
    }
  }
}
if (child) {
  writeFileSync(values.json, `${JSON.stringify(rows[0])}\n`);
  process.exit(0);
}

// Medians over rounds, side by side.
const summary = [];
console.log(
  `\nmedian over ${rounds} round(s) (range in brackets); GFLOP/s = the step's products (multiply-adds × 2) per second`,
);
for (const backend of [...new Set(rows.map((r) => r.backend))]) {
  for (const { model, batch } of cases) {
    const mine = rows.filter((r) => r.backend === backend && r.model === model && r.batch === batch);
    const ours = mine.map((r) => r.imagesPerSecond);
    if (ours.length === 0) continue;
    const theirs = torchRows.filter((r) => r.model === model && r.batch === batch).map((r) => r.imagesPerSecond);
    const flopsPerImage = mine[0].flopsPerImage;
    const row = {
      backend,
      model,
      batch,
      imagesPerSecond: median(ours),
      min: Math.min(...ours),
      max: Math.max(...ours),
      rounds: ours.length,
      gflops: (median(ours) * flopsPerImage) / 1e9,
      peakGflops: peak?.fmaGflops,
    };
    if (theirs.length > 0)
      Object.assign(row, {
        torchImagesPerSecond: median(theirs),
        torchMin: Math.min(...theirs),
        torchMax: Math.max(...theirs),
        torchGflops: (median(theirs) * flopsPerImage) / 1e9,
      });
    if (row.torchImagesPerSecond) {
      row.ratio = row.imagesPerSecond / row.torchImagesPerSecond;
      // The VM's neighbours slow either side by up to a third in some rounds: the ratio within each round (both sides
      // timed minutes apart) and the best round against the best round are steadier than the ratio of medians.
      const paired = mine
        .map((r) => [r, torchRows.find((t) => t.round === r.round && t.model === model && t.batch === batch)])
        .filter(([, t]) => t !== undefined)
        .map(([r, t]) => r.imagesPerSecond / t.imagesPerSecond);
      if (paired.length > 0) row.pairedRatio = median(paired);
      row.bestRatio = row.max / row.torchMax;
    }
    summary.push(row);
    const peakRss = Math.max(...mine.map((r) => r.peakRssMiB));
    console.log(
      `${backend.padEnd(6)} ${model.padEnd(12)} batch ${String(batch).padStart(3)}: ${fmt(row.imagesPerSecond)} img/s [${row.min.toFixed(1)}–${row.max.toFixed(1)}], ${row.gflops.toFixed(1)} GFLOP/s${ofPeak(row.gflops)}, peak RSS ${peakRss.toFixed(0)} MiB` +
        (row.ratio
          ? `  | PyTorch ${values['torch-device']} ${row.torchImagesPerSecond.toFixed(1)} img/s [${row.torchMin.toFixed(1)}–${row.torchMax.toFixed(1)}], ${row.torchGflops.toFixed(1)} GFLOP/s → ratio ${row.ratio.toFixed(2)}×` +
            ` (median of the rounds' ratios ${row.pairedRatio?.toFixed(2) ?? '–'}×, best round against best round ${row.bestRatio.toFixed(2)}×)`
          : ''),
    );
  }
}

// Memory: one case in a fresh process on each side (a process's peak RSS also holds what earlier cases left).
let memory;
if (values.memory !== 'none') {
  const [model, batch] = values.memory.split(':');
  const dir = mkdtempSync(join(os.tmpdir(), 'gan-bench-'));
  try {
    const file = join(dir, 'ours.json');
    execFileSync(
      process.execPath,
      [
        new URL(import.meta.url).pathname,
        '--memory-child',
        '--cases',
        values.memory,
        '--backends',
        backends[0]?.prefer ?? 'wasm',
        '--rounds',
        '1',
        '--seconds',
        '4',
        '--json',
        file,
      ],
      { stdio: ['ignore', 'ignore', 'pipe'], timeout: 20 * 60_000 },
    );
    const ours = JSON.parse(readFileSync(file, 'utf8'));
    const torch = values['no-torch'] ? undefined : torchFigures(values.memory).results?.[0];
    memory = { model, batch: Number(batch), oursMiB: ours.maxRssMiB, torchMiB: torch?.peakRssMiB };
    console.log(
      `\npeak RSS of ${model} at batch ${batch}, each side in a fresh process (getrusage maxrss): @gan ${memory.oursMiB.toFixed(0)} MiB` +
        (memory.torchMiB
          ? `, PyTorch ${memory.torchMiB.toFixed(0)} MiB → ${(memory.oursMiB / memory.torchMiB).toFixed(2)}×`
          : ''),
    );
  } catch (error) {
    console.log(
      `\nmemory not measured: ${String(error.stderr ?? error.message)
        .split('\n')
        .filter(Boolean)
        .pop()}`,
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
if (values.json)
  writeFileSync(
    values.json,
    `${JSON.stringify({ machine: os.cpus()[0]?.model, cores: os.cpus().length, python: pythonNote, peak, rounds, summary, memory, rows, torch: torchRows }, null, 2)}\n`,
  );
process.exit(0);
