// Micro-benchmark of one MNIST DCGAN train step (one D step on real + fake, one G step with fresh
// noise) on the tfjs backends of this machine, with and without @gan/backend's training kernels.
//
//   node bench/kernels/mnist-step.mjs [--batches 16,64] [--steps 5] [--warmup 2]
//        [--backends wasm+kernels+threads,wasm+kernels,cpu] [--profile 64] [--calls 20]
//        [--shapes Sum,Mean] [--torch [--python /usr/bin/python3]]
//
// Backends: `cpu` / `wasm` (stock), `cpu+kernels` / `wasm+kernels` (registerTrainingKernels),
// `wasm+kernels+threads` (initBackend: training kernels and XNNPACK on every core). Each runs in
// its own child process (wasm threads must be chosen before the backend starts).
// Needs packages/backend and packages/train built (npm run build). `--profile N` prints where the time goes per kernel at
// batch N on the first backend; `--calls K` adds its K slowest kernel calls, `--shapes A,B` the
// time of kernels A and B by input shapes. `--torch` also times
// the same model in PyTorch (2 threads) through mnist_step_torch.py and prints the ratio.
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers'; // also registers tfjs-core's gradient functions
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-wasm';
import { initBackend, registerTrainingKernels } from '../../packages/backend/dist/index.js';
import { adam } from '../../packages/train/dist/index.js';

const here = dirname(fileURLToPath(import.meta.url));
const args = parseArgs(process.argv.slice(2));
const batches = (args.batches ?? '16,64').split(',').map(Number);
const steps = Number(args.steps ?? 5);
const warmup = Number(args.warmup ?? 2);
const backends = (args.backends ?? 'wasm+kernels+threads,wasm+kernels').split(',');
const latentDim = 62;

function parseArgs(argv) {
  const out = {};
  for (let i = 0; i < argv.length; i++) {
    const key = argv[i].replace(/^--/, '');
    const next = argv[i + 1];
    if (next === undefined || next.startsWith('--')) out[key] = 'true';
    else {
      out[key] = next;
      i++;
    }
  }
  return out;
}

function generator() {
  return tfl.sequential({
    layers: [
      tfl.layers.dense({ inputShape: [latentDim], units: 1024 }),
      tfl.layers.batchNormalization(),
      tfl.layers.reLU(),
      tfl.layers.dense({ units: 7 * 7 * 128 }),
      tfl.layers.batchNormalization(),
      tfl.layers.reLU(),
      tfl.layers.reshape({ targetShape: [7, 7, 128] }),
      tfl.layers.conv2dTranspose({ filters: 64, kernelSize: 4, strides: 2, padding: 'same' }),
      tfl.layers.batchNormalization(),
      tfl.layers.reLU(),
      tfl.layers.conv2dTranspose({ filters: 1, kernelSize: 4, strides: 2, padding: 'same', activation: 'sigmoid' }),
    ],
  });
}

function discriminator() {
  return tfl.sequential({
    layers: [
      tfl.layers.conv2d({ inputShape: [28, 28, 1], filters: 64, kernelSize: 4, strides: 2, padding: 'same' }),
      tfl.layers.leakyReLU({ alpha: 0.2 }),
      tfl.layers.conv2d({ filters: 128, kernelSize: 4, strides: 2, padding: 'same' }),
      tfl.layers.batchNormalization(),
      tfl.layers.leakyReLU({ alpha: 0.2 }),
      tfl.layers.flatten(),
      tfl.layers.dense({ units: 1024 }),
      tfl.layers.batchNormalization(),
      tfl.layers.leakyReLU({ alpha: 0.2 }),
      tfl.layers.dense({ units: 1 }),
    ],
  });
}

/** Mean binary cross-entropy of `logits` against a constant label, computed stably. */
function bceWithLogits(logits, label) {
  return tf.tidy(() => {
    const loss = tf.add(tf.sub(tf.relu(logits), tf.mul(logits, label)), tf.log1p(tf.exp(tf.neg(tf.abs(logits)))));
    return tf.mean(loss);
  });
}

function makeTrainer(batch) {
  const g = generator();
  const d = discriminator();
  const gVars = g.trainableWeights.map((w) => w.read());
  const dVars = d.trainableWeights.map((w) => w.read());
  const optimizerD = adam(2e-4, 0.5); // @gan/train's Adam: fused update where the backend has GanAdamUpdate
  const optimizerG = adam(2e-4, 0.5);
  const real = tf.randomUniform([batch, 28, 28, 1]);
  const step = () => {
    tf.tidy(() => {
      const zD = tf.randomNormal([batch, latentDim]);
      optimizerD.minimize(
        () => {
          const fake = g.apply(zD, { training: true });
          const lossReal = bceWithLogits(d.apply(real, { training: true }), 1);
          const lossFake = bceWithLogits(d.apply(fake, { training: true }), 0);
          return tf.add(lossReal, lossFake);
        },
        false,
        dVars,
      );
      const zG = tf.randomNormal([batch, latentDim]);
      optimizerG.minimize(
        () => bceWithLogits(d.apply(g.apply(zG, { training: true }), { training: true }), 1),
        false,
        gVars,
      );
    });
  };
  const dispose = () => {
    g.dispose();
    d.dispose();
    optimizerD.dispose();
    optimizerG.dispose();
    real.dispose();
  };
  return { step, dispose };
}

async function useBackend(name) {
  const [backendName, ...options] = name.split('+');
  if (options.includes('threads')) {
    const choice = await initBackend({ prefer: backendName });
    return choice.reason;
  }
  if (options.includes('kernels')) registerTrainingKernels({ backends: [backendName] });
  await tf.setBackend(backendName);
  return backendName;
}

async function timeSteps(batch) {
  const trainer = makeTrainer(batch);
  for (let i = 0; i < warmup; i++) trainer.step();
  const times = [];
  for (let i = 0; i < steps; i++) {
    const start = performance.now();
    trainer.step();
    times.push(performance.now() - start);
  }
  const tensorsBefore = tf.memory().numTensors;
  const dataBefore = tf.engine().backend.numDataIds();
  trainer.step();
  // Tensors the step leaves behind, and backend buffers (a kernel that forgets an intermediate).
  const leaked = tf.memory().numTensors - tensorsBefore + (tf.engine().backend.numDataIds() - dataBefore);
  trainer.dispose();
  times.sort((a, b) => a - b);
  return { median: times[times.length >> 1], min: times[0], leaked };
}

async function profile(batch) {
  const trainer = makeTrainer(batch);
  for (let i = 0; i < warmup; i++) trainer.step();
  const info = await tf.profile(() => trainer.step());
  trainer.dispose();
  const byKernel = new Map();
  for (const k of info.kernels) {
    const entry = byKernel.get(k.name) ?? { ms: 0, calls: 0 };
    entry.ms += k.kernelTimeMs;
    entry.calls += 1;
    byKernel.set(k.name, entry);
  }
  const total = [...byKernel.values()].reduce((sum, e) => sum + e.ms, 0);
  console.log(
    `\nper-kernel profile, ${args.child}, batch ${batch} (kernel time ${total.toFixed(0)} ms, wrappers like fusedMatMul__op include the kernel they call):`,
  );
  for (const [name, e] of [...byKernel.entries()].sort((a, b) => b[1].ms - a[1].ms).slice(0, 25)) {
    console.log(
      `  ${name.padEnd(24)} ${e.ms.toFixed(1).padStart(8)} ms ${((100 * e.ms) / total).toFixed(1).padStart(5)}%  ${e.calls} calls`,
    );
  }
  if (args.shapes) {
    const byShape = new Map();
    for (const k of info.kernels) {
      if (!args.shapes.split(',').includes(k.name)) continue;
      const key = `${k.name} ${JSON.stringify(k.inputShapes)}`;
      const entry = byShape.get(key) ?? { ms: 0, calls: 0 };
      entry.ms += k.kernelTimeMs;
      entry.calls += 1;
      byShape.set(key, entry);
    }
    console.log('\nby input shapes:');
    for (const [key, e] of [...byShape.entries()].sort((a, b) => b[1].ms - a[1].ms).slice(0, 30)) {
      console.log(`  ${e.ms.toFixed(1).padStart(7)} ms ${String(e.calls).padStart(3)}×  ${key}`);
    }
  }
  if (args.calls) {
    console.log('\nslowest single calls:');
    for (const k of [...info.kernels].sort((a, b) => b.kernelTimeMs - a.kernelTimeMs).slice(0, Number(args.calls))) {
      console.log(
        `  ${k.name.padEnd(22)} ${k.kernelTimeMs.toFixed(1).padStart(7)} ms  in ${JSON.stringify(k.inputShapes)} out ${JSON.stringify(k.outputShapes)}`,
      );
    }
  }
}

async function child(backend) {
  tf.enableProdMode();
  const reason = await useBackend(backend);
  const rows = [];
  for (const batch of batches) {
    try {
      const { median, min, leaked } = await timeSteps(batch);
      rows.push({
        backend,
        batch,
        msPerStep: median,
        imagesPerSecond: (1000 * batch) / median,
        best: (1000 * batch) / min,
        leaked,
      });
    } catch (error) {
      rows.push({ backend, batch, error: String(error.message ?? error).split('\n')[0] });
    }
  }
  console.log(JSON.stringify({ reason, rows }));
  if (args.profile) await profile(Number(args.profile));
}

if (args.child) {
  await child(args.child);
  process.exit(0);
}

const results = [];
for (const backend of backends) {
  const childArgs = [
    fileURLToPath(import.meta.url),
    ...process.argv
      .slice(2)
      .filter((a, i, all) => a !== '--torch' && all[i - 1] !== '--backends' && a !== '--backends'),
    '--child',
    backend,
  ];
  if (backend !== backends[0]) {
    const at = childArgs.indexOf('--profile');
    if (at >= 0) childArgs.splice(at, 2);
  }
  const run = spawnSync(process.execPath, childArgs, { encoding: 'utf8', maxBuffer: 1 << 26 });
  const lines = run.stdout.split('\n');
  const json = lines.find((line) => line.startsWith('{'));
  if (run.status !== 0 || json === undefined) {
    console.log(`${backend.padEnd(22)} failed: ${(run.stderr || run.stdout).trim().split('\n').slice(-3).join(' | ')}`);
    continue;
  }
  const { reason, rows } = JSON.parse(json);
  console.log(`${backend}: ${reason}`);
  for (const row of rows) {
    results.push(row);
    if (row.error) {
      console.log(`  batch ${String(row.batch).padStart(3)}: fails: ${row.error}`);
      continue;
    }
    console.log(
      `  batch ${String(row.batch).padStart(3)}: ${row.msPerStep.toFixed(0).padStart(6)} ms/step  ${row.imagesPerSecond.toFixed(1).padStart(6)} img/s (best ${row.best.toFixed(1)})${row.leaked ? `  LEAK ${row.leaked} tensors/step` : ''}`,
    );
  }
  const rest = lines
    .slice(lines.indexOf(json) + 1)
    .join('\n')
    .trim();
  if (rest) console.log(rest);
}
/** The first Python that can import torch: --python, python3, or Debian's /usr/bin/python3 (pyenv may shadow it). */
function findPython() {
  for (const candidate of [args.python, 'python3', '/usr/bin/python3']) {
    if (candidate && spawnSync(candidate, ['-c', 'import torch'], { stdio: 'ignore' }).status === 0) return candidate;
  }
  return 'python3';
}

if (args.torch) {
  const run = spawnSync(
    findPython(),
    [
      join(here, 'mnist_step_torch.py'),
      '--batches',
      batches.join(','),
      '--steps',
      String(steps),
      '--warmup',
      String(warmup),
    ],
    // OpenBLAS's own threads fight PyTorch's OpenMP ones on two cores; one BLAS thread was faster here.
    { encoding: 'utf8', env: { OPENBLAS_NUM_THREADS: '1', ...process.env } },
  );
  if (run.status !== 0) {
    console.log(`\nPyTorch run failed: ${(run.stderr || String(run.error)).trim().split('\n').slice(-2).join(' | ')}`);
  } else {
    console.log(`\n${run.stdout.trim()}`);
    for (const line of run.stdout.trim().split('\n')) {
      const match = /batch\s+(\d+):.*?([\d.]+) img\/s \(best ([\d.]+)\)/.exec(line);
      if (!match) continue;
      const batch = Number(match[1]);
      const torchRate = Number(match[2]);
      const torchBest = Number(match[3]);
      for (const row of results.filter((r) => r.batch === batch && !r.error)) {
        console.log(
          `  ${row.backend} / pytorch at batch ${batch}: ${(row.imagesPerSecond / torchRate).toFixed(2)}× (median), ${(row.best / torchBest).toFixed(2)}× (best step)`,
        );
      }
    }
  }
}
