import { Worker } from 'node:worker_threads';
import type { StepInfo, TrainingState } from '@gan/train';
import type { RunHooks } from './callbacks.js';

/**
 * A training process whose main thread stops making progress, stopped with a line that says what to do.
 *
 * The one hang seen in the soak tests (bench/RESULTS.md, issue #17) was the main thread spinning inside
 * tfjs-wasm's allocator on a lock nothing would release: no timer, signal handler or error handler of ours could
 * run, and the process would have spun forever. So the watch runs on a thread of its own, reads the last sign of
 * progress from shared memory, and when there has been none for `minutes`, writes its line straight to the file
 * descriptor (the main thread, which forwards a worker's console, is the stuck one) and kills the process
 * (SIGKILL: a stuck thread runs no handler of SIGTERM). Nothing is lost: checkpoints are written to a temporary
 * folder and renamed into place, and the next `--resume` takes over the run lock the process leaves.
 */
export interface StallWatchdog {
  /** A step ended: `step` is the step count so far (overall), `epoch` the (1-based) epoch it is in. */
  stepEnded(step: number, epoch: number): void;
  /** Other progress (an epoch's end, a sample grid, a measurement): the loop is alive. */
  beat(): void;
  /** A checkpoint of step `step` (overall) is on disk. */
  saved(step: number): void;
  /** Ends the watch (the run is over). */
  stop(): void;
}

/** Minutes without progress after which `gan train` stops a run, unless `--stall-minutes` says otherwise. */
export const defaultStallMinutes = 30;

/** Words of the shared progress record; the step is −1 until this process finishes one, the saved step + 1. */
const [beatsWord, stepWord, epochWord, savedWord] = [0, 1, 2, 3];

/**
 * The watcher, a CommonJS script run with `eval`: a separate file would have to be found next to the bundle. It
 * polls rather than waits, so that it needs nothing from the main thread, and counts the polls that saw no progress
 * rather than reading the clock: a process suspended for hours (a laptop asleep, Ctrl-Z) finds the clock far ahead
 * when it resumes, and must not take that for a stall. The line is written before the kill, but a stderr that
 * cannot be written (a closed pipe) does not keep the process alive. Exported for tests, which run it with their
 * own timers.
 */
export const watcherSource = `
const { workerData } = require('node:worker_threads');
const { writeSync } = require('node:fs');
const { progress, limitMs, pollMs, messages, pid, fd } = workerData;
let seen = -1;
let stalledMs = 0;
const timer = setInterval(() => {
  const beats = Atomics.load(progress, ${beatsWord});
  if (beats !== seen) { seen = beats; stalledMs = 0; return; }
  stalledMs += pollMs;
  if (stalledMs < limitMs) return;
  clearInterval(timer);
  const step = Atomics.load(progress, ${stepWord});
  const epoch = Atomics.load(progress, ${epochWord});
  const saved = Atomics.load(progress, ${savedWord}) - 1;
  const last = step < 0 ? messages.noStep : messages.lastStep.replace('{step}', String(step)).replace('{epoch}', String(epoch));
  const then = saved < 0 ? messages.unsaved : messages.saved.replace('{saved}', String(saved));
  try {
    writeSync(fd, messages.line.replace('{last}', last).replace('{then}', then) + '\\n');
  } finally {
    process.kill(pid, 'SIGKILL');
  }
}, pollMs);
`;

/** Where a stall is reported and what is stopped (tests stop a child process and read a file instead). */
export interface StallTarget {
  /** The process to kill; default this one. */
  pid?: number;
  /** The file descriptor the line goes to; default 2 (stderr). */
  fd?: number;
}

/**
 * What the watch says, put together as `line` with `{last}` (`lastStep` with `{step}` and `{epoch}` filled in, or
 * `noStep` where this process finished none) and `{then}` (`saved` with the checkpoint's `{saved}` step, or
 * `unsaved` where there is none).
 */
export interface StallMessages {
  line: string;
  lastStep: string;
  noStep: string;
  saved: string;
  unsaved: string;
}

/**
 * Starts the watch: after `minutes` without progress, one line made of `messages` goes to stderr and the process is
 * killed. `savedStep`: the step of the checkpoint already on disk (a resumed run). The watch does not keep the
 * process alive.
 */
export function startStallWatchdog(
  minutes: number,
  messages: StallMessages,
  options: StallTarget & { savedStep?: number } = {},
): StallWatchdog {
  const progress = new Int32Array(new SharedArrayBuffer(4 * 4));
  Atomics.store(progress, stepWord, -1);
  if (options.savedStep !== undefined) Atomics.store(progress, savedWord, options.savedStep + 1);
  const limitMs = minutes * 60_000;
  const worker = new Worker(watcherSource, {
    eval: true,
    workerData: {
      progress,
      limitMs,
      pollMs: Math.max(20, Math.min(5_000, limitMs / 10)),
      messages,
      pid: options.pid ?? process.pid,
      fd: options.fd ?? 2,
    },
    stdout: true,
    stderr: true,
  });
  worker.on('error', () => {}); // nothing the watch can fail at may take the run down
  worker.unref();
  const beat = () => Atomics.add(progress, beatsWord, 1);
  return {
    stepEnded(step, epoch) {
      Atomics.store(progress, stepWord, step);
      Atomics.store(progress, epochWord, epoch);
      beat();
    },
    beat,
    saved(step) {
      Atomics.store(progress, savedWord, step + 1);
      beat();
    },
    stop() {
      void worker.terminate();
    },
  };
}

/** The line `gan train` ends a stuck run with. */
export function stallMessages(minutes: number, out: string): StallMessages {
  return {
    line:
      `gan: no training step has finished for ${minutes} minute${minutes === 1 ? '' : 's'} ({last}); the process ` +
      'is stuck and is being stopped. {then} If a step can take that long here, raise --stall-minutes (0 turns the ' +
      'watch off).',
    lastStep: 'the last: step {step} overall, in epoch {epoch}',
    noStep: 'none yet in this process',
    saved: `Its last checkpoint (step {saved}) is intact: go on with gan train --resume ${out}.`,
    unsaved: 'No checkpoint was saved yet: start the run again.',
  };
}

/**
 * The loop's events as progress: steps, epoch ends, sample grids and checkpoints. `gan train` puts these hooks last
 * among its hooks, so that each event counts from the end of the others' work on it (an FID at an epoch's end).
 */
export function stallHooks(watchdog: StallWatchdog): RunHooks {
  return {
    onStepEnd: (info: StepInfo) => watchdog.stepEnded(info.globalStep, info.epoch),
    onEpochEnd: () => watchdog.beat(),
    onSamples: () => watchdog.beat(),
    onCheckpoint: (state: TrainingState) => watchdog.saved(state.globalStep),
  };
}
