// Fault injection for gan train (issue #17). Needs the CLI built (npm run build); run as root for the full-disk
// case (it mounts a small tmpfs). Prints Markdown tables for bench/RESULTS.md.
//
//   node bench/faults/faults.mjs [--kills 20] [--epochs 60] [--seed 1] [--only kills,disk,corrupt] [--cli FILE]
//
// kills:   a run of the MLP GAN on 256 ring points (cpu backend: deterministic) with a checkpoint after every
//          step is killed with SIGKILL at --kills random moments (inside steps and inside checkpoint writes),
//          each followed by gan train --resume; then the final weights are compared with an uninterrupted run's.
// disk:    a run folder on a 48 MiB tmpfs filled up so that the next checkpoint cannot be written.
// corrupt: every kind of file the CLI reads, damaged, and the command that reads it.
import { spawn, spawnSync } from 'node:child_process';
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  truncateSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';

const args = Object.fromEntries(
  process.argv.slice(2).flatMap((arg, i, all) => (arg.startsWith('--') ? [[arg.slice(2), all[i + 1]]] : [])),
);
// --cli FILE: another build of the CLI (e.g. one bundled file, safe from rebuilds of the packages while this runs).
const cli = args.cli ?? new URL('../../apps/cli/dist/index.js', import.meta.url).pathname;
const kills = Number(args.kills ?? 20);
const epochs = Number(args.epochs ?? 60);
const only = (args.only ?? 'kills,disk,corrupt').split(',');
let seed = Number(args.seed ?? 1);
const random = () => {
  // mulberry32: the kill moments are reproducible with --seed.
  seed = (seed + 0x6d2b79f5) | 0;
  let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
  t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
};
const work = mkdtempSync(join(tmpdir(), 'gan-faults-'));
const ring = (out, extra = [], e = epochs) => [
  'train',
  '--model',
  'mlp',
  '--data',
  'ring',
  '--limit',
  '256',
  '--batch-size',
  '64',
  '--seed',
  '4',
  '--backend',
  'cpu',
  '--checkpoint-every',
  '1',
  '--epochs',
  String(e),
  '--out',
  out,
  ...extra,
];
const gan = (argv) => {
  const r = spawnSync(process.execPath, [cli, ...argv], { encoding: 'utf8' });
  return { code: r.status, out: `${r.stdout}${r.stderr}`, stderr: r.stderr };
};
/** Every path under `dir` whose name marks a temporary (a write that did not finish). */
const temporaries = (dir) =>
  readdirSync(dir, { recursive: true }).filter((p) => /tmp|\.partial|\.incomplete/i.test(String(p)));
const hasStack = (text) => /\n\s+at .+:\d+:\d+/.test(text);

if (only.includes('kills')) {
  const reference = join(work, 'reference');
  const t0 = performance.now();
  const ref = gan(ring(reference));
  if (ref.code !== 0) throw new Error(`reference run failed: ${ref.out}`);
  const runSeconds = (performance.now() - t0) / 1000;
  const dir = join(work, 'killed');
  const attempts = [];
  for (let i = 0; i < kills; i++) {
    const argv = i === 0 ? ring(dir) : ['train', '--resume', dir, '--backend', 'cpu'];
    const child = spawn(process.execPath, [cli, ...argv], { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (d) => {
      output += d;
    });
    child.stderr.on('data', (d) => {
      output += d;
    });
    const exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
    // Wait until this process trains (a step logged; the first run: its first checkpoint), then up to 1.5 s more.
    const logPath = join(dir, 'log.jsonl');
    const linesBefore = existsSync(logPath) ? readFileSync(logPath, 'utf8').length : 0;
    const started = performance.now();
    const manifestPath = join(dir, 'checkpoints', 'latest', 'manifest.json');
    while (performance.now() - started < 120_000) {
      // The fresh run: once its first checkpoint exists (a kill before it leaves nothing to resume).
      if (i === 0 ? existsSync(manifestPath) : existsSync(logPath) && statSync(logPath).size > linesBefore) break;
      if (child.exitCode !== null) break;
      await new Promise((r) => setTimeout(r, 20));
    }
    await new Promise((r) => setTimeout(r, random() * 1500));
    const checkpointsDir = join(dir, 'checkpoints');
    child.kill('SIGKILL');
    const { code, signal } = await exited;
    const leftovers = existsSync(checkpointsDir)
      ? readdirSync(checkpointsDir).filter((name) => !['latest', 'previous', 'best'].includes(name))
      : [];
    const manifest = existsSync(join(checkpointsDir, 'latest', 'manifest.json'))
      ? JSON.parse(readFileSync(join(checkpointsDir, 'latest', 'manifest.json'), 'utf8'))
      : undefined;
    attempts.push({
      i: i + 1,
      killed: signal === 'SIGKILL',
      finishedFirst: code === 0,
      where: leftovers.length > 0 ? 'checkpoint write' : 'steps',
      error: /gan: /.test(output)
        ? output
            .trim()
            .split('\n')
            .find((l) => l.startsWith('gan: '))
        : undefined,
      resumed: i === 0 || /resuming/.test(output),
      step: manifest?.globalStep,
    });
    if (code === 0) break;
  }
  const last = gan(['train', '--resume', dir, '--backend', 'cpu']);
  const leftover = temporaries(dir);
  const same = ['generator', 'discriminator'].every((net) =>
    readFileSync(join(dir, net, 'weights.bin')).equals(readFileSync(join(reference, net, 'weights.bin'))),
  );
  const sameCheckpoint = ['generator', 'discriminator'].every((net) =>
    readFileSync(join(dir, 'checkpoints', 'latest', net, 'weights.bin')).equals(
      readFileSync(join(reference, 'checkpoints', 'latest', net, 'weights.bin')),
    ),
  );
  console.log(
    `\n### kill -9 and --resume (${epochs} epochs × 4 steps, a checkpoint after every step; uninterrupted: ${runSeconds.toFixed(1)} s)\n`,
  );
  console.log('| kill | landed in | checkpoint step after it | process resumed before the kill | error |');
  console.log('|---:|---|---:|---|---|');
  for (const a of attempts) {
    console.log(
      `| ${a.i} | ${a.killed ? a.where : 'finished before the kill'} | ${a.step ?? '–'} | ${a.i === 1 ? '(fresh run)' : a.resumed ? 'yes' : 'killed during start-up'} | ${a.error ?? ''} |`,
    );
  }
  const inWrites = attempts.filter((a) => a.killed && a.where === 'checkpoint write').length;
  const errors = attempts.filter((a) => a.error).length;
  console.log(
    `\n${attempts.filter((a) => a.killed).length} kills (${inWrites} inside a checkpoint write), ${errors} resumes that failed; ` +
      `final --resume exit ${last.code}; temporaries left: ${leftover.length === 0 ? 'none' : leftover.join(', ')}; ` +
      `final weights ${same ? 'equal' : 'DIFFERENT from'} the uninterrupted run's (generator/ and discriminator/), ` +
      `checkpoints/latest ${sameCheckpoint ? 'equal' : 'DIFFERENT'}.`,
  );
}

if (only.includes('disk')) {
  const mount = join(work, 'small-disk');
  mkdirSync(mount);
  const mounted = spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=48m', 'tmpfs', mount]).status === 0;
  console.log('\n### A disk that fills up during a checkpoint\n');
  if (!mounted) console.log('(could not mount a tmpfs: run as root)');
  else {
    try {
      const dir = join(mount, 'run');
      const first = gan(ring(dir, [], 1));
      if (first.code !== 0) throw new Error(`the first epoch on the tmpfs failed: ${first.out}`);
      const before = readFileSync(join(dir, 'checkpoints', 'latest', 'manifest.json'), 'utf8');
      // Leave less room than one checkpoint (its weights and optimizer state) needs.
      const checkpointBytes = readdirSync(join(dir, 'checkpoints', 'latest'), { recursive: true })
        .map((p) => join(dir, 'checkpoints', 'latest', String(p)))
        .filter((p) => statSync(p).isFile())
        .reduce((n, p) => n + statSync(p).size, 0);
      const free = () =>
        Number(spawnSync('df', ['-B1', '--output=avail', mount], { encoding: 'utf8' }).stdout.split('\n')[1]);
      const fillTo = Math.max(0, free() - Math.floor(checkpointBytes / 2));
      writeFileSync(join(mount, 'filler'), Buffer.alloc(fillTo));
      const full = gan(['train', '--resume', dir, '--backend', 'cpu', '--epochs', '3']);
      const errorLines = full.stderr
        .trim()
        .split('\n')
        .filter((l) => l.startsWith('gan: '));
      const intact = readFileSync(join(dir, 'checkpoints', 'latest', 'manifest.json'), 'utf8');
      rmSync(join(mount, 'filler'));
      const again = gan(['train', '--resume', dir, '--backend', 'cpu', '--epochs', '2']);
      console.log('| what | result |');
      console.log('|---|---|');
      console.log(`| first epoch on the 48 MiB tmpfs | exit ${first.code}, checkpoint of ${checkpointBytes} bytes |`);
      console.log(
        `| --resume with ${Math.floor(checkpointBytes / 2)} bytes free | exit ${full.code}: \`${errorLines.join(' / ') || full.stderr.trim().split('\n').slice(-3).join(' / ')}\` |`,
      );
      console.log(`| stack trace printed | ${hasStack(full.out) ? 'YES' : 'no'} |`);
      console.log(
        `| checkpoints/latest after it | ${intact === before ? 'the previous one, unchanged' : 'changed'}; temporaries left: ${temporaries(dir).join(', ') || 'none'} |`,
      );
      console.log(
        `| --resume after freeing space | exit ${again.code}${again.code === 0 ? ', trained on' : `: ${again.out.trim().split('\n').at(-1)}`} |`,
      );
    } finally {
      spawnSync('umount', [mount]);
    }
  }
}

if (only.includes('corrupt')) {
  // A finished run to damage copies of.
  const base = join(work, 'base');
  const made = gan(ring(base, [], 1));
  if (made.code !== 0) throw new Error(`base run failed: ${made.out}`);
  const copy = (name) => {
    const dir = join(work, `c-${name}`);
    spawnSync('cp', ['-r', base, dir]);
    return dir;
  };
  const cases = [];
  const tryCase = (kind, file, damage, command, expect = 'error') => {
    const dir = copy(cases.length);
    const path = join(dir, file);
    damage(path, dir);
    const r = gan(command(dir, path));
    const stderrLines = r.stderr
      .trim()
      .split('\n')
      .filter((l) => l.length > 0);
    const message = stderrLines.find((l) => l.startsWith('gan: ')) ?? stderrLines.at(-1) ?? '';
    const names = message.includes(file.split('/').at(-1)) || message.includes(path);
    const held =
      expect === 'error'
        ? r.code !== 0 && message.startsWith('gan: ') && names && !hasStack(r.out)
        : r.code === 0 && !hasStack(r.out);
    cases.push({ kind, how: damage.label, command: command(dir, path)[0], code: r.code, message, held });
  };
  const garbage = Object.assign((p) => writeFileSync(p, 'not what it should be \x00\x01'), { label: 'garbage bytes' });
  const truncated = Object.assign((p) => truncateSync(p, Math.floor(statSync(p).size / 2)), { label: 'cut in half' });
  const emptied = Object.assign((p) => writeFileSync(p, ''), { label: 'empty' });
  const badJson = Object.assign((p) => writeFileSync(p, readFileSync(p, 'utf8').slice(0, -20)), {
    label: 'JSON cut short',
  });
  const flipped = Object.assign(
    (p) => {
      const b = readFileSync(p);
      b[Math.floor(b.length / 2)] ^= 0xff;
      writeFileSync(p, b);
    },
    { label: 'one byte flipped' },
  );
  const sample = (dir) => ['sample', '--from', dir, '--count', '4', '--out', join(dir, 's.png'), '--backend', 'cpu'];
  const resume = (dir) => ['train', '--resume', dir, '--backend', 'cpu', '--epochs', '2'];
  for (const damage of [garbage, truncated, emptied, badJson])
    tryCase('generator model.json', 'generator/model.json', damage, sample);
  for (const damage of [truncated, emptied]) tryCase('generator weights.bin', 'generator/weights.bin', damage, sample);
  for (const damage of [garbage, badJson]) tryCase('config.json', 'config.json', damage, sample);
  for (const damage of [garbage, badJson]) tryCase('config.json (resume)', 'config.json', damage, resume);
  for (const damage of [garbage, badJson, emptied])
    tryCase('checkpoint manifest', 'checkpoints/latest/manifest.json', damage, resume);
  for (const damage of [truncated, flipped])
    tryCase('checkpoint weights', 'checkpoints/latest/generator/weights.bin', damage, resume);
  for (const damage of [truncated, flipped])
    tryCase('checkpoint state', 'checkpoints/latest/state.bin', damage, resume);
  for (const damage of [garbage, badJson])
    tryCase('checkpoint model.json', 'checkpoints/latest/discriminator/model.json', damage, resume);
  // TensorBoard files are appended to by a new file per process and never read back: a damaged one does not stop a resume.
  const tbFile = (dir) => join('tensorboard', readdirSync(join(dir, 'tensorboard'))[0]);
  for (const damage of [garbage, truncated]) {
    const dir = copy(cases.length);
    const file = tbFile(dir);
    damage(join(dir, file));
    const r = gan(resume(dir));
    cases.push({
      kind: 'TensorBoard event file',
      how: damage.label,
      command: 'train --resume',
      code: r.code,
      message: r.code === 0 ? '(trains on; a new event file is written)' : r.stderr.trim().split('\n').at(-1),
      held: r.code === 0 && !hasStack(r.out),
    });
  }
  // Data files: idx, npy, PNG/JPEG.
  const dataDir = join(work, 'data');
  mkdirSync(join(dataDir, 'idx'), { recursive: true });
  const idxImages = Buffer.alloc(16 + 64 * 28 * 28);
  idxImages.writeUInt32BE(0x803, 0);
  idxImages.writeUInt32BE(64, 4);
  idxImages.writeUInt32BE(28, 8);
  idxImages.writeUInt32BE(28, 12);
  const idxLabels = Buffer.alloc(8 + 64);
  idxLabels.writeUInt32BE(0x801, 0);
  idxLabels.writeUInt32BE(64, 4);
  const idxCase = (how, images) => {
    const dir = join(dataDir, `idx-${cases.length}`);
    mkdirSync(dir);
    writeFileSync(join(dir, 't10k-images-idx3-ubyte.gz'), gzipSync(images));
    writeFileSync(join(dir, 't10k-labels-idx1-ubyte.gz'), gzipSync(idxLabels));
    const r = gan([
      'train',
      '--model',
      'dcgan-mnist',
      '--data',
      dir,
      '--epochs',
      '1',
      '--batch-size',
      '16',
      '--out',
      join(dir, 'run'),
      '--backend',
      'cpu',
    ]);
    const message =
      r.stderr
        .trim()
        .split('\n')
        .filter((l) => l.startsWith('gan: '))[0] ?? r.stderr.trim().split('\n').at(-1);
    cases.push({
      kind: 'idx images',
      how,
      command: 'train --data',
      code: r.code,
      message,
      held: r.code !== 0 && /t10k-images/.test(message ?? '') && !hasStack(r.out),
    });
  };
  idxCase('cut in half', idxImages.subarray(0, idxImages.length / 2));
  idxCase('wrong magic number', Buffer.concat([Buffer.from([0, 0, 9, 9]), idxImages.subarray(4)]));
  const npyCase = (how, bytes) => {
    const file = join(dataDir, `bad-${cases.length}.npy`);
    writeFileSync(file, bytes);
    const r = gan(['eval', '--images', file, '--data', 'mnist', '--backend', 'cpu']);
    const message =
      r.stderr
        .trim()
        .split('\n')
        .filter((l) => l.startsWith('gan: '))[0] ?? r.stderr.trim().split('\n').at(-1);
    cases.push({
      kind: '.npy images',
      how,
      command: 'eval --images',
      code: r.code,
      message,
      held: r.code !== 0 && message?.includes(file) && !hasStack(r.out),
    });
  };
  npyCase('garbage bytes', Buffer.from('not an npy file at all'));
  npyCase(
    'header promises more data',
    Buffer.concat([
      Buffer.from([0x93]),
      Buffer.from('NUMPY'),
      Buffer.from([1, 0]),
      Buffer.from([0x46, 0]),
      Buffer.from(`${"{'descr': '<f4', 'fortran_order': False, 'shape': (10, 28, 28, 1), }".padEnd(69, ' ')}\n`),
    ]),
  );
  const noiseCase = (how, bytes) => {
    const file = join(dataDir, `noise-${cases.length}.npy`);
    writeFileSync(file, bytes);
    const r = gan(['sample', '--from', base, '--noise', file, '--out', join(dataDir, 'n.png'), '--backend', 'cpu']);
    const message =
      r.stderr
        .trim()
        .split('\n')
        .filter((l) => l.startsWith('gan: '))[0] ?? r.stderr.trim().split('\n').at(-1);
    cases.push({
      kind: '.npy noise',
      how,
      command: 'sample --noise',
      code: r.code,
      message,
      held: r.code !== 0 && message?.includes(file) && !hasStack(r.out),
    });
  };
  noiseCase('garbage bytes', Buffer.from('NUMPY garbage'));
  const imagesDir = join(dataDir, 'images');
  mkdirSync(imagesDir);
  const png = readdirSync(join(base, 'samples')).find((n) => n.endsWith('.png'));
  for (let i = 0; i < 40; i++) copyFileSync(join(base, 'samples', png), join(imagesDir, `ok-${i}.png`));
  writeFileSync(join(imagesDir, 'broken.png'), readFileSync(join(base, 'samples', png)).subarray(0, 100));
  writeFileSync(join(imagesDir, 'broken.jpg'), Buffer.from([0xff, 0xd8, 0xff, 0xe0, 1, 2, 3]));
  {
    const r = gan([
      'train',
      '--model',
      'dcgan',
      '--data',
      imagesDir,
      '--image-size',
      '32',
      '--ngf',
      '4',
      '--ndf',
      '4',
      '--epochs',
      '1',
      '--batch-size',
      '8',
      '--out',
      join(dataDir, 'img-run'),
      '--backend',
      'cpu',
    ]);
    const warning = r.out.split('\n').find((l) => /broken\.png/.test(l) && /broken\.jpg/.test(l));
    cases.push({
      kind: 'PNG and JPEG images',
      how: 'cut short / garbage',
      command: 'train --data DIR',
      code: r.code,
      message: warning ?? r.out.trim().split('\n').at(-1),
      held: r.code === 0 && warning !== undefined && !hasStack(r.out),
    });
  }

  console.log('\n### Corrupted files the CLI reads\n');
  console.log('| file | damage | command | exit | what it said | held |');
  console.log('|---|---|---|---:|---|---|');
  for (const c of cases) {
    console.log(
      `| ${c.kind} | ${c.how} | gan ${c.command} | ${c.code} | ${String(c.message).replaceAll(work, '…').replaceAll('|', '\\|').slice(0, 220)} | ${c.held ? 'yes' : '**no**'} |`,
    );
  }
  console.log(
    `\n${cases.length} tried, ${cases.filter((c) => c.held).length} held (one line naming the file, no stack trace; data images: skipped and named).`,
  );
}
rmSync(work, { recursive: true, force: true });
