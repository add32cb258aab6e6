import { spawn } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { stallMessages, startStallWatchdog, watcherSource } from './watchdog.js';

/** A child process that only waits, for the watch to stop, and a file for the watch's line; `close()` tidies up. */
function target() {
  const child = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' });
  const exited = new Promise<NodeJS.Signals | null>((resolve) =>
    child.once('exit', (_code, signal) => resolve(signal)),
  );
  const file = join(mkdtempSync(join(tmpdir(), 'gan-watchdog-')), 'stderr.txt');
  const fd = openSync(file, 'w');
  const close = () => {
    child.kill('SIGKILL');
    closeSync(fd);
    rmSync(dirname(file), { recursive: true, force: true });
  };
  return { child, exited, file, fd, close };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The watcher's script run on this thread with timers the test drives: `tick()` is one poll. */
function watcherByHand(limitMs: number, pollMs: number) {
  const progress = new Int32Array(new SharedArrayBuffer(16));
  Atomics.store(progress, 1, -1);
  let tick = () => {};
  const kills: unknown[][] = [];
  const lines: string[] = [];
  const messages = {
    line: '{last}|{then}',
    lastStep: 'step {step} epoch {epoch}',
    noStep: 'none',
    saved: 'saved {saved}',
    unsaved: 'unsaved',
  };
  const workerData = { progress, limitMs, pollMs, messages, pid: 1234, fd: 9 };
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
  return { progress, kills, lines, tick: (times = 1) => Array.from({ length: times }, () => tick()) };
}

describe('the stall watchdog of gan train', () => {
  it('stops a process whose main thread is stuck, with a line naming the last step and how to go on', async () => {
    const { child, exited, file, fd, close } = target();
    try {
      const watchdog = startStallWatchdog(0.005, stallMessages(0.005, 'runs/x'), { pid: child.pid!, fd });
      watchdog.saved(1200);
      watchdog.stepEnded(1234, 7);
      // The main thread blocks as the stuck allocator did: no timer of this thread can run. The line is in the file
      // when it wakes, so the watch's own thread wrote it.
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 1_500);
      const line = readFileSync(file, 'utf8');
      expect(line).toBe(
        'gan: no training step has finished for 0.005 minutes (the last: step 1234 overall, in epoch 7); the process ' +
          'is stuck and is being stopped. Its last checkpoint (step 1200) is intact: go on with gan train --resume ' +
          'runs/x. If a step can take that long here, raise --stall-minutes (0 turns the watch off).\n',
      );
      expect(await exited).toBe('SIGKILL');
      watchdog.stop();
    } finally {
      close();
    }
  });

  it('says when no step or checkpoint was made yet, and counts the checkpoint a resumed run starts from', async () => {
    for (const [savedStep, expected] of [
      [undefined, '(none yet in this process); the process is stuck and is being stopped. No checkpoint was saved yet'],
      [500, '(none yet in this process); the process is stuck and is being stopped. Its last checkpoint (step 500)'],
    ] as const) {
      const { child, exited, file, fd, close } = target();
      try {
        startStallWatchdog(0.002, stallMessages(0.002, 'runs/y'), { pid: child.pid!, fd, savedStep });
        expect(await exited).toBe('SIGKILL');
        expect(readFileSync(file, 'utf8')).toContain(expected);
      } finally {
        close();
      }
    }
  });

  it('counts polls without progress, not the clock; any progress starts the count again', () => {
    const watch = watcherByHand(1000, 100);
    let clock = Date.now();
    const now = vi.spyOn(Date, 'now').mockImplementation(() => {
      clock += 3_600_000; // an hour between polls, as across a suspension: not a stall
      return clock;
    });
    try {
      watch.tick(); // the first poll takes the start
      watch.tick(9); // 900 ms of polls without progress
      Atomics.add(watch.progress, 0, 1);
      watch.tick(10); // progress, then 900 ms
      expect(watch.kills).toEqual([]);
      watch.tick(); // 1000 ms
      expect(watch.kills).toEqual([[1234, 'SIGKILL']]);
      expect(watch.lines).toEqual(['none|unsaved\n']);
    } finally {
      now.mockRestore();
    }
  });

  it('kills even when its line cannot be written (a closed stderr)', () => {
    const watch = watcherByHand(100, 100);
    watch.lines.push = () => {
      throw new Error('EPIPE');
    };
    watch.tick();
    expect(() => watch.tick()).toThrow('EPIPE'); // it ends the watch's thread, whose errors are ignored
    expect(watch.kills).toEqual([[1234, 'SIGKILL']]);
  });

  it('leaves a process alone after stop()', async () => {
    const { child, exited, file, fd, close } = target();
    let signal: NodeJS.Signals | null | undefined;
    void exited.then((s) => {
      signal = s;
    });
    try {
      const watchdog = startStallWatchdog(0.01, stallMessages(0.01, 'runs/z'), { pid: child.pid!, fd }); // 600 ms
      watchdog.stop();
      await sleep(1_500);
      expect(signal).toBeUndefined();
      expect(readFileSync(file, 'utf8')).toBe('');
    } finally {
      close();
    }
  });
});
