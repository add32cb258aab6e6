// The fused convolution products (@gan/backend: im2col and col2im chunk by chunk inside the product, issue #15)
// against the unfused path (cols unrolled into memory whole), alternated in one process: training steps of the 64×64
// DCGAN or the MNIST DCGAN, rounds in the order fused, unfused, unfused, fused, … so that a machine that slows down
// or speeds up during the run weighs on both alike. Prints each mode's median and best step and their ratios.
//
//   npm run build && node bench/kernels/fused-ab.mjs [--model dcgan64|dcgan-mnist] [--batch 64] [--rounds 8] [--steps 2]
import os from 'node:os';
import { parseArgs } from 'node:util';
import { initBackend, registerTrainingKernels, setFusedConvolutions } from '@gan/backend';
import { createRandom } from '@gan/core';
import { dcgan, dcganMnist } from '@gan/models';
import { createGanTrainer } from '@gan/train';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-layers';

const { values } = parseArgs({
  options: {
    model: { type: 'string', default: 'dcgan64' },
    batch: { type: 'string', default: '64' },
    rounds: { type: 'string', default: '8' },
    steps: { type: 'string', default: '2' },
  },
});
const batch = Number(values.batch);
const rounds = Number(values.rounds);
const steps = Number(values.steps);

const chosen = await initBackend();
registerTrainingKernels();
const mnist = values.model === 'dcgan-mnist';
const { generator, discriminator, info } = mnist ? dcganMnist({ seed: 1 }) : dcgan({ imageSize: 64, seed: 1 });
const random = createRandom(0);
const trainer = createGanTrainer({ generator, discriminator, random, noise: mnist ? 'uniform' : 'normal' });
const size = batch * info.imageShape.reduce((a, b) => a * b, 1);
const real = tf.tensor(random.uniform(size, info.outputRange[0], info.outputRange[1]), [batch, ...info.imageShape]);
const step = async () => {
  await trainer.discriminatorStep({ x: real });
  await trainer.generatorStep(batch);
};

console.log(`${values.model} batch ${batch}, ${chosen.reason}; ${os.cpus()[0]?.model.trim()} × ${os.cpus().length}`);
for (const on of [true, false]) {
  setFusedConvolutions(on);
  await step(); // warm-up: kernels compiled, workers started, heap grown, for both paths
}
const times = { fused: [], unfused: [] };
for (let round = 0; round < rounds; round++) {
  const order = round % 2 === 0 ? [true, false] : [false, true];
  for (const on of order) {
    setFusedConvolutions(on);
    const start = performance.now();
    for (let i = 0; i < steps; i++) await step();
    times[on ? 'fused' : 'unfused'].push((performance.now() - start) / steps);
  }
}
setFusedConvolutions(true);
const median = (xs) => [...xs].sort((a, b) => a - b)[xs.length >> 1];
const best = (xs) => Math.min(...xs);
for (const mode of ['unfused', 'fused']) {
  const t = times[mode];
  console.log(
    `${mode.padEnd(8)} ms/step: median ${median(t).toFixed(0)}, best ${best(t).toFixed(0)} (${t.map((x) => x.toFixed(0)).join(' ')})`,
  );
}
const ratios = times.fused.map((t, i) => times.unfused[i] / t);
console.log(
  `fused speed-up: ${(median(times.unfused) / median(times.fused)).toFixed(3)}× (medians), ` +
    `${(best(times.unfused) / best(times.fused)).toFixed(3)}× (bests), ${median(ratios).toFixed(3)}× (median of the rounds' own ratios)`,
);
