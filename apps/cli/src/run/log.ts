import { closeSync, fsyncSync, openSync, writeSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic } from './files.js';

/** `log.jsonl` of a run folder. */
export function runLogPath(dir: string): string {
  return join(dir, 'log.jsonl');
}

/** One line of `log.jsonl`: one training step. */
export interface StepLogEntry {
  /** 1-based step since the start of the run. */
  step: number;
  epoch: number;
  /** 1-based step within the epoch. */
  stepInEpoch: number;
  discriminatorLoss: number;
  generatorLoss: number;
  /** Wall-clock seconds since the step before (or since training started). */
  seconds: number;
  /** Real examples per second over this step. */
  imagesPerSecond: number;
  /** When the step ended (ISO 8601). */
  time: string;
}

/** A line of `log.jsonl` for an FID measurement (`gan train --eval-every`), after the epoch's last step. */
export interface EvalLogEntry {
  kind: 'eval';
  /** The step the measurement followed. */
  step: number;
  epoch: number;
  fid: number;
  /** Generated images measured. */
  count: number;
  time: string;
}

/** Appends one JSON line per step; every line is written through to the OS at once. */
export interface RunLog {
  append(entry: StepLogEntry | EvalLogEntry): void;
  /** Flushes to disk (called with every checkpoint). */
  sync(): void;
  close(): void;
}

/** Every line of `log.jsonl` with a step; a line that does not parse (the last one of a killed run) is skipped. */
async function readLogLines(path: string): Promise<(StepLogEntry | EvalLogEntry)[]> {
  const text = await readFile(path, 'utf8');
  const entries: (StepLogEntry | EvalLogEntry)[] = [];
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue;
    try {
      const entry = JSON.parse(line) as StepLogEntry | EvalLogEntry;
      if (typeof entry.step === 'number') entries.push(entry);
    } catch {
      // a half-written last line
    }
  }
  return entries;
}

/** Reads the step lines of `log.jsonl` (FID lines are left out). */
export async function readRunLog(path: string): Promise<StepLogEntry[]> {
  const entries = await readLogLines(path);
  return entries.filter((entry): entry is StepLogEntry => !('kind' in entry));
}

/**
 * Opens `log.jsonl` for appending. Lines of steps after `keepThroughStep` (steps a resumed run will do again)
 * and half-written lines are dropped first; `keepThroughStep` 0 starts an empty log.
 */
export async function openRunLog(path: string, keepThroughStep: number): Promise<RunLog> {
  let kept: (StepLogEntry | EvalLogEntry)[] = [];
  if (keepThroughStep > 0) {
    kept = await readLogLines(path).catch((error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT') return [];
      throw error;
    });
  }
  const lines = kept.filter((entry) => entry.step <= keepThroughStep).map((entry) => `${JSON.stringify(entry)}\n`);
  await writeFileAtomic(path, lines.join(''));
  const descriptor = openSync(path, 'a');
  return {
    append: (entry) => {
      writeSync(descriptor, `${JSON.stringify(entry)}\n`);
    },
    sync: () => fsyncSync(descriptor),
    close: () => closeSync(descriptor),
  };
}
