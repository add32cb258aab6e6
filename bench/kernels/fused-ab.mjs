// The fused convolution products (@gan/backend: im2col and col2im chunk by chunk inside the product, issue #15)
// against the unfused path (cols unrolled into memory whole), alternated in one process: training steps of the 64×64
// DCGAN or the MNIST DCGAN, rounds in the order fused, unfused, unfused, fused, … so that a machine that slows down
// or speeds up during the run weighs on both alike. Prints each mode's median and best step and their ratios.
// `--compare dense` (or `conv`) alternates instead @gan/layers' Dense (or Conv2D) training path (separate ops, only
// the gradients the tape asks for) with the stock layer's fused op.
//
//   npm run build && node bench/kernels/fused-ab.mjs [--model dcgan64|dcgan-mnist] [--batch 64] [--rounds 8] [--steps 2]
//     [--compare fused|dense|conv]
import os from 'node:os';
import { parseArgs } from 'node:util';
import { initBackend, registerTrainingKernels, setFusedConvolutions } from '@gan/backend';
import { createRandom } from '@gan/core';
import { Conv2D, Dense } from '@gan/layers';
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
    compare: { type: 'string', default: 'fused' },
  },
});
const batch = Number(values.batch);
const rounds = Number(values.rounds);
const steps = Number(values.steps);
const layer = { dense: Dense, conv: Conv2D }[values.compare];
if (values.compare !== 'fused' && layer === undefined) throw new Error('--compare is fused, dense or conv');
const ourCall = layer?.prototype.call;
const stockCall = layer && Object.getPrototypeOf(layer.prototype).call;
/** Turns the compared path on (the new one) or off. */
const setMode = (on) => {
  if (layer === undefined) setFusedConvolutions(on);
  else layer.prototype.call = on ? ourCall : stockCall;
};
const [onName, offName] = layer === undefined ? ['fused', 'unfused'] : [values.compare, 'stock'];

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
  setMode(on);
  await step(); // warm-up: kernels compiled, workers started, heap grown, for both paths
}
const times = { [onName]: [], [offName]: [] };
for (let round = 0; round < rounds; round++) {
  const order = round % 2 === 0 ? [true, false] : [false, true];
  for (const on of order) {
    setMode(on);
    const start = performance.now();
    for (let i = 0; i < steps; i++) await step();
    times[on ? onName : offName].push((performance.now() - start) / steps);
  }
}
setMode(true);
const median = (xs) => [...xs].sort((a, b) => a - b)[xs.length >> 1];
const best = (xs) => Math.min(...xs);
for (const mode of [offName, onName]) {
  const t = times[mode];
  console.log(
    `${mode.padEnd(8)} ms/step: median ${median(t).toFixed(0)}, best ${best(t).toFixed(0)} (${t.map((x) => x.toFixed(0)).join(' ')})`,
  );
}
const [on, off] = [times[onName], times[offName]];
const ratios = on.map((t, i) => off[i] / t);
console.log(
  `${onName} speed-up: ${(median(off) / median(on)).toFixed(3)}× (medians), ` +
    `${(best(off) / best(on)).toFixed(3)}× (bests), ${median(ratios).toFixed(3)}× (median of the rounds' own ratios)`,
);
