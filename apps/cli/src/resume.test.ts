import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cli, gan } from './testing/run-cli.js';

/** A small, quick run: the MLP GAN on 256 ring points, 4 steps per epoch, on the wasm backend. */
const ring = (out: string, epochs: number, extra: string[] = []) => [
  'train',
  '--model',
  'mlp',
  '--data',
  'ring',
  '--limit',
  '256',
  '--batch-size',
  '64',
  '--epochs',
  String(epochs),
  '--seed',
  '4',
  '--backend',
  'wasm',
  '--out',
  out,
  ...extra,
];

const temporary = () => mkdtempSync(join(tmpdir(), 'gan-resume-'));
const bytes = (path: string) => readFileSync(path);
const logSteps = (dir: string) =>
  readFileSync(join(dir, 'log.jsonl'), 'utf8')
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line).step as number);
const manifest = (dir: string, name = 'latest') =>
  JSON.parse(readFileSync(join(dir, 'checkpoints', name, 'manifest.json'), 'utf8'));

/** Starts a run, sends SIGINT once the first epoch's checkpoint is written, resolves with the exit code. */
function interruptAfterFirstEpoch(args: string[]): Promise<{ code: number | null; stderr: string }> {
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, [cli, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    let sent = false;
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
      // "epoch 1/…" is printed in onEpochEnd; the checkpoint follows it before epoch 2 starts.
      if (!sent && /epoch 1\/\d/.test(stderr)) {
        sent = true;
        const poll = setInterval(() => {
          const out = args[args.indexOf('--out') + 1]!;
          if (existsSync(join(out, 'checkpoints', 'latest', 'manifest.json'))) {
            clearInterval(poll);
            child.kill('SIGINT');
          }
        }, 5);
      }
    });
    child.on('error', fail);
    child.on('close', (code) => done({ code, stderr }));
  });
}

describe('gan train --resume, checkpoints and gan log', () => {
  const reference = temporary();
  const straight = gan(ring(reference, 3));

  it('saves on SIGINT, exits 130, and --resume ends with the weights of an uninterrupted run', async () => {
    const dir = temporary();
    const interrupted = await interruptAfterFirstEpoch(ring(dir, 3, ['--keep-best-by', 'discriminatorLoss']));
    expect(interrupted.stderr).toContain('SIGINT: stopping after this step and saving a checkpoint');
    expect(interrupted.stderr).toContain(`Continue with: gan train --resume ${dir}`);
    expect(interrupted.code).toBe(130);
    const saved = manifest(dir);
    expect(saved.metadata.reason).toBe('aborted');
    expect(saved.globalStep).toBeGreaterThanOrEqual(4);
    expect(saved.globalStep).toBeLessThan(12);
    expect(manifest(dir, 'best').epoch).toBe(1);

    const resumed = await gan(['train', '--resume', dir, '--backend', 'wasm']);
    expect(resumed.stderr).toContain(`resuming ${dir} at epoch`);
    expect(resumed.code).toBe(0);
    expect((await straight).code).toBe(0);
    // wasm with 2 threads: bit-identical to the run that was never stopped
    for (const file of ['generator/weights.bin', 'discriminator/weights.bin', 'checkpoints/latest/state.bin']) {
      expect(bytes(join(dir, file)).equals(bytes(join(reference, file))), file).toBe(true);
    }
    const history = JSON.parse(readFileSync(join(dir, 'history.json'), 'utf8'));
    const referenceHistory = JSON.parse(readFileSync(join(reference, 'history.json'), 'utf8'));
    expect(history.map((h: { generatorLoss: number }) => h.generatorLoss)).toEqual(
      referenceHistory.map((h: { generatorLoss: number }) => h.generatorLoss),
    );
    // every step logged once, in order, although some were logged after the checkpoint before the stop
    expect(logSteps(dir)).toEqual(Array.from({ length: 12 }, (_, i) => i + 1));
    const config = JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8'));
    expect(config.resumed).toHaveLength(1);
    expect(config.training.keepBestBy).toBe('discriminatorLoss');
    const best = manifest(dir, 'best');
    expect(best.metadata.best.value).toBe(
      Math.min(...history.map((h: { discriminatorLoss: number }) => h.discriminatorLoss)),
    );
    expect(best.epoch).toBe(best.metadata.best.epoch);

    const log = await gan(['log', dir]);
    expect(log.code).toBe(0);
    expect(log.stdout).toContain('steps: 12 in 3 epochs');
    expect(log.stdout).toContain('checkpoint latest: epoch 3, step 4/4 (12 overall)');
    expect(log.stdout).toMatch(/checkpoint best: +epoch \d, step 4\/4 .*discriminatorLoss/);
    expect(log.stdout).toMatch(/speed: [\d.]+ img\/s/);
    expect(bytes(join(dir, 'loss.png')).subarray(1, 4).toString()).toBe('PNG');
  }, 120_000);

  it('extends a finished run with --epochs, and refuses flags that conflict with config.json', async () => {
    const dir = temporary();
    expect((await gan(ring(dir, 2))).code).toBe(0);
    const conflict = await gan(['train', '--resume', dir, '--batch-size', '32']);
    expect(conflict.code).toBe(2);
    expect(conflict.stderr).toContain('--batch-size 32 conflicts with the run in');
    expect(conflict.stderr).toContain('started with 64');
    // repeating a recorded value is fine; so is a new --epochs
    const more = await gan(['train', '--resume', dir, '--batch-size', '64', '--epochs', '3', '--backend', 'wasm']);
    expect(more.code).toBe(0);
    expect((await straight).code).toBe(0);
    expect(bytes(join(dir, 'generator/weights.bin')).equals(bytes(join(reference, 'generator/weights.bin')))).toBe(
      true,
    );
    expect(logSteps(dir)).toHaveLength(12);
    // a new run in the same folder would overwrite it: refused unless asked
    const again = await gan(ring(dir, 1));
    expect(again.code).toBe(2);
    expect(again.stderr).toContain(`Continue it with --resume ${dir}`);
  }, 120_000);

  it('resumes a run whose config.json was written before config.json had a version', async () => {
    const dir = temporary();
    expect((await gan(ring(dir, 1))).code).toBe(0);
    // the training of config.json as gan train wrote it before recipes had a version
    const path = join(dir, 'config.json');
    const config = JSON.parse(readFileSync(path, 'utf8'));
    expect(config.training.version).toBe(1);
    const { version, discriminatorSteps, augment, labelNoise, ...training } = config.training;
    writeFileSync(path, JSON.stringify({ ...config, training: { ...training, sampleEpochs: 'every' } }));
    const resumed = await gan(['train', '--resume', dir, '--epochs', '3', '--backend', 'wasm']);
    expect(resumed.code, resumed.stderr).toBe(0);
    expect((await straight).code).toBe(0);
    for (const file of ['generator/weights.bin', 'discriminator/weights.bin']) {
      expect(bytes(join(dir, file)).equals(bytes(join(reference, file))), file).toBe(true);
    }
    // rewritten by the resume as this version writes it
    expect(JSON.parse(readFileSync(path, 'utf8')).training).toMatchObject({
      version: 1,
      epochs: 3,
      discriminatorSteps: 1,
      augment: [],
      labelNoise: 0,
    });
  }, 120_000);

  it('keeps the last good checkpoint when the loss turns NaN, and names a damaged checkpoint file', async () => {
    const dir = temporary();
    expect((await gan(ring(dir, 1))).code).toBe(0);
    const exploded = await gan(['train', '--resume', dir, '--epochs', '2', '--lr', '1e25', '--backend', 'wasm']);
    expect(exploded.code).toBe(1);
    expect(exploded.stderr).toMatch(/loss is (NaN|-?Infinity) at epoch 2/);
    expect(exploded.stderr).toContain(
      `The last good checkpoint (epoch 1, step 4 overall) is kept in ${dir}/checkpoints/latest`,
    );
    expect(manifest(dir).globalStep).toBe(4);
    expect(existsSync(join(dir, 'checkpoints/previous'))).toBe(false); // one save so far: nothing before it
    // the checkpoint survives and the run goes on with a sane rate
    const recovered = await gan(['train', '--resume', dir, '--epochs', '2', '--lr', '0.0002', '--backend', 'wasm']);
    expect(recovered.code).toBe(0);
    expect(manifest(dir).globalStep).toBe(8);
    expect(manifest(dir, 'previous').globalStep).toBe(4);

    truncateSync(join(dir, 'checkpoints/latest/state.bin'), 10);
    const corrupt = await gan(['train', '--resume', dir, '--epochs', '3', '--backend', 'wasm']);
    expect(corrupt.code).toBe(1);
    expect(corrupt.stderr).toContain(`${dir}/checkpoints/latest/state.bin has 10 bytes, the manifest says`);
    expect(corrupt.stderr).toContain(`delete or move ${dir}/checkpoints/latest`);
    // a save cut short between its two renames: latest is gone, previous is used
    rmSync(join(dir, 'checkpoints/latest'), { recursive: true });
    const fallback = await gan(['train', '--resume', dir, '--epochs', '3', '--backend', 'wasm']);
    expect(fallback.stderr).toContain('checkpoints/latest is missing (a save was cut short); resuming from');
    expect(fallback.code).toBe(0);
  }, 120_000);

  it('says what to do when there is nothing to resume or log', async () => {
    const empty = temporary();
    const resume = await gan(['train', '--resume', empty]);
    expect(resume.code).toBe(1);
    expect(resume.stderr).toContain(`No config.json in "${empty}"`);
    const log = await gan(['log', empty]);
    expect(log.code).toBe(1);
    expect(log.stderr).toContain(`No log.jsonl in "${empty}"`);
  });
});
