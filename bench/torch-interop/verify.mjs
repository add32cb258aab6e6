// Checks PyTorch ↔ @gan weights at full size, with PyTorch itself (from the venv of bench/setup-torch.sh):
//
//   node bench/torch-interop/verify.mjs [--out DIR] [--python PY] [--ddp-steps N] [--data ../shared/data/mnist]
//
// 1. PyTorch writes the networks of the material at full size (bench/torch-interop/reference_models.py: the DCGAN
//    tutorial, the MNIST DCGAN, the MLP GAN, the conditional MLP GAN, the conditional tutorial DCGAN) with the DCGAN
//    init and batch-norm statistics of a few training batches, their state_dicts (torch.save), z and their images in
//    eval mode (verify_torch.py reference).
// 2. `gan import` makes a run folder of each; `gan sample --noise z.npy` draws the images for the same z: the
//    largest difference to PyTorch's, in the model's output range.
// 3. `gan export --discriminator` writes .pt and .safetensors and model.py; PyTorch loads them into model.py's
//    modules and draws the images for the same z (verify_torch.py roundtrip); `gan import` of the export gives back
//    bit-identical weights.
// 4. DistributedDataParallel: examples/pytorch/train_ddp.py continues training the MNIST DCGAN's export in 2 CPU
//    processes (gloo) for --ddp-steps steps, and `gan import` + `gan sample` bring the result back.
// Prints one table; exits 1 when an agreement is worse than 1e-4 or a step fails.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { decodeNpy } from '@gan/data';

const root = fileURLToPath(new URL('../..', import.meta.url));
const { values } = parseArgs({
  options: {
    out: { type: 'string', default: '/tmp/gan-torch-verify' },
    python: {
      type: 'string',
      default: join(process.env.GAN_TORCH_VENV ?? join(homedir(), '.cache/gan/torch-venv'), 'bin/python'),
    },
    'ddp-steps': { type: 'string', default: '20' },
    data: { type: 'string', default: join(root, '..', 'shared', 'data', 'mnist') },
  },
});
const out = resolve(values.out);
const py = values.python;
if (!existsSync(py)) {
  console.error(`No python at ${py}: run bench/setup-torch.sh (PyTorch from pip in a venv) or give --python.`);
  process.exit(2);
}
rmSync(out, { recursive: true, force: true });
mkdirSync(out, { recursive: true });
const here = join(root, 'bench', 'torch-interop');
const run = (command, args, options = {}) =>
  execFileSync(command, args, { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], ...options });
const gan = (...args) => run('node', [join(root, 'apps/cli/dist/index.js'), ...args]);
const npy = (path) => decodeNpy(new Uint8Array(readFileSync(path)), path);
const maxAbs = (a, b) => a.reduce((worst, v, i) => Math.max(worst, Math.abs(v - b[i])), 0);

console.log(run(py, [join(here, 'verify_torch.py'), 'reference', '--out', out]).trim());
const { cases, torch } = JSON.parse(readFileSync(join(out, 'cases.json'), 'utf8'));
const rows = [];
let failed = false;
for (const c of cases) {
  const dir = join(out, c.name);
  const runDir = join(dir, 'run');
  gan('import', '--model', c.model, ...c.flags, '--from', join(dir, 'reference.pt'), '--out', runDir);
  gan('sample', '--from', runDir, '--noise', join(dir, 'z.npy'), '--out', join(dir, 'ours.npy'), '--backend', 'cpu');
  const config = JSON.parse(readFileSync(join(runDir, 'config.json'), 'utf8'));
  const [lo, hi] = config.info.outputRange;
  const ours = npy(join(dir, 'ours.npy')).data.map((v) => lo + v * (hi - lo)); // gan sample writes [0, 1]
  const theirs = npy(join(dir, 'images.npy')).data;
  const importDiff = maxAbs(ours, theirs);
  gan('export', '--from', runDir, '--discriminator', '--out', join(dir, 'export', 'model.pt'));
  gan('export', '--from', runDir, '--discriminator', '--out', join(dir, 'export', 'model.safetensors'));
  // the export imported again: the same weights, bit for bit
  gan(
    'import',
    '--model',
    c.model,
    ...c.flags,
    '--from',
    join(dir, 'export', 'model.pt'),
    '--key',
    'generator',
    '--out',
    join(dir, 'reimport'),
  );
  const same =
    Buffer.compare(
      readFileSync(join(runDir, 'generator', 'weights.bin')),
      readFileSync(join(dir, 'reimport', 'generator', 'weights.bin')),
    ) === 0;
  rows.push({ case: c.name, parameters: c.parameters, importDiff, reimportIdentical: same });
  failed ||= !(importDiff < 1e-4) || !same;
}
const roundtrip = JSON.parse(
  run(py, [join(here, 'verify_torch.py'), 'roundtrip', '--dir', out])
    .trim()
    .split('\n')
    .pop(),
);
for (const row of rows) {
  row.exportPt = roundtrip[row.case]['model.pt'].maxAbsDiff;
  row.exportSafetensors = roundtrip[row.case]['model.safetensors'].maxAbsDiff;
  failed ||= !(row.exportPt < 1e-4) || !(row.exportSafetensors < 1e-4);
}

// DistributedDataParallel on 2 CPU processes, and back.
const ddp = join(out, 'ddp');
mkdirSync(ddp, { recursive: true });
const mnist = join(out, 'dcgan-mnist');
const ddpLog = run(
  py,
  [
    '-m',
    'torch.distributed.run',
    '--nproc_per_node',
    '2',
    '--master_port',
    '29517',
    join(root, 'examples/pytorch/train_ddp.py'),
    '--weights',
    join(mnist, 'export', 'model.pt'),
    ...(existsSync(values.data) ? ['--data', values.data] : []),
    '--steps',
    values['ddp-steps'],
    '--out',
    join(ddp, 'generator.pt'),
  ],
  { env: { ...process.env, OMP_NUM_THREADS: '1' } },
);
gan('import', '--model', 'dcgan-mnist', '--from', join(ddp, 'generator.pt'), '--out', join(ddp, 'run'));
gan('sample', '--from', join(ddp, 'run'), '--count', '64', '--seed', '1', '--out', join(ddp, 'samples.png'));
const changed =
  Buffer.compare(
    readFileSync(join(mnist, 'run', 'generator', 'weights.bin')),
    readFileSync(join(ddp, 'run', 'generator', 'weights.bin')),
  ) !== 0;
failed ||= !changed;

console.log(
  `\nPyTorch ${torch}; max abs difference of the generator's images for the same z (eval mode), output range of the model`,
);
console.log(
  '| model | parameters (G) | gan import vs PyTorch | export .pt in PyTorch | export .safetensors in PyTorch | re-import bit-identical |',
);
console.log('|---|---|---|---|---|---|');
for (const r of rows) {
  console.log(
    `| ${r.case} | ${r.parameters.toLocaleString('en')} | ${r.importDiff.toExponential(2)} | ${r.exportPt.toExponential(2)} | ${r.exportSafetensors.toExponential(2)} | ${r.reimportIdentical ? 'yes' : 'NO'} |`,
  );
}
console.log(
  `\nDDP (2 processes, gloo): ${ddpLog
    .trim()
    .split('\n')
    .filter((l) => l.startsWith('step'))
    .pop()}; imported back into ${join(ddp, 'run')} (weights ${changed ? 'changed by the training' : 'UNCHANGED'}), samples ${join(ddp, 'samples.png')}`,
);
if (failed) {
  console.error('FAILED: an agreement is worse than 1e-4, a re-import differs, or DDP did not change the weights.');
  process.exit(1);
}
