// Soak test (issue #17): trains the MNIST DCGAN (dcganMnist, batch 16) for --steps steps on the default backend
// (initBackend: wasm with @gan/backend's training kernels here) through trainGan with a checkpoint and a
// TensorBoard logger attached, as gan train runs it, and records every --every steps the live tensors
// (tf.memory().numTensors), the backend's bytes (tf.memory().numBytes), the wasm heap and the process RSS.
// Prints a Markdown table and whether anything grew more than 5 % after the first sample.
//
//   npm run build && node bench/soak/soak.mjs [--steps 10000] [--every 1000] [--warmup 1000] [--stall 10] [--data ../shared/data/mnist]
//
// --stall MINUTES: a watchdog thread ends the process (SIGABRT, with a line on stderr) when no step finishes for that long.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { initBackend, registerTrainingKernels } from '@gan/backend';
import { mnist } from '@gan/data/node';
import { dcganMnist } from '@gan/models';
import { trainGan } from '@gan/train';
import { saveCheckpoint, tensorBoardLogger } from '@gan/train/node';
import * as tf from '@tensorflow/tfjs-core';

const args = Object.fromEntries(
  process.argv.slice(2).flatMap((arg, i, all) => (arg.startsWith('--') ? [[arg.slice(2), all[i + 1]]] : [])),
);
const steps = Number(args.steps ?? 10_000);
const every = Number(args.every ?? 1000);
const dataDir = args.data ?? new URL('../../../shared/data/mnist', import.meta.url).pathname;

const backend = await initBackend();
registerTrainingKernels();
const data = await mnist({ dir: dataDir, range: [0, 1], download: false });
const { generator, discriminator } = dcganMnist({ seed: 1 });
const out = mkdtempSync(join(tmpdir(), 'gan-soak-'));
const logger = tensorBoardLogger(join(out, 'tensorboard'), { batchSize: 16 });

const wasmHeap = () => {
  const b = tf.backend();
  const heap = b.wasm?.HEAPU8 ?? b.wasm?.HEAP8;
  return heap ? heap.buffer.byteLength : undefined;
};
const rows = [];
const measure = (step) => {
  const memory = tf.memory();
  rows.push({
    step,
    tensors: memory.numTensors,
    bytes: memory.numBytes,
    heap: wasmHeap(),
    rss: process.memoryUsage().rss,
    seconds: (performance.now() - start) / 1000,
  });
  const r = rows.at(-1);
  console.error(
    `step ${step}: ${r.tensors} tensors, ${(r.bytes / 2 ** 20).toFixed(1)} MiB in tensors, wasm heap ${r.heap === undefined ? '–' : (r.heap / 2 ** 20).toFixed(1)} MiB, RSS ${(r.rss / 2 ** 20).toFixed(1)} MiB, ${r.seconds.toFixed(0)} s`,
  );
};

// A watchdog on its own thread: a main thread stuck inside WebAssembly (a lock that is never released) runs no
// timers, so a plain setTimeout could not notice. It reads the last finished step from shared memory and, after
// --stall minutes (default 10) without a new one, says so on stderr and ends the process.
const progress = new Int32Array(new SharedArrayBuffer(4));
const stallMinutes = Number(args.stall ?? 10);
new Worker(
  `const { workerData } = require('node:worker_threads');
  const { writeSync } = require('node:fs');
  const { progress, minutes } = workerData;
  let seen = -1, stalledMs = 0;
  setInterval(() => {
    const step = Atomics.load(progress, 0);
    if (step !== seen) { seen = step; stalledMs = 0; return; }
    // Polls without progress, not the clock: a soak stopped with SIGSTOP (for a benchmark) and resumed is not stuck.
    stalledMs += 5_000;
    if (stalledMs < minutes * 60_000) return;
    writeSync(2, 'soak: no training step finished in ' + minutes + ' minutes (the last one: step ' + step + '); ' +
      'the process is stuck. Stopping it (SIGABRT).\\n');
    process.kill(process.pid, 'SIGABRT');
  }, 5_000);`,
  { eval: true, workerData: { progress, minutes: stallMinutes } },
).unref();

const controller = new AbortController();
const start = performance.now();
const stepsPerEpoch = Math.floor(data.size / 16);
const result = await trainGan({
  generator,
  discriminator,
  data,
  epochs: Math.ceil(steps / stepsPerEpoch),
  batchSize: 16,
  seed: 1,
  sampleEpochs: 'every',
  signal: controller.signal,
  checkpoint: {
    everySteps: every,
    onAbort: false,
    save: (state) => saveCheckpoint(join(out, 'latest'), { generator, discriminator, state }),
  },
  callbacks: {
    ...logger,
    onStepEnd: async (info) => {
      await logger.onStepEnd(info);
      Atomics.store(progress, 0, info.globalStep);
      if (info.globalStep % every === 0) measure(info.globalStep);
      if (info.globalStep >= steps) controller.abort();
    },
  },
});
tf.dispose([result.fixedNoise, result.fixedLabels].filter(Boolean));
logger.close();
rmSync(out, { recursive: true, force: true });

const mib = (v) => (v === undefined ? '–' : (v / 2 ** 20).toFixed(1));
console.log(`backend: ${backend.summary}; ${data.size} MNIST examples, batch 16, ${stepsPerEpoch} steps per epoch\n`);
console.log('| step | live tensors | tensor MiB | wasm heap MiB | RSS MiB | s |');
console.log('|---:|---:|---:|---:|---:|---:|');
for (const r of rows) {
  console.log(
    `| ${r.step} | ${r.tensors} | ${mib(r.bytes)} | ${mib(r.heap)} | ${mib(r.rss)} | ${r.seconds.toFixed(0)} |`,
  );
}
// The issue's target: no growth after the first 1,000 steps (--warmup) beyond 5 %.
const warmup = Number(args.warmup ?? 1000);
const first = rows.find((r) => r.step >= warmup) ?? rows[0];
const last = rows.at(-1);
const growth = (key) => (first[key] === undefined ? undefined : Math.max(...rows.map((r) => r[key])) / first[key] - 1);
const verdicts = ['tensors', 'bytes', 'heap', 'rss'].map((key) => {
  const g = growth(key);
  return `${key} ${g === undefined ? '–' : `${(g * 100).toFixed(1)} %`}`;
});
console.log(`\ngrowth after step ${first.step} (largest later value vs the first): ${verdicts.join(', ')}`);
const bad = ['tensors', 'bytes', 'heap', 'rss'].filter((key) => (growth(key) ?? 0) > 0.05);
console.log(bad.length === 0 ? 'target met: no growth beyond 5 %' : `target missed: ${bad.join(', ')} grew beyond 5 %`);
console.log(`last step ${last.step} after ${last.seconds.toFixed(0)} s`);
process.exit(0);
