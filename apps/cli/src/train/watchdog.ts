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
  /** Progress: `step` is the step count so far (overall), `epoch` the epoch it is in. */
  beat(step: number, epoch: number): void;
  /** A checkpoint of step `step` (overall) is on disk. */
  saved(step: number): void;
  /** Ends the watch (the run is over). */
  stop(): void;
}

/** Words of the shared progress record. */
const [beatsWord, stepWord, epochWord, savedWord] = [0, 1, 2, 3];

/**
 * The watcher, a CommonJS script run with `eval`: a separate file would have to be found next to the bundle. It
 * polls rather than waits, so that it needs nothing from the main thread, and counts the polls that saw no progress
 * rather than reading the clock: a process suspended for hours (a laptop asleep, Ctrl-Z) finds the clock far ahead
 * when it resumes, and must not take that for a stall. Exported for tests, which run it with their own timers.
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
  const step = Atomics.load(progress, ${stepWord});
  const epoch = Atomics.load(progress, ${epochWord});
  const saved = Atomics.load(progress, ${savedWord}) - 1;
  const message = saved < 0 ? messages.unsaved : messages.saved.replace('{saved}', String(saved));
  clearInterval(timer);
  writeSync(fd, message.replace('{step}', String(step)).replace('{epoch}', String(epoch)) + '\\n');
  process.kill(pid, 'SIGKILL');
}, pollMs);
`;

/** Where a stall is reported and what is stopped: this process and its stderr unless a test says otherwise. */
export interface StallTarget {
  pid?: number;
  fd?: number;
}

/**
 * What the watch says: `saved` once a checkpoint is on disk (`{saved}`: its step), `unsaved` before; `{step}` and
 * `{epoch}` are the last ones seen.
 */
export interface StallMessages {
  saved: string;
  unsaved: string;
}

/**
 * Starts the watch: after `minutes` without a {@link StallWatchdog.beat}, one of `messages` goes to stderr and the
 * process is killed. `savedStep`: the step of the checkpoint already on disk (a resumed run). The watch does not
 * keep the process alive.
 */
export function startStallWatchdog(
  minutes: number,
  messages: StallMessages,
  options: StallTarget & { savedStep?: number } = {},
): StallWatchdog {
  const progress = new Int32Array(new SharedArrayBuffer(4 * 4));
  const target = options;
  if (options.savedStep !== undefined) Atomics.store(progress, savedWord, options.savedStep + 1);
  const limitMs = minutes * 60_000;
  const worker = new Worker(watcherSource, {
    eval: true,
    workerData: {
      progress,
      limitMs,
      pollMs: Math.max(20, Math.min(5_000, limitMs / 10)),
      messages,
      pid: target.pid ?? process.pid,
      fd: target.fd ?? 2,
    },
    stdout: true,
    stderr: true,
  });
  worker.unref();
  return {
    beat(step, epoch) {
      Atomics.store(progress, stepWord, step);
      Atomics.store(progress, epochWord, epoch);
      Atomics.add(progress, beatsWord, 1);
    },
    saved(step) {
      Atomics.store(progress, savedWord, step + 1);
      Atomics.add(progress, beatsWord, 1);
    },
    stop() {
      void worker.terminate();
    },
  };
}

/** The lines `gan train` ends a stuck run with. */
export function stallMessages(minutes: number, out: string): StallMessages {
  const head =
    `gan: no training step has finished for ${minutes} minute${minutes === 1 ? '' : 's'} (the last: step {step} ` +
    'overall, in epoch {epoch}); the process is stuck and is being stopped.';
  const tail = 'If a step can take that long here, raise --stall-minutes (0 turns the watch off).';
  return {
    saved: `${head} Its last checkpoint (step {saved}) is intact: go on with gan train --resume ${out}. ${tail}`,
    unsaved: `${head} No checkpoint was saved yet: start the run again. ${tail}`,
  };
}

/** Beats on every event of the loop: steps, epoch ends, sample grids and checkpoints. */
export function stallHooks(watchdog: StallWatchdog): RunHooks {
  let step = 0;
  let epoch = 0;
  const beat = () => watchdog.beat(step, epoch);
  return {
    onStepEnd: (info: StepInfo) => {
      step = info.globalStep;
      epoch = info.epoch;
      beat();
    },
    onEpochEnd: beat,
    onSamples: beat,
    onCheckpoint: (state: TrainingState) => watchdog.saved(state.globalStep),
  };
}
