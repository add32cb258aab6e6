import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readEventFiles } from '@gan/train/node';
import { describe, expect, it } from 'vitest';
import { cli, gan } from './testing/run-cli.js';

/** The MLP GAN on 256 ring points (4 steps per epoch) on the wasm backend. */
const ring = (out: string, epochs: number) =>
  ['train', '--model', 'mlp', '--data', 'ring', '--limit', '256', '--batch-size', '64', '--seed', '4'].concat([
    '--backend',
    'wasm',
    '--epochs',
    String(epochs),
    '--out',
    out,
  ]);

const waitFor = async (condition: () => boolean, ms = 120_000) => {
  const start = Date.now();
  while (!condition()) {
    if (Date.now() - start > ms) throw new Error('timed out');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
};

describe('gan train: one writer per run folder', () => {
  it('refuses a second writer naming the live process, lets sample read the last checkpoint, and takes over the lock of a killed one', async () => {
    const dir = join(mkdtempSync(join(tmpdir(), 'gan-lock-')), 'run');
    const first = spawn(process.execPath, [cli, ...ring(dir, 100_000)], { stdio: 'ignore' });
    const exited = new Promise((resolve) => first.once('exit', resolve));
    try {
      await waitFor(() => existsSync(join(dir, 'checkpoints', 'latest', 'manifest.json')));
      const lock = JSON.parse(readFileSync(join(dir, '.gan-train.lock'), 'utf8'));
      expect(lock.pid).toBe(first.pid);

      for (const args of [
        ['train', '--resume', dir],
        [...ring(dir, 2), '--overwrite'],
      ]) {
        const second = await gan(args);
        expect(second.code).toBe(2);
        expect(second.stderr).toContain(`is being written by another gan train (process ${first.pid}`);
        expect(second.stderr).toContain(`gan train --resume ${dir}`);
        expect(second.stderr).not.toMatch(/\n\s+at /);
      }

      const out = join(dir, '..', 'live.png');
      const sampled = await gan(['sample', '--from', dir, '--count', '16', '--out', out, '--backend', 'wasm']);
      expect(sampled.code).toBe(0);
      expect(sampled.stderr).toContain(
        `is being trained (process ${first.pid}): reading the generator of its last complete checkpoint`,
      );
      expect(existsSync(out)).toBe(true);
    } finally {
      first.kill('SIGKILL');
      await exited;
    }
    expect(existsSync(join(dir, '.gan-train.lock'))).toBe(true);
    const { epoch, globalStep } = JSON.parse(readFileSync(join(dir, 'checkpoints', 'latest', 'manifest.json'), 'utf8'));
    const resumed = await gan(['train', '--resume', dir, '--epochs', String(epoch + 1)]);
    expect(resumed.code).toBe(0);
    expect(resumed.stderr + resumed.stdout).toContain(
      `note: ${dir} was locked by process ${first.pid} (gan train --model mlp`,
    );
    expect(resumed.stderr + resumed.stdout).toContain('which no longer runs; taking the lock over.');
    // Released at exit.
    expect(existsSync(join(dir, '.gan-train.lock'))).toBe(false);

    // tensorboard/: one event file per process; the resumed one starts after the checkpoint it went on from.
    const events = readEventFiles(join(dir, 'tensorboard'));
    const files = new Set(events.map((event) => event.file));
    expect(files.size).toBeGreaterThanOrEqual(2);
    expect(events.find((event) => event.sessionLog === 'start')?.step).toBe(globalStep + 1);
    const steps = events.flatMap((event) =>
      (event.summary ?? []).filter((value) => value.tag === 'loss/generator').map(() => event.step),
    );
    expect(steps).toContain(epoch * 4 + 4);
    for (const tag of ['learning_rate/generator', 'learning_rate/discriminator', 'speed/images_per_second']) {
      expect(events.some((event) => event.summary?.some((value) => value.tag === tag))).toBe(true);
    }
    rmSync(join(dir, '..'), { recursive: true, force: true });
  }, 240_000);

  it('stops a run whose steps stall for --stall-minutes with one line saying what to do; the next run takes the lock over', async () => {
    const dir = join(mkdtempSync(join(tmpdir(), 'gan-stall-')), 'run');
    const small = ['train', '--model', 'dcgan', '--data', 'shapes', '--image-size', '32', '--ngf', '16', '--ndf', '16'];
    const args = [...small, '--batch-size', '32', '--limit', '64', '--epochs', '1', '--backend', 'wasm', '--out', dir];
    // 12 ms without a finished step: the first convolution step of this DCGAN takes longer.
    const stalled = spawn(process.execPath, [cli, ...args, '--stall-minutes', '0.0002'], { stdio: 'pipe' });
    let stderr = '';
    stalled.stderr.on('data', (chunk) => {
      stderr += chunk;
    });
    const signal = await new Promise((resolve) => stalled.once('exit', (_code, s) => resolve(s)));
    expect(signal).toBe('SIGKILL');
    expect(stderr).toContain('gan: no training step has finished for 0.0002 minutes');
    expect(stderr).toContain('No checkpoint was saved yet: start the run again.');
    expect(stderr).not.toMatch(/\n\s+at /);
    expect(existsSync(join(dir, '.gan-train.lock'))).toBe(true);

    const again = await gan([...args, '--stall-minutes', '0']);
    expect(again.code).toBe(0);
    expect(again.stderr).toContain(`was locked by process ${stalled.pid}`);
    expect(existsSync(join(dir, 'generator', 'model.json'))).toBe(true);
    rmSync(join(dir, '..'), { recursive: true, force: true });
  }, 240_000);
});
