import { closeSync, fsyncSync, mkdirSync, openSync, readdirSync, readFileSync, writeSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { GanError } from '@gan/core';
import { decodeEventFile, EVENT_FILE_VERSION, eventRecord, type TensorBoardEvent } from './events.js';

/** Appends events to one new event file of a TensorBoard log folder. */
export interface EventFileWriter {
  /** The event file (`DIR/events.out.tfevents.SECONDS.HOST.PID.N`). */
  readonly path: string;
  /** Queues one event (written by the next `flush`). */
  write(event: TensorBoardEvent): void;
  /** Appends the queued events to the file. */
  flush(): void;
  /** Flushes, syncs the file to the disk and closes it. */
  close(): void;
}

let filesOpened = 0;

function fileError(path: string, doing: 'create' | 'write', error: unknown): GanError {
  const reason = error instanceof Error ? error.message : String(error);
  return new GanError(
    doing === 'create' ? 'NOT_FOUND' : 'ABORTED',
    `Could not ${doing} the TensorBoard event file ${path}: ${reason}`,
    { cause: error },
  );
}

/**
 * Opens a new event file in `dir` (created when missing) and writes its first event (`file_version`). Each
 * writer has its own file, as TensorBoard's writers do; TensorBoard reads a folder's files in name order,
 * i.e. in the order they were opened.
 */
export function createEventFileWriter(dir: string): EventFileWriter {
  const seconds = Math.floor(Date.now() / 1000);
  const host = hostname().replace(/[^A-Za-z0-9_.-]/g, '_') || 'localhost';
  const path = join(dir, `events.out.tfevents.${seconds}.${host}.${process.pid}.${filesOpened++}`);
  let fd: number;
  try {
    mkdirSync(dir, { recursive: true });
    fd = openSync(path, 'a');
  } catch (error) {
    throw fileError(path, 'create', error);
  }
  let queued: Uint8Array[] = [];
  let closed = false;
  const writer: EventFileWriter = {
    path,
    write(event) {
      if (closed) throw new GanError('INVALID_ARGUMENT', `The TensorBoard event file ${path} is closed.`);
      queued.push(eventRecord(event));
    },
    flush() {
      if (queued.length === 0 || closed) return;
      const total = queued.reduce((n, r) => n + r.length, 0);
      const bytes = new Uint8Array(total);
      let offset = 0;
      for (const record of queued) {
        bytes.set(record, offset);
        offset += record.length;
      }
      queued = [];
      try {
        for (let written = 0; written < bytes.length; ) written += writeSync(fd, bytes, written);
      } catch (error) {
        throw fileError(path, 'write', error);
      }
    },
    close() {
      if (closed) return;
      try {
        writer.flush();
        fsyncSync(fd);
      } finally {
        closed = true;
        closeSync(fd);
      }
    },
  };
  writer.write({ wallTime: Date.now() / 1000, step: 0, fileVersion: EVENT_FILE_VERSION });
  writer.flush();
  return writer;
}

/**
 * The events of every event file in `dir` (files whose name holds `tfevents`, in name order), each with
 * the file it came from. A corrupt file throws GanError `CORRUPT_FILE` naming it.
 */
export function readEventFiles(dir: string): Array<TensorBoardEvent & { file: string }> {
  let names: string[];
  try {
    names = readdirSync(dir)
      .filter((name) => name.includes('tfevents'))
      .sort();
  } catch (error) {
    throw new GanError('NOT_FOUND', `Could not read the TensorBoard folder ${dir}: ${(error as Error).message}`, {
      cause: error,
    });
  }
  return names.flatMap((name) => {
    const file = join(dir, name);
    return decodeEventFile(new Uint8Array(readFileSync(file)), file).map((event) => ({ ...event, file }));
  });
}
