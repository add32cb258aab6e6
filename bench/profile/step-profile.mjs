// Where the time of one training step goes (issue #15): one D step (real + fake) and one G step of the 64×64 DCGAN
// (or the MNIST DCGAN) on the default backend, timed by tf.profile per kernel, each convolution kernel labelled with
// its layer and role (forward, input gradient, filter gradient), plus the time inside the kernels' own phases
// (im2col, col2im, the SIMD product; @gan/backend's startPhaseTiming) and what is left between kernels (tfjs's own
// bookkeeping: the tape, gradient functions, allocation, disposal).
//
//   npm run build && node bench/profile/step-profile.mjs [--model dcgan64|dcgan-mnist|quickstart] [--batch 64] [--steps 3]
//                                                         [--json out.json]
import { writeFileSync } from 'node:fs';
import os from 'node:os';
import { parseArgs } from 'node:util';
import { initBackend, registerTrainingKernels, startPhaseTiming, stopPhaseTiming } from '@gan/backend';
import { createRandom } from '@gan/core';
import { createGan, dcgan, dcganMnist } from '@gan/models';
import { createGanTrainer } from '@gan/train';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-layers';

const { values } = parseArgs({
  options: {
    model: { type: 'string', default: 'dcgan64' },
    batch: { type: 'string', default: '64' },
    steps: { type: 'string', default: '3' },
    json: { type: 'string' },
  },
});
const batch = Number(values.batch);
const steps = Number(values.steps);

const chosen = await initBackend();
registerTrainingKernels();
const { generator, discriminator, info } =
  values.model === 'dcgan-mnist'
    ? dcganMnist({ seed: 1 })
    : values.model === 'quickstart'
      ? // gan train's quick-start preset: the conditional tutorial DCGAN at 32×32, ngf = ndf = 16, six classes
        createGan('cgan', { variant: 'tutorial', imageSize: 32, channels: 1, ngf: 16, ndf: 16, numClasses: 6, seed: 1 })
      : dcgan({ imageSize: 64, seed: 1 });
const random = createRandom(0);
const trainer = createGanTrainer({
  generator,
  discriminator,
  random,
  noise: values.model === 'dcgan-mnist' ? 'uniform' : 'normal',
});
const real = tf.tensor(
  random.uniform(batch * info.imageShape.reduce((a, b) => a * b, 1), info.outputRange[0], info.outputRange[1]),
  [batch, ...info.imageShape],
);
const labels = info.conditional
  ? tf.tensor1d(
      Array.from({ length: batch }, (_, i) => i % info.numClasses),
      'int32',
    )
  : undefined;
const realBatch = labels === undefined ? { x: real } : { x: real, labels };
const step = async () => {
  await trainer.discriminatorStep(realBatch);
  await trainer.generatorStep(batch);
};

// Each convolution kernel call is named by layer and role: a wrapper around the registered kernels finds the layer
// whose kernel is the call's filter (Conv2D/FusedConv2D: a D layer's forward pass or a G layer's input gradient;
// Conv2DBackpropInput: a G layer's forward pass or a D layer's input gradient), and a filter gradient belongs to the
// network being trained in that half of the step (the D step computes only D's, the G step only G's).
const convLayers = [];
for (const [net, model] of [
  ['G', generator],
  ['D', discriminator],
]) {
  let index = 0;
  for (const layer of model.layers) {
    const kernel = layer.kernel;
    if (kernel === undefined || kernel.shape.length !== 4) continue;
    index += 1;
    const outShape = layer.outputShape.slice(1).join('×');
    convLayers.push({ net, name: `${net} conv ${index} (${layer.getClassName()} → ${outShape})`, variable: kernel });
  }
}
let training = 'D';
const convTimes = new Map();
const layerOfFilter = (info) => convLayers.find((l) => l.variable.val?.dataId === info.dataId);
const convRole = {
  Conv2D: (inputs) => {
    const layer = layerOfFilter(inputs.filter);
    return layer === undefined ? undefined : `${layer.name}: ${layer.net === 'D' ? 'forward' : 'input gradient'}`;
  },
  Conv2DBackpropInput: (inputs) => {
    const layer = layerOfFilter(inputs.filter);
    return layer === undefined ? undefined : `${layer.name}: ${layer.net === 'G' ? 'forward' : 'input gradient'}`;
  },
  Conv2DBackpropFilter: (_inputs, _attrs, output) => {
    const shape = output.shape.join(',');
    const layer = convLayers.find((l) => l.net === training && l.variable.shape.join(',') === shape);
    return layer === undefined ? undefined : `${layer.name}: filter gradient`;
  },
};
convRole.FusedConv2D = convRole.Conv2D;
for (const name of Object.keys(convRole)) {
  const config = tf.getKernel(name, tf.getBackend());
  if (config === undefined) continue;
  tf.unregisterKernel(name, tf.getBackend());
  tf.registerKernel({
    ...config,
    kernelFunc: (args) => {
      const start = performance.now();
      const output = config.kernelFunc(args);
      const ms = performance.now() - start;
      const role = convRole[name](args.inputs, args.attrs, Array.isArray(output) ? output[0] : output) ?? name;
      const row = convTimes.get(role) ?? { ms: 0, calls: 0 };
      row.ms += ms;
      row.calls += 1;
      convTimes.set(role, row);
      return output;
    },
  });
}
const dStep = () => trainer.discriminatorStep(realBatch);
const gStep = () => trainer.generatorStep(batch);

await step();
await step(); // warm-up: compilation, weight and optimizer allocation, the product threads' speeds
const wall = [];
for (let i = 0; i < steps; i++) {
  const t = performance.now();
  await step();
  wall.push(performance.now() - t);
}
const wallMs = wall.sort((a, b) => a - b)[wall.length >> 1];

startPhaseTiming({ detail: true });
const t0 = performance.now();
convTimes.clear();
const profile = await tf.profile(async () => {
  for (let i = 0; i < steps; i++) {
    training = 'D';
    await dStep();
    training = 'G';
    await gStep();
  }
});
const profiledMs = (performance.now() - t0) / steps;
const phases = stopPhaseTiming();

// Convolutions from the wrapper; the rest from tf.profile by kernel name. Entries named `…__op` are ops run as one
// kernel around the kernels they call (custom gradients): their time is already in those kernels.
const rows = new Map(convTimes);
const convKernels = new Set([...Object.keys(convRole)]);
let kernelMs = [...convTimes.values()].reduce((sum, row) => sum + row.ms, 0);
for (const kernel of profile.kernels) {
  if (kernel.name.endsWith('__op') || convKernels.has(kernel.name)) continue;
  const ms = typeof kernel.kernelTimeMs === 'number' ? kernel.kernelTimeMs : 0;
  kernelMs += ms;
  const row = rows.get(kernel.name) ?? { ms: 0, calls: 0 };
  row.ms += ms;
  row.calls += 1;
  rows.set(kernel.name, row);
}
const perStep = (ms) => ms / steps;
const sorted = [...rows.entries()].sort((a, b) => b[1].ms - a[1].ms);

console.log(
  `${values.model} batch ${batch}, ${chosen.summary ?? chosen.name}; ${os.cpus().length} × ${os.cpus()[0]?.model}, node ${process.version}`,
);
console.log(
  `step: ${wallMs.toFixed(0)} ms unprofiled (median of ${steps}), ${profiledMs.toFixed(0)} ms profiled; kernels ${perStep(kernelMs).toFixed(0)} ms, between kernels ${(profiledMs - perStep(kernelMs)).toFixed(0)} ms`,
);
console.log('\n| kernel (layer, role) | calls/step | ms/step | share |');
console.log('|---|---:|---:|---:|');
for (const [key, row] of sorted) {
  const ms = perStep(row.ms);
  if (ms < 0.5) continue;
  console.log(`| ${key} | ${row.calls / steps} | ${ms.toFixed(1)} | ${((100 * ms) / profiledMs).toFixed(1)} % |`);
}
const small = sorted.filter(([, row]) => perStep(row.ms) < 0.5);
console.log(
  `| ${small.length} other kernels | ${small.reduce((s, [, r]) => s + r.calls, 0) / steps} | ${perStep(small.reduce((s, [, r]) => s + r.ms, 0)).toFixed(1)} | |`,
);
console.log(
  `| between kernels (tfjs: tape, gradients, allocation, disposal) | | ${(profiledMs - perStep(kernelMs)).toFixed(1)} | ${((100 * (profiledMs - perStep(kernelMs))) / profiledMs).toFixed(1)} % |`,
);
console.log('\ninside the kernels (@gan/backend phases):');
for (const [name, { ms, calls }] of Object.entries(phases).sort((a, b) => b[1].ms - a[1].ms)) {
  if (name.includes(' ') && ms / steps < 1) continue;
  console.log(
    `  ${name}: ${perStep(ms).toFixed(1)} ms/step in ${calls / steps} calls (${((100 * perStep(ms)) / profiledMs).toFixed(1)} %)`,
  );
}
if (values.json)
  writeFileSync(
    values.json,
    JSON.stringify(
      {
        wallMs,
        profiledMs,
        kernelMs: perStep(kernelMs),
        rows: Object.fromEntries(sorted.map(([k, r]) => [k, perStep(r.ms)])),
        phases,
      },
      null,
      2,
    ),
  );
process.exit(0);
