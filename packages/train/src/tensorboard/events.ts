import { GanError } from '@gan/core';
import { ProtoWriter, readProtoFields, unpackDoubles } from './protobuf.js';
import { readTfRecords, tfRecord } from './record.js';

/** A histogram as TensorBoard's `HistogramProto` holds it: bucket `i` counts values up to `bucketLimits[i]`. */
export interface TensorBoardHistogram {
  min: number;
  max: number;
  num: number;
  sum: number;
  sumSquares: number;
  /** The right edge of each bucket, increasing. */
  bucketLimits: number[];
  /** The count of each bucket. */
  buckets: number[];
}

/** An image summary: encoded PNG (or JPEG) bytes and their size. */
export interface TensorBoardImage {
  height: number;
  width: number;
  /** 1 grey, 2 grey + alpha, 3 RGB, 4 RGBA. */
  colorspace: number;
  encoded: Uint8Array;
}

/** One value of a `Summary`: a scalar, an image or a histogram under a tag. */
export type TensorBoardValue =
  | { tag: string; scalar: number }
  | { tag: string; image: TensorBoardImage }
  | { tag: string; histogram: TensorBoardHistogram };

/** `SessionLog.status`: a run (re)starting, its checkpoints and its stop. */
export type SessionStatus = 'start' | 'stop' | 'checkpoint';
const SESSION_STATUS: Record<SessionStatus, number> = { start: 1, stop: 2, checkpoint: 3 };

/** One `Event` of an event file (the fields this library writes). */
export interface TensorBoardEvent {
  /** Seconds since 1970 (fractional). */
  wallTime: number;
  step: number;
  /** Set on the first event of a file: `brain.Event:2`. */
  fileVersion?: string;
  summary?: TensorBoardValue[];
  sessionLog?: SessionStatus;
}

/** The `file_version` of the first event of every event file. */
export const EVENT_FILE_VERSION = 'brain.Event:2';

// Field numbers of tensorflow/core/util/event.proto and tensorflow/core/framework/summary.proto.
const EVENT = { wallTime: 1, step: 2, fileVersion: 3, summary: 5, sessionLog: 7 } as const;
const SUMMARY = { value: 1 } as const;
const VALUE = { tag: 1, simpleValue: 2, image: 4, histo: 5 } as const;
const IMAGE = { height: 1, width: 2, colorspace: 3, encoded: 4 } as const;
const HISTO = { min: 1, max: 2, num: 3, sum: 4, sumSquares: 5, bucketLimit: 6, bucket: 7 } as const;
const SESSION_LOG = { status: 1 } as const;

function encodeValue(value: TensorBoardValue): Uint8Array {
  const writer = new ProtoWriter().string(VALUE.tag, value.tag);
  if ('scalar' in value) {
    // simple_value is a member of a oneof: written even when it is zero.
    return writer.float(VALUE.simpleValue, value.scalar, true).finish();
  }
  if ('image' in value) {
    const { height, width, colorspace, encoded } = value.image;
    const image = new ProtoWriter()
      .uint(IMAGE.height, height)
      .uint(IMAGE.width, width)
      .uint(IMAGE.colorspace, colorspace)
      .bytes(IMAGE.encoded, encoded)
      .finish();
    return writer.message(VALUE.image, image).finish();
  }
  const h = value.histogram;
  const histo = new ProtoWriter()
    .double(HISTO.min, h.min)
    .double(HISTO.max, h.max)
    .double(HISTO.num, h.num)
    .double(HISTO.sum, h.sum)
    .double(HISTO.sumSquares, h.sumSquares)
    .packedDoubles(HISTO.bucketLimit, h.bucketLimits)
    .packedDoubles(HISTO.bucket, h.buckets)
    .finish();
  return writer.message(VALUE.histo, histo).finish();
}

/** The bytes of one `Event` message. */
export function encodeEvent(event: TensorBoardEvent): Uint8Array {
  const writer = new ProtoWriter().double(EVENT.wallTime, event.wallTime).uint(EVENT.step, event.step);
  if (event.fileVersion !== undefined) writer.string(EVENT.fileVersion, event.fileVersion);
  if (event.summary !== undefined) {
    const summary = new ProtoWriter();
    for (const value of event.summary) summary.message(SUMMARY.value, encodeValue(value));
    writer.message(EVENT.summary, summary.finish());
  }
  if (event.sessionLog !== undefined) {
    writer.message(
      EVENT.sessionLog,
      new ProtoWriter().uint(SESSION_LOG.status, SESSION_STATUS[event.sessionLog]).finish(),
    );
  }
  return writer.finish();
}

/** One `Event` framed as a TFRecord, ready to append to an event file. */
export function eventRecord(event: TensorBoardEvent): Uint8Array {
  return tfRecord(encodeEvent(event));
}

const utf8 = new TextDecoder();

function decodeValue(bytes: Uint8Array): TensorBoardValue | undefined {
  let tag = '';
  let value: TensorBoardValue | undefined;
  for (const f of readProtoFields(bytes, 'Summary.Value')) {
    if (f.field === VALUE.tag && f.bytes) tag = utf8.decode(f.bytes);
    else if (f.field === VALUE.simpleValue && f.wireType === 5) value = { tag, scalar: f.number ?? 0 };
    else if (f.field === VALUE.image && f.bytes) {
      const image: TensorBoardImage = { height: 0, width: 0, colorspace: 0, encoded: new Uint8Array(0) };
      for (const g of readProtoFields(f.bytes, 'Summary.Image')) {
        if (g.field === IMAGE.height) image.height = g.number ?? 0;
        else if (g.field === IMAGE.width) image.width = g.number ?? 0;
        else if (g.field === IMAGE.colorspace) image.colorspace = g.number ?? 0;
        else if (g.field === IMAGE.encoded && g.bytes) image.encoded = g.bytes.slice();
      }
      value = { tag, image };
    } else if (f.field === VALUE.histo && f.bytes) {
      const h: TensorBoardHistogram = { min: 0, max: 0, num: 0, sum: 0, sumSquares: 0, bucketLimits: [], buckets: [] };
      for (const g of readProtoFields(f.bytes, 'HistogramProto')) {
        if (g.field === HISTO.min) h.min = g.number ?? 0;
        else if (g.field === HISTO.max) h.max = g.number ?? 0;
        else if (g.field === HISTO.num) h.num = g.number ?? 0;
        else if (g.field === HISTO.sum) h.sum = g.number ?? 0;
        else if (g.field === HISTO.sumSquares) h.sumSquares = g.number ?? 0;
        else if (g.field === HISTO.bucketLimit) {
          if (g.bytes) h.bucketLimits.push(...unpackDoubles(g.bytes));
          else if (g.number !== undefined) h.bucketLimits.push(g.number);
        } else if (g.field === HISTO.bucket) {
          if (g.bytes) h.buckets.push(...unpackDoubles(g.bytes));
          else if (g.number !== undefined) h.buckets.push(g.number);
        }
      }
      value = { tag, histogram: h };
    }
  }
  // The tag may follow the value on the wire.
  return value && { ...value, tag };
}

/** Decodes one `Event` message (the fields this library writes; others are skipped). */
export function decodeEvent(bytes: Uint8Array): TensorBoardEvent {
  const event: TensorBoardEvent = { wallTime: 0, step: 0 };
  for (const f of readProtoFields(bytes, 'Event')) {
    if (f.field === EVENT.wallTime) event.wallTime = f.number ?? 0;
    else if (f.field === EVENT.step) event.step = f.number ?? 0;
    else if (f.field === EVENT.fileVersion && f.bytes) event.fileVersion = utf8.decode(f.bytes);
    else if (f.field === EVENT.summary && f.bytes) {
      event.summary = [];
      for (const g of readProtoFields(f.bytes, 'Summary')) {
        if (g.field !== SUMMARY.value || !g.bytes) continue;
        const value = decodeValue(g.bytes);
        if (value) event.summary.push(value);
      }
    } else if (f.field === EVENT.sessionLog && f.bytes) {
      const status = readProtoFields(f.bytes, 'SessionLog').find((g) => g.field === SESSION_LOG.status)?.number;
      const name = (Object.keys(SESSION_STATUS) as SessionStatus[]).find((key) => SESSION_STATUS[key] === status);
      if (name !== undefined) event.sessionLog = name;
    }
  }
  return event;
}

/**
 * The events of an event file's bytes. A last record cut short (a process killed while writing) is
 * ignored, as TensorBoard does; a checksum or message that does not match throws GanError `CORRUPT_FILE`
 * naming `name`.
 */
export function decodeEventFile(bytes: Uint8Array, name = 'the event file'): TensorBoardEvent[] {
  const { records } = readTfRecords(bytes, name);
  return records.map((record, i) => {
    try {
      return decodeEvent(record);
    } catch (error) {
      throw new GanError('CORRUPT_FILE', `${name} is corrupt: event ${i + 1} is not a valid Event message.`, {
        cause: error,
      });
    }
  });
}

/**
 * A histogram of `values` with `bucketCount` equal-width buckets from their minimum to their maximum
 * (one bucket when all are equal). Non-finite values are left out.
 */
export function histogramOf(values: ArrayLike<number>, bucketCount = 30): TensorBoardHistogram {
  let min = Number.POSITIVE_INFINITY;
  let max = Number.NEGATIVE_INFINITY;
  let num = 0;
  let sum = 0;
  let sumSquares = 0;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (!Number.isFinite(v)) continue;
    if (v < min) min = v;
    if (v > max) max = v;
    num++;
    sum += v;
    sumSquares += v * v;
  }
  if (num === 0) return { min: 0, max: 0, num: 0, sum: 0, sumSquares: 0, bucketLimits: [], buckets: [] };
  const count = max > min ? bucketCount : 1;
  const width = (max - min) / count;
  const bucketLimits = Array.from({ length: count }, (_, i) => (i === count - 1 ? max : min + width * (i + 1)));
  const buckets = new Array<number>(count).fill(0);
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (!Number.isFinite(v)) continue;
    const index = width > 0 ? Math.min(count - 1, Math.floor((v - min) / width)) : 0;
    buckets[index]++;
  }
  return { min, max, num, sum, sumSquares, bucketLimits, buckets };
}
