import { spawn } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { stallMessages, startStallWatchdog, watcherSource } from './watchdog.js';

/** A child process that only waits, for the watch to stop; and a file for the watch's line. */
function target() {
  const child = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' });
  const exited = new Promise<NodeJS.Signals | null>((resolve) =>
    child.once('exit', (_code, signal) => resolve(signal)),
  );
  const file = join(mkdtempSync(join(tmpdir(), 'gan-watchdog-')), 'stderr.txt');
  const fd = openSync(file, 'w');
  return { child, exited, file, fd };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('the stall watchdog of gan train', () => {
  it('stops a process whose main thread is stuck, with a line naming the last step and how to go on', async () => {
    const { child, exited, file, fd } = target();
    try {
      const watchdog = startStallWatchdog(0.005, stallMessages(0.005, 'runs/x'), { pid: child.pid!, fd });
      watchdog.saved(1200);
      watchdog.beat(1234, 7);
      // The main thread blocks as the stuck allocator did: no timer of ours can run, the watch still fires.
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 1_500);
      expect(await exited).toBe('SIGKILL');
      watchdog.stop();
      const line = readFileSync(file, 'utf8');
      expect(line).toContain(
        'no training step has finished for 0.005 minutes (the last: step 1234 overall, in epoch 7)',
      );
      expect(line).toContain('Its last checkpoint (step 1200) is intact: go on with gan train --resume runs/x');
      expect(line).toContain('--stall-minutes');
    } finally {
      child.kill('SIGKILL');
      closeSync(fd);
    }
  });

  it('says when no checkpoint was saved yet, and counts the checkpoint a resumed run starts from', async () => {
    for (const [savedStep, expected] of [
      [undefined, 'No checkpoint was saved yet: start the run again.'],
      [500, 'Its last checkpoint (step 500) is intact: go on with gan train --resume runs/y.'],
    ] as const) {
      const { child, exited, file, fd } = target();
      try {
        startStallWatchdog(0.002, stallMessages(0.002, 'runs/y'), { pid: child.pid!, fd, savedStep });
        expect(await exited).toBe('SIGKILL');
        expect(readFileSync(file, 'utf8')).toContain(expected);
      } finally {
        child.kill('SIGKILL');
        closeSync(fd);
      }
    }
  });

  it('counts polls without progress, not the clock: a process suspended for hours is not taken for a stuck one', () => {
    const progress = new Int32Array(new SharedArrayBuffer(16));
    let tick = () => {};
    const kills: unknown[][] = [];
    const lines: string[] = [];
    const workerData = {
      progress,
      limitMs: 1000,
      pollMs: 100,
      messages: { saved: 's', unsaved: 'u' },
      pid: 1234,
      fd: 9,
    };
    const fakeRequire = (name: string) =>
      name === 'node:worker_threads' ? { workerData } : { writeSync: (_fd: number, text: string) => lines.push(text) };
    const fakeSetInterval = (poll: () => void) => {
      tick = poll;
      return 1;
    };
    const fakeProcess = { kill: (...args: unknown[]) => kills.push(args) };
    new Function('require', 'setInterval', 'clearInterval', 'process', watcherSource)(
      fakeRequire,
      fakeSetInterval,
      () => {},
      fakeProcess,
    );
    let clock = Date.now();
    const now = vi.spyOn(Date, 'now').mockImplementation(() => {
      clock += 3_600_000; // an hour between polls, as across a suspension
      return clock;
    });
    try {
      for (let i = 0; i < 9; i++) tick(); // the first poll takes the start; then 800 ms of polls without progress
      expect(kills).toEqual([]);
      Atomics.add(progress, 0, 1);
      tick();
      for (let i = 0; i < 10; i++) tick(); // 1000 ms of polls without progress
      expect(kills).toEqual([[1234, 'SIGKILL']]);
      expect(lines).toEqual(['u\n']);
    } finally {
      now.mockRestore();
    }
  });

  it('leaves a process alone while it beats, and after stop()', async () => {
    const { child, exited, file, fd } = target();
    let signal: NodeJS.Signals | null | undefined;
    void exited.then((s) => {
      signal = s;
    });
    try {
      const watchdog = startStallWatchdog(0.005, { saved: 'stuck', unsaved: 'stuck' }, { pid: child.pid!, fd }); // 300 ms
      for (let i = 0; i < 20; i++) {
        watchdog.beat(i, 1);
        await sleep(50);
      }
      watchdog.stop();
      await sleep(800);
      expect(signal).toBeUndefined();
      expect(readFileSync(file, 'utf8')).toBe('');
    } finally {
      child.kill('SIGKILL');
      closeSync(fd);
    }
  });
});
