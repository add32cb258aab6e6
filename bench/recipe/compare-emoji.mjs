// Compares a `gan train` emoji run with a dcgan_emoji_torch.py run under one protocol: `gan eval` on both (the
// @gan/metrics emoji classifier, the same real images, the same number of generated images), a table of FID,
// KID, IS and training time, and one side-by-side PNG per epoch whose grid both runs drew.
//
//   node bench/recipe/compare-emoji.mjs --ours RUN --torch DIR --out DIR [--count N] [--real-count N]
//       [--metrics fid,kid,is] [--seed 0] [--backend wasm] [--sample-mode eval|train] [--gap 8]
//
// Ours: `gan eval --from RUN` (images from the run's generator/, noise seeded by --seed), with the generator's
// batch normalisation in the mode PyTorch's samples were drawn in (run.json sampleMode: `train`, each batch's
// statistics, as the tutorial; in batches of the same size), unless --sample-mode says otherwise. PyTorch:
// `gan eval --images DIR/samples.npy` (float32 (N, 64, 64, 3) in [0, 1], as dcgan_emoji_torch.py writes it).
// --count defaults to the number of images in samples.npy (ours generates as many); --real-count to all the
// emoji. Both evaluations use --data emoji (over the background of our run). Writes in --out: ours.eval.json,
// torch.eval.json, epoch_NNN.png (ours left, PyTorch right, --gap white pixels between), compare.json, and
// prints the table. Build the packages and the CLI first (npm run build).
import { execFile } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs, promisify } from 'node:util';
import { decodeImage, encodePng } from '@gan/data/node';

const run = promisify(execFile);
const cli = resolve(dirname(fileURLToPath(import.meta.url)), '../../apps/cli/dist/index.js');
const { values } = parseArgs({
  options: {
    ours: { type: 'string' },
    torch: { type: 'string' },
    out: { type: 'string' },
    count: { type: 'string' },
    'real-count': { type: 'string' },
    metrics: { type: 'string', default: 'fid,kid,is' },
    seed: { type: 'string', default: '0' },
    backend: { type: 'string', default: 'wasm' },
    'kid-subsets': { type: 'string', default: '100' },
    splits: { type: 'string', default: '10' },
    'sample-mode': { type: 'string' },
    gap: { type: 'string', default: '8' },
    help: { type: 'boolean', short: 'h' },
  },
});
if (values.help || !values.ours || !values.torch || !values.out) {
  console.log(
    'node bench/recipe/compare-emoji.mjs --ours RUN --torch DIR --out DIR [--count N] [--real-count N] [--metrics fid,kid,is] [--seed 0] [--backend wasm] [--sample-mode eval|train] [--gap 8]',
  );
  process.exit(values.help ? 0 : 2);
}
const ours = resolve(values.ours);
const torch = resolve(values.torch);
const out = resolve(values.out);
const fail = (message) => {
  console.error(message);
  process.exit(1);
};
if (!existsSync(cli)) fail(`Expected the built CLI at ${cli}: run npm run build first.`);
if (!existsSync(join(ours, 'config.json'))) fail(`Expected a gan train run folder (config.json) at ${ours}.`);
const samplesNpy = join(torch, 'samples.npy');
if (!existsSync(samplesNpy)) fail(`Expected ${samplesNpy} (dcgan_emoji_torch.py --samples N, N > 0).`);

/** The shape in a .npy header. */
function npyShape(path) {
  const bytes = readFileSync(path).subarray(0, 4096);
  const header = bytes.subarray(10, 10 + bytes.readUInt16LE(8)).toString('latin1');
  const shape = /'shape'\s*:\s*\(([^)]*)\)/.exec(header)?.[1];
  if (!shape) fail(`Cannot read the shape of ${path}.`);
  return shape
    .split(',')
    .filter((s) => s.trim() !== '')
    .map(Number);
}
const readJson = (path) => (existsSync(path) ? JSON.parse(readFileSync(path, 'utf8')) : undefined);

const config = readJson(join(ours, 'config.json'));
const torchRun = readJson(join(torch, 'run.json')) ?? {};
// Sample our generator with the batch normalisation PyTorch's samples.npy was drawn with, in batches as large.
const sampleMode = values['sample-mode'] ?? torchRun.sampleMode ?? 'train';
const sampleBatch = torchRun.sampleBatch ?? torchRun.batchSize ?? 128;
const torchShape = npyShape(samplesNpy);
if (torchShape.join(',') !== [torchShape[0], 64, 64, 3].join(',')) {
  fail(`Expected ${samplesNpy} of shape (N, 64, 64, 3), got (${torchShape.join(', ')}).`);
}
const count = Math.min(Number(values.count ?? torchShape[0]), torchShape[0]);
if (config.data?.spec !== 'emoji') {
  console.warn(`note: ${ours} trained on --data ${config.data?.spec}; both sides are measured against --data emoji.`);
}
const background = (config.data?.background ?? [255, 255, 255]).join(',');
const common = [
  '--data',
  'emoji',
  '--background',
  background,
  '--count',
  String(count),
  '--metrics',
  values.metrics,
  '--seed',
  values.seed,
  '--backend',
  values.backend,
  '--kid-subsets',
  values['kid-subsets'],
  '--splits',
  values.splits,
  ...(values['real-count'] ? ['--real-count', values['real-count']] : ['--real-count', '1000000']),
];

await mkdir(out, { recursive: true });
/** Runs gan eval and returns its eval.json and the seconds it took. */
async function evaluate(side, args) {
  const path = join(out, `${side}.eval.json`);
  const started = Date.now();
  try {
    await run(process.execPath, [cli, 'eval', ...args, ...common, '--out', path], { maxBuffer: 1 << 24 });
  } catch (error) {
    fail(`gan eval for ${side} failed:\n${error.stderr || error.message}`);
  }
  console.error(`${side}: gan eval took ${((Date.now() - started) / 1000).toFixed(0)} s`);
  return JSON.parse(await readFile(path, 'utf8'));
}
const ourEval = await evaluate('ours', [
  '--from',
  ours,
  '--sample-mode',
  sampleMode,
  ...(sampleMode === 'train' ? ['--batch-size', String(sampleBatch)] : []),
]);
const torchEval = await evaluate('torch', ['--images', samplesNpy]);
for (const key of ['featureNetwork', 'reference']) {
  if (ourEval.protocol[key] !== torchEval.protocol[key]) {
    fail(
      `The two evaluations differ in ${key}:\n  ours:  ${ourEval.protocol[key]}\n  torch: ${torchEval.protocol[key]}`,
    );
  }
}

/** Training time, images per second and epochs of each side, from its history.json / run.json. */
function ourTiming() {
  const history = readJson(join(ours, 'history.json')) ?? [];
  const seconds = history.reduce((sum, record) => sum + record.seconds, 0);
  const images = history.reduce((sum, record) => sum + record.imagesPerSecond * record.seconds, 0);
  return { epochs: history.length, seconds, imagesPerSecond: seconds > 0 ? images / seconds : NaN };
}
function torchTiming() {
  const epochs = readJson(join(torch, 'history.json'))?.epochs ?? [];
  const seconds = epochs.reduce((sum, record) => sum + record.seconds, 0);
  const images = epochs.reduce((sum, record) => sum + record.imagesPerSecond * record.seconds, 0);
  return {
    epochs: epochs.length,
    seconds,
    imagesPerSecond: seconds > 0 ? images / seconds : NaN,
    wallSeconds: torchRun.wallSeconds,
  };
}
const timing = { ours: ourTiming(), torch: torchTiming() };

const duration = (seconds) =>
  Number.isFinite(seconds) ? `${Math.floor(seconds / 60)} min ${Math.round(seconds % 60)} s` : '?';
const kid = (value) => (value ? `${value.mean.toFixed(5)} ± ${value.std.toFixed(5)}` : '-');
const is = (value) => (value ? `${value.mean.toFixed(3)} ± ${value.std.toFixed(3)}` : '-');
const rows = [
  ['', '@gan', 'PyTorch'],
  ['FID', ourEval.metrics.fid?.toFixed(3) ?? '-', torchEval.metrics.fid?.toFixed(3) ?? '-'],
  ['KID', kid(ourEval.metrics.kid), kid(torchEval.metrics.kid)],
  ['IS', is(ourEval.metrics.is), is(torchEval.metrics.is)],
  ['epochs', String(timing.ours.epochs), String(timing.torch.epochs)],
  ['training time', duration(timing.ours.seconds), duration(timing.torch.seconds)],
  ['img/s', timing.ours.imagesPerSecond.toFixed(1), Number(timing.torch.imagesPerSecond).toFixed(1)],
];
const widths = [0, 1, 2].map((c) => Math.max(...rows.map((row) => row[c].length)));
const table = rows.map((row) => `| ${row.map((cell, c) => cell.padEnd(widths[c])).join(' | ')} |`);
table.splice(1, 0, `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`);

/** Side-by-side grids of the epochs both runs drew. */
async function sideBySide() {
  const epochFiles = (dir) =>
    existsSync(join(dir, 'samples'))
      ? readdirSync(join(dir, 'samples')).filter((name) => /^epoch_\d+\.png$/.test(name))
      : [];
  const theirs = new Set(epochFiles(torch));
  const both = epochFiles(ours)
    .filter((name) => theirs.has(name))
    .sort();
  const gap = Number(values.gap);
  const written = [];
  for (const name of both) {
    const [left, right] = await Promise.all(
      [ours, torch].map(async (dir) => {
        const path = join(dir, 'samples', name);
        return decodeImage(await readFile(path), path);
      }),
    );
    const width = left.width + gap + right.width;
    const height = Math.max(left.height, right.height);
    const pixels = new Uint8Array(width * height * 3).fill(255);
    for (const [image, x0] of [
      [left, 0],
      [right, left.width + gap],
    ]) {
      for (let y = 0; y < image.height; y++) {
        for (let x = 0; x < image.width; x++) {
          const from = (y * image.width + x) * image.channels;
          const to = (y * width + x0 + x) * 3;
          for (let c = 0; c < 3; c++) pixels[to + c] = image.data[from + (image.channels < 3 ? 0 : c)];
        }
      }
    }
    await writeFile(join(out, name), await encodePng(pixels, width, height, 3));
    written.push(name);
  }
  return written;
}
const grids = await sideBySide();

await writeFile(
  join(out, 'compare.json'),
  `${JSON.stringify({ ours: { run: ours, eval: ourEval, timing: timing.ours }, torch: { run: torch, eval: torchEval, timing: timing.torch }, grids }, null, 2)}\n`,
);
console.log(table.join('\n'));
console.log(`\nprotocol (both): ${ourEval.protocol.featureNetwork}`);
console.log(`reference: ${ourEval.protocol.reference}`);
console.log(`@gan:    ${ourEval.protocol.generated}`);
console.log(
  `PyTorch: ${torchEval.protocol.generated}` +
    (torchRun.sampleMode
      ? `, drawn with G in ${torchRun.sampleMode} mode${torchRun.sampleMode === 'train' ? ` (batches of ${sampleBatch})` : ''}`
      : ''),
);
console.log(
  `training time: the sum of each epoch's training steps (sampling excluded) from ${join(ours, 'history.json')} and ${join(torch, 'history.json')}` +
    (timing.torch.wallSeconds ? `; PyTorch's whole script: ${duration(timing.torch.wallSeconds)}` : ''),
);
console.log(
  grids.length > 0
    ? `side by side (@gan left, PyTorch right): ${grids.map((name) => join(out, name)).join(', ')}`
    : 'no epoch drew a grid on both sides',
);
console.log(`wrote ${join(out, 'compare.json')}`);
