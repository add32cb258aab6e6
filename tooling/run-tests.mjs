// `npm test`: every check CI runs, the quickest first, stopping at the first that fails and naming it with the
// command that reruns it alone. Prints how long each step took.
//
//   node tooling/run-tests.mjs            # all steps (what `npm test` and .ci/run do)
//   node tooling/run-tests.mjs --list     # the steps and their commands
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

/** Each step is an npm script of the root package.json, so that it can be run alone. */
const steps = [
  { script: 'format:check', what: 'formatting and import order (biome); `npm run format` fixes them' },
  { script: 'lint:code', what: 'lint (biome), warnings included' },
  { script: 'build', what: 'build every package (turbo, tsup)' },
  { script: 'typecheck', what: 'typecheck every package (tsc)' },
  { script: 'lint:packages', what: 'package manifests and types as published (publint, attw)' },
  { script: 'test:pack', what: 'npm pack, install into a fresh app, train a step in Node, bundle with Vite' },
  { script: 'test:unit', what: 'the tests of every package (vitest, one package at a time)' },
];

if (process.argv.includes('--list')) {
  for (const [index, step] of steps.entries()) console.log(`${index + 1}. npm run ${step.script}: ${step.what}`);
  process.exit(0);
}

const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
const times = [];
const started = Date.now();

function seconds(milliseconds) {
  return `${(milliseconds / 1000).toFixed(0)} s`;
}

function report() {
  console.log('\nnpm test, step by step:');
  for (const { script, milliseconds, status } of times) {
    console.log(`  ${status.padEnd(6)} ${seconds(milliseconds).padStart(6)}  npm run ${script}`);
  }
  console.log(`  total  ${seconds(Date.now() - started).padStart(6)}`);
}

for (const [index, step] of steps.entries()) {
  console.log(`\n━━ npm test ${index + 1}/${steps.length}: ${step.what} (npm run ${step.script})\n`);
  const stepStarted = Date.now();
  const result = spawnSync(npm, ['run', '--silent', step.script], { cwd: root, stdio: 'inherit' });
  const milliseconds = Date.now() - stepStarted;
  if (result.status !== 0) {
    times.push({ script: step.script, milliseconds, status: 'FAILED' });
    report();
    const why = result.error ? result.error.message : `exit code ${result.status ?? result.signal}`;
    console.error(
      `\nnpm test FAILED at step ${index + 1}/${steps.length}, ${step.what} (${why}). ` +
        `Rerun that step alone with: npm run ${step.script}`,
    );
    process.exit(1);
  }
  times.push({ script: step.script, milliseconds, status: 'ok' });
}
report();
console.log('\nnpm test passed.');
