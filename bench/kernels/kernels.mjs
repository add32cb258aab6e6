// Times the training kernels on the MNIST DCGAN's shapes (batch 64), one kernel call at a time.
//
//   node bench/kernels/kernels.mjs [--threads 2|1] [--reps 20]
//
// Needs packages/backend built (npx tsup).
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-wasm';
import { initBackend } from '../../packages/backend/dist/index.js';

const argv = process.argv.slice(2);
const option = (name, fallback) => {
  const at = argv.indexOf(`--${name}`);
  return at >= 0 ? argv[at + 1] : fallback;
};
const threads = Number(option('threads', 2));
const reps = Number(option('reps', 20));
const choice = await initBackend({ prefer: 'wasm', wasmThreads: threads === 1 ? false : threads });
console.log(choice.reason);

function time(label, flops, run) {
  tf.dispose(run());
  const times = [];
  for (let i = 0; i < reps; i++) {
    const start = performance.now();
    const out = run(); // wasm kernels are synchronous: no read-back (copying out to JS would dominate)
    times.push(performance.now() - start);
    tf.dispose(out);
  }
  times.sort((a, b) => a - b);
  const best = times[0];
  console.log(
    `${label.padEnd(58)} ${best.toFixed(2).padStart(7)} ms best ${times[reps >> 1].toFixed(2).padStart(7)} ms median ${flops ? `${(flops / best / 1e6).toFixed(1).padStart(6)} GFLOP/s` : ''}`,
  );
}

const run = (name, inputs, attrs) => tf.engine().runKernel(name, inputs, attrs);
const conv = { strides: [2, 2], pad: 'same', dataFormat: 'NHWC', dimRoundingMode: undefined };
for (const [xShape, dyShape] of [
  [
    [64, 14, 14, 64],
    [64, 7, 7, 128],
  ],
  [
    [64, 28, 28, 1],
    [64, 14, 14, 64],
  ],
]) {
  const x = tf.randomNormal(xShape);
  const dy = tf.randomNormal(dyShape);
  const filterShape = [4, 4, xShape[3], dyShape[3]];
  const filter = tf.randomNormal(filterShape);
  const flops = 2 * dyShape[0] * dyShape[1] * dyShape[2] * dyShape[3] * 16 * xShape[3];
  time(`Conv2D (forward, stock)        ${xShape} → ${dyShape}`, flops, () => tf.conv2d(x, filter, 2, 'same'));
  time(`Conv2DBackpropFilter           ${xShape}`, flops, () =>
    run('Conv2DBackpropFilter', { x, dy }, { ...conv, filterShape }),
  );
  time(`Conv2DBackpropInput            ${dyShape} → ${xShape}`, flops, () =>
    run('Conv2DBackpropInput', { dy, filter }, { ...conv, inputShape: xShape }),
  );
  tf.dispose([x, dy, filter]);
}
for (const [m, k, n, transposeA, transposeB] of [
  [64, 1024, 6272, false, false],
  [64, 6272, 1024, false, false],
  [64, 6272, 1024, false, true],
  [1024, 64, 6272, true, false],
  [6272, 64, 1024, true, false],
  [64, 1024, 6272, false, true],
]) {
  const a = tf.randomNormal(transposeA ? [k, m] : [m, k]);
  const b = tf.randomNormal(transposeB ? [n, k] : [k, n]);
  time(`matMul ${m}×${k}×${n}${transposeA ? ' transposeA' : ''}${transposeB ? ' transposeB' : ''}`, 2 * m * k * n, () =>
    tf.matMul(a, b, transposeA, transposeB),
  );
  tf.dispose([a, b]);
}
process.exit(0);
