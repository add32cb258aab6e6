import {
  existsSync,
  linkSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmdirSync,
  unlinkSync,
  writeFileSync,
} from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { GanError } from '@gan/core';
import { checkpointPaths } from './checkpoints.js';

/** What a run folder's lock file says about its writer. */
export interface RunLockInfo {
  pid: number;
  host: string;
  /** When the writer took the lock (ISO time). */
  since: string;
  /** What it runs, e.g. `gan train --resume runs/x`. */
  command: string;
}

/** The lock file of a run folder: held by the one `gan train` process that writes it. */
export function runLockPath(dir: string): string {
  return join(dir, '.gan-train.lock');
}

function readLock(path: string): RunLockInfo | undefined {
  try {
    const info = JSON.parse(readFileSync(path, 'utf8')) as Partial<RunLockInfo>;
    if (typeof info.pid !== 'number' || typeof info.host !== 'string') return undefined;
    return { pid: info.pid, host: info.host, since: String(info.since), command: String(info.command) };
  } catch {
    return undefined;
  }
}

/** Whether process `pid` of this machine is alive (a process of another user counts as alive). */
function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** The live writer of `dir`, if any: a lock whose process still runs (or runs on another machine). */
export function runLockHolder(dir: string): RunLockInfo | undefined {
  const info = readLock(runLockPath(dir));
  if (info === undefined || info.pid === process.pid) return undefined;
  return info.host !== hostname() || isAlive(info.pid) ? info : undefined;
}

function inUse(dir: string, holder: RunLockInfo): GanError {
  const where = holder.host === hostname() ? '' : ` on ${holder.host}`;
  const stop =
    holder.host === hostname()
      ? `or stop it (Ctrl-C in its terminal, or kill ${holder.pid}: it saves a checkpoint) and go on with gan train --resume ${dir}`
      : `or, if no process there writes it any more, delete ${runLockPath(dir)}`;
  return new GanError(
    'INVALID_ARGUMENT',
    `${dir} is being written by another gan train (process ${holder.pid}${where}, since ${holder.since}: ${holder.command}). ` +
      `Two writers would corrupt its checkpoints. Wait for it to finish, ${stop}; or train into another --out.`,
  );
}

/**
 * Takes the lock of run folder `dir` for this process until it exits: refuses (GanError naming the live
 * process and what to do) while another live process holds it; takes over, with a note to `log`, a lock
 * left by a process that no longer runs (killed, or a crash). The lock file is created whole by a hard link
 * of a finished temporary file, so a reader never sees half of it.
 */
export function acquireRunLock(dir: string, command: string, log: (line: string) => void): void {
  const created = !existsSync(dir);
  mkdirSync(dir, { recursive: true });
  const path = runLockPath(dir);
  const info: RunLockInfo = { pid: process.pid, host: hostname(), since: new Date().toISOString(), command };
  const temporary = `${path}.tmp-${process.pid}`;
  writeFileSync(temporary, `${JSON.stringify(info)}\n`);
  try {
    for (let attempt = 0; ; attempt++) {
      try {
        linkSync(temporary, path);
        break;
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST' || attempt > 0) {
          if ((error as NodeJS.ErrnoException).code === 'EEXIST') {
            const holder = runLockHolder(dir);
            if (holder) throw inUse(dir, holder);
          }
          throw new GanError('INVALID_ARGUMENT', `Could not lock ${dir} (${path}): ${(error as Error).message}`, {
            cause: error,
          });
        }
        const holder = runLockHolder(dir);
        if (holder) throw inUse(dir, holder);
        const stale = readLock(path);
        log(
          stale === undefined
            ? `${path} could not be read (a writer stopped while taking it); taking the lock over.`
            : `${dir} was locked by process ${stale.pid} (${stale.command}, since ${stale.since}), which no longer runs; taking the lock over.`,
        );
        unlinkSync(path);
      }
    }
  } finally {
    unlinkSync(temporary);
  }
  process.once('exit', () => {
    // Only our own lock: never one a later process took over.
    if (readLock(path)?.pid === process.pid) unlinkSync(path);
    // A run that failed before writing anything leaves no empty folder behind.
    if (created && readdirSync(dir).length === 0) rmdirSync(dir);
  });
}

/**
 * The folder of the generator to read from run folder `dir`: `generator/` as a finished run left it, or,
 * while a gan train process writes the run (its networks are saved file by file), the generator of its last
 * complete checkpoint (`checkpoints/latest`, or `previous` between the two renames of a save).
 */
export function generatorToRead(dir: string, generator: string, log: (line: string) => void): string {
  const holder = runLockHolder(dir);
  if (holder === undefined) return generator;
  const paths = checkpointPaths(dir);
  const checkpoint = [paths.latest, paths.previous].find((path) => existsSync(join(path, 'manifest.json')));
  if (checkpoint === undefined) {
    throw new GanError(
      'NOT_FOUND',
      `${dir} is being trained (process ${holder.pid}) and has no complete checkpoint yet; try again after its first epoch.`,
    );
  }
  let where = '';
  try {
    const manifest = JSON.parse(readFileSync(join(checkpoint, 'manifest.json'), 'utf8'));
    where = ` (epoch ${manifest.epoch}, step ${manifest.globalStep})`;
  } catch {}
  log(
    `${dir} is being trained (process ${holder.pid}): reading the generator of its last complete checkpoint${where}.`,
  );
  return join(checkpoint, 'generator');
}
