// The library as its users get it: `npm pack` of every published workspace package, the tarballs installed
// with npm into a fresh app outside the repository (no workspace links), then
//   1. a Node script of that app builds the MNIST DCGAN, trains one step, samples, saves and loads the generator;
//   2. every package's CommonJS entry loads with require();
//   3. the `gan` command of @gan/cli prints its help;
//   4. Vite builds a page that imports @gan/models and @gan/train, and the bundle size is printed.
// It also fails when a tarball holds tests or test helpers (`*.test.*`, `testing/`, `test/`, `__fixtures__`) or
// lacks its `dist/`.
//
//   node tooling/pack-install-test.mjs [--keep]     # after `npm run build`; --keep leaves the temporary folder
//
// Part of `npm test` (see tooling/run-tests.mjs). The tfjs peers and Vite are installed at the versions of the
// root package-lock.json, from npm's cache when they are there (`npm ci` put them there), else from the registry.
import { spawnSync } from 'node:child_process';
import {
  existsSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const keep = process.argv.includes('--keep');
const started = Date.now();

/** Peers and tools the app installs beside the tarballs, at the versions the repository is tested with. */
const thirdParty = [
  '@tensorflow/tfjs-core',
  '@tensorflow/tfjs-layers',
  '@tensorflow/tfjs-backend-cpu',
  '@tensorflow/tfjs-backend-wasm',
  'vite',
];

/** What a published tarball must not contain: tests, test helpers and fixtures. */
const testFile = /(^|\/)(tests?|testing|__tests__|__fixtures__)\/|\.(test|spec)\.[cm]?[jt]sx?$|(^|\/)test[-_][^/]*$/;

function fail(message) {
  console.error(`\npack-install test FAILED: ${message}`);
  if (!keep) console.error('(node tooling/pack-install-test.mjs --keep leaves the app and the tarballs for a look)');
  process.exit(1);
}

function seconds(since) {
  return `${((Date.now() - since) / 1000).toFixed(1)} s`;
}

function kilobytes(bytes) {
  return `${(bytes / 1000).toFixed(1)} kB`;
}

/**
 * The environment for the commands it runs: without the `npm_*` variables that `npm test` sets (among them
 * npm_config_local_prefix, which would point npm at the repository instead of the app, and npm_config_loglevel).
 */
const cleanEnvironment = Object.fromEntries(Object.entries(process.env).filter(([key]) => !/^npm_/i.test(key)));

/** Runs a command, failing the test with its output when it exits non-zero; resolves to its stdout. */
function run(command, args, { cwd, env = process.env, what }) {
  const result = spawnSync(command, args, { cwd, env, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  if (result.error) fail(`${what}: could not run ${command}: ${result.error.message}`);
  if (result.status !== 0) {
    fail(
      `${what} exited with ${result.status ?? result.signal}:\n$ ${command} ${args.join(' ')}  (in ${cwd})\n` +
        `${result.stdout}\n${result.stderr}`.trim(),
    );
  }
  return { stdout: result.stdout, stderr: result.stderr };
}

/** The workspace packages that are published (not private), from the root package.json's workspace folders. */
function publishedPackages() {
  const { workspaces } = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
  const found = [];
  for (const pattern of workspaces) {
    if (!pattern.endsWith('/*')) fail(`unexpected workspace pattern "${pattern}" (expected "folder/*")`);
    const parent = join(root, pattern.slice(0, -2));
    for (const name of readdirSync(parent).sort()) {
      const file = join(parent, name, 'package.json');
      if (!existsSync(file)) continue;
      const manifest = JSON.parse(readFileSync(file, 'utf8'));
      if (!manifest.private) found.push({ name: manifest.name, version: manifest.version, dir: join(parent, name) });
    }
  }
  return found;
}

/** The version the root lockfile resolved for a package (so that the cache from `npm ci` has it). */
function lockedVersion(lock, name) {
  const version = lock.packages?.[`node_modules/${name}`]?.version;
  if (!version) fail(`${name} is not in the root package-lock.json`);
  return version;
}

const work = mkdtempSync(join(tmpdir(), 'gan-pack-install-'));
const tarballs = join(work, 'tarballs');
const app = join(work, 'app');
mkdirSync(tarballs);
mkdirSync(join(app, 'web'), { recursive: true });
process.on('exit', () => {
  if (keep) console.log(`kept ${work}`);
  else rmSync(work, { recursive: true, force: true });
});
console.log(`pack-install test in ${work}`);

// 1. Pack.
let phase = Date.now();
const packages = publishedPackages();
for (const { name, dir } of packages) {
  if (!existsSync(join(dir, 'dist'))) fail(`${name} has no dist/: build first (npm run build)`);
}
const { stdout: packed } = run(
  'npm',
  ['pack', '--json', '--pack-destination', tarballs, ...packages.flatMap(({ name }) => ['-w', name])],
  { cwd: root, env: cleanEnvironment, what: 'npm pack' },
);
const reports = JSON.parse(packed);
console.log(`\npacked ${reports.length} packages (${seconds(phase)}; private workspaces are not published):`);
const problems = [];
for (const report of reports) {
  const files = report.files.map((file) => file.path);
  const tests = files.filter((path) => testFile.test(path));
  if (tests.length) problems.push(`${report.name} ships tests or test helpers: ${tests.join(', ')}`);
  if (!files.some((path) => path.startsWith('dist/'))) problems.push(`${report.name} ships no dist/`);
  console.log(
    `  ${report.filename.padEnd(26)} ${kilobytes(report.size).padStart(9)} packed, ` +
      `${kilobytes(report.unpackedSize).padStart(10)} unpacked, ${String(files.length).padStart(3)} files`,
  );
}
if (reports.length !== packages.length)
  problems.push(`expected ${packages.length} tarballs, npm packed ${reports.length}`);
if (problems.length) fail(problems.join('\n'));

// 2. Install into a fresh app outside the repository.
phase = Date.now();
const lock = JSON.parse(readFileSync(join(root, 'package-lock.json'), 'utf8'));
writeFileSync(
  join(app, 'package.json'),
  `${JSON.stringify({ name: 'gan-pack-install-app', version: '1.0.0', private: true, type: 'module' }, null, 2)}\n`,
);
const specs = [
  ...reports.map((report) => join(tarballs, report.filename)),
  ...thirdParty.map((name) => `${name}@${lockedVersion(lock, name)}`),
];
run('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', '--loglevel=error', ...specs], {
  cwd: app,
  env: cleanEnvironment,
  what: 'npm install of the tarballs',
});
const appLock = JSON.parse(readFileSync(join(app, 'package-lock.json'), 'utf8'));
for (const { name, version } of packages) {
  const folder = join(app, 'node_modules', name);
  if (!existsSync(folder)) fail(`${name} is not in the app's node_modules`);
  if (lstatSync(folder).isSymbolicLink()) fail(`${name} was installed as a link, not from its tarball`);
  const installed = JSON.parse(readFileSync(join(folder, 'package.json'), 'utf8')).version;
  if (installed !== version) fail(`${name} ${installed} installed, the workspace has ${version}`);
  const resolved = appLock.packages?.[`node_modules/${name}`]?.resolved ?? '';
  if (!resolved.startsWith('file:')) fail(`${name} came from ${resolved || 'somewhere else'}, not from its tarball`);
}
const nested = Object.keys(appLock.packages ?? {}).filter((path) =>
  /node_modules\/.+\/node_modules\/@gan\//.test(path),
);
if (nested.length) fail(`second copies of @gan packages were installed: ${nested.join(', ')}`);
console.log(`\ninstalled the tarballs and ${thirdParty.join(', ')} into ${app} (${seconds(phase)})`);

// 3. Build a model, train one step, sample, save and load: the ESM entries in Node.
phase = Date.now();
writeFileSync(
  join(app, 'train-one-step.mjs'),
  `import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '@gan/backend';
import { shapes } from '@gan/data';
import { checkDataShape, createGan, ganInfo } from '@gan/models';
import { loadModel, saveModel } from '@gan/models/node';
import { trainGan } from '@gan/train';

const backend = await initBackend();
const { generator, discriminator } = createGan('dcgan-mnist', { seed: 1 });
const info = ganInfo({ generator });
const data = shapes({ count: 16, size: 28, range: info.outputRange, seed: 1 });
checkDataShape(info, [16, ...data.shape], info.outputRange);
const result = await trainGan({ generator, discriminator, data, epochs: 1, batchSize: 16, noise: 'uniform', seed: 1, sampleEpochs: [] });
const [epoch] = result.history;
if (result.steps !== 1 || !Number.isFinite(epoch.discriminatorLoss) || !Number.isFinite(epoch.generatorLoss)) {
  throw new Error('expected one training step with finite losses, got ' + JSON.stringify(result.history));
}
const noise = tf.slice(result.fixedNoise, [0, 0], [4, info.latentDim]);
const samples = generator.predict(noise);
const values = await samples.data();
const [low, high] = info.outputRange;
if (samples.shape.join() !== '4,28,28,1' || values.some((v) => !(v >= low && v <= high))) {
  throw new Error('expected 4 samples [28, 28, 1] in [' + low + ', ' + high + '], got ' + samples.shape);
}
const folder = join(mkdtempSync(join(tmpdir(), 'gan-pack-install-model-')), 'generator');
await saveModel(generator, folder);
const loaded = await loadModel(folder);
const again = await loaded.predict(noise).data();
const difference = Math.max(...values.map((v, i) => Math.abs(v - again[i])));
if (difference > 1e-5) throw new Error('the loaded generator differs from the saved one by ' + difference);
console.log(JSON.stringify({ backend: backend.name, model: info.name, steps: result.steps,
  discriminatorLoss: epoch.discriminatorLoss, generatorLoss: epoch.generatorLoss, samples: samples.shape }));
process.exit(0);
`,
);
const { stdout: trained } = run(process.execPath, ['train-one-step.mjs'], {
  cwd: app,
  env: cleanEnvironment,
  what: 'the Node script (build, train one step, sample)',
});
const line = trained.trim().split('\n').pop();
const summary = JSON.parse(line);
console.log(
  `\nNode: ${summary.model} on ${summary.backend}, ${summary.steps} step (D loss ${summary.discriminatorLoss.toFixed(3)}, ` +
    `G loss ${summary.generatorLoss.toFixed(3)}), samples [${summary.samples.join(', ')}], saved and loaded (${seconds(phase)})`,
);

// 4. CommonJS entries.
phase = Date.now();
const libraries = reports.map((report) => report.name).filter((name) => name !== '@gan/cli');
const entries = libraries.flatMap((name) => {
  const exports = JSON.parse(readFileSync(join(app, 'node_modules', name, 'package.json'), 'utf8')).exports ?? {};
  return Object.keys(exports)
    .filter((key) => key !== './package.json')
    .map((key) => (key === '.' ? name : `${name}/${key.slice(2)}`));
});
writeFileSync(
  join(app, 'require-all.cjs'),
  `for (const entry of ${JSON.stringify(entries)}) {
  const exported = Object.keys(require(entry));
  if (exported.length === 0) throw new Error(entry + ' exports nothing');
}
console.log('ok');
`,
);
run(process.execPath, ['require-all.cjs'], {
  cwd: app,
  env: cleanEnvironment,
  what: 'require() of the CommonJS entries',
});
console.log(`CommonJS: require() of ${entries.join(', ')} (${seconds(phase)})`);

// 5. The CLI's bin.
phase = Date.now();
const { stdout: help } = run(join(app, 'node_modules', '.bin', 'gan'), ['help'], {
  cwd: app,
  env: cleanEnvironment,
  what: 'gan help',
});
if (!help.includes('gan train')) fail(`gan help printed no "gan train":\n${help}`);
console.log(`CLI: node_modules/.bin/gan help (${seconds(phase)})`);

// 6. A page bundled by Vite.
phase = Date.now();
writeFileSync(
  join(app, 'web', 'index.html'),
  `<!doctype html>
<html lang="en">
  <head><meta charset="utf-8" /><title>@gan from npm</title></head>
  <body>
    <button id="train">Train one step</button>
    <pre id="out"></pre>
    <script type="module" src="./main.js"></script>
  </body>
</html>
`,
);
writeFileSync(
  join(app, 'web', 'main.js'),
  `import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import { shapes } from '@gan/data';
import { createGan, ganInfo } from '@gan/models';
import { imageGrid, trainGan } from '@gan/train';

document.querySelector('#train').addEventListener('click', async () => {
  await tf.setBackend('cpu');
  const { generator, discriminator } = createGan('dcgan-mnist', { seed: 1 });
  const info = ganInfo({ generator });
  const data = shapes({ count: 16, size: 28, range: info.outputRange, seed: 1 });
  const result = await trainGan({ generator, discriminator, data, epochs: 1, batchSize: 16, noise: 'uniform', sampleEpochs: [] });
  const grid = imageGrid(generator.predict(result.fixedNoise), { range: info.outputRange });
  document.querySelector('#out').textContent = JSON.stringify({ history: result.history, grid: grid.shape });
});
`,
);
const { stdout: built, stderr: builtErrors } = run(
  process.execPath,
  [join(app, 'node_modules', 'vite', 'bin', 'vite.js'), 'build', 'web', '--outDir', '../web-dist', '--emptyOutDir'],
  { cwd: app, env: cleanEnvironment, what: 'vite build of the page' },
);
const viteLog = `${built}\n${builtErrors}`;
const externalized = viteLog.split('\n').filter((text) => /externalized for browser compatibility/.test(text));
if (externalized.length) {
  fail(`the browser entries of @gan/models or @gan/train import Node built-ins:\n${externalized.join('\n')}`);
}
const assets = join(app, 'web-dist', 'assets');
const scripts = readdirSync(assets).filter((name) => name.endsWith('.js'));
if (scripts.length === 0) fail(`vite wrote no JavaScript into ${assets}`);
let raw = 0;
let gzipped = 0;
for (const name of scripts) {
  const bytes = readFileSync(join(assets, name));
  raw += bytes.length;
  gzipped += gzipSync(bytes, { level: 9 }).length;
}
console.log(
  `Vite: a page importing @gan/models, @gan/train, @gan/data and tfjs (cpu backend): ${scripts.length} script(s), ` +
    `${kilobytes(raw)} (${kilobytes(gzipped)} gzipped) in ${relative(app, assets)} (${seconds(phase)})`,
);

console.log(`\npack-install test passed in ${seconds(started)}`);
