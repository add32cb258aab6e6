import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { deflateSync, gzipSync } from 'node:zlib';
import { onTestFinished } from 'vitest';

/** A fresh temporary folder, removed after the current test. Call it inside a test. */
export async function temporaryFolder(): Promise<string> {
  const folder = await mkdtemp(join(tmpdir(), 'gan-data-'));
  onTestFinished(() => rm(folder, { recursive: true, force: true }));
  return folder;
}

/** A big-endian idx file of unsigned bytes. */
export function idxBytes(shape: number[], data: ArrayLike<number>): Uint8Array {
  const header = [0, 0, 0x08, shape.length];
  for (const d of shape) header.push((d >>> 24) & 0xff, (d >>> 16) & 0xff, (d >>> 8) & 0xff, d & 0xff);
  const out = new Uint8Array(header.length + data.length);
  out.set(header);
  out.set(Array.from(data), header.length);
  return out;
}

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

function crc32(bytes: Uint8Array): number {
  let c = 0xffffffff;
  for (const b of bytes) c = (CRC_TABLE[(c ^ b) & 0xff] as number) ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function pngChunk(type: string, data: Uint8Array): Uint8Array {
  const out = new Uint8Array(12 + data.length);
  const view = new DataView(out.buffer);
  view.setUint32(0, data.length);
  out.set(new TextEncoder().encode(type), 4);
  out.set(data, 8);
  view.setUint32(8 + data.length, crc32(out.subarray(4, 8 + data.length)));
  return out;
}

export interface PngSpec {
  width: number;
  height: number;
  /** 0 gray, 2 RGB, 3 palette, 4 gray + alpha, 6 RGBA. */
  colorType: 0 | 2 | 3 | 4 | 6;
  /** 8 or 16 (16-bit samples are big-endian pairs in `samples`). */
  bitDepth: 8 | 16;
  /** The unfiltered samples, row by row (bytes; two per sample at 16 bits). */
  samples: ArrayLike<number>;
  /** PLTE entries `[r, g, b]`, for colour type 3. */
  palette?: readonly (readonly [number, number, number])[];
  /** The tRNS chunk's bytes as written. */
  transparency?: ArrayLike<number>;
}

/** A PNG of any colour type and bit depth, written by hand (pngjs writes neither palettes nor tRNS). */
export function pngBytes(spec: PngSpec): Uint8Array {
  const channels = { 0: 1, 2: 3, 3: 1, 4: 2, 6: 4 }[spec.colorType];
  const rowBytes = (spec.width * channels * spec.bitDepth) / 8;
  const raw = new Uint8Array(spec.height * (rowBytes + 1));
  for (let y = 0; y < spec.height; y++) {
    raw.set(Array.from(spec.samples).slice(y * rowBytes, (y + 1) * rowBytes), y * (rowBytes + 1) + 1);
  }
  const header = new Uint8Array(13);
  const view = new DataView(header.buffer);
  view.setUint32(0, spec.width);
  view.setUint32(4, spec.height);
  header.set([spec.bitDepth, spec.colorType, 0, 0, 0], 8);
  const chunks = [pngChunk('IHDR', header)];
  if (spec.palette) chunks.push(pngChunk('PLTE', new Uint8Array(spec.palette.flat())));
  if (spec.transparency) chunks.push(pngChunk('tRNS', new Uint8Array(Array.from(spec.transparency))));
  chunks.push(pngChunk('IDAT', new Uint8Array(deflateSync(raw))), pngChunk('IEND', new Uint8Array(0)));
  const signature = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
  const out = new Uint8Array(8 + chunks.reduce((total, chunk) => total + chunk.length, 0));
  out.set(signature);
  let at = 8;
  for (const chunk of chunks) {
    out.set(chunk, at);
    at += chunk.length;
  }
  return out;
}

export interface TarEntrySpec {
  path: string;
  data?: Uint8Array | string;
  /** Type flag. Defaults to `'0'` (a file). */
  type?: string;
  /** Write the path as a pax `path` record (type `x` header before it). Defaults to `false`. */
  pax?: boolean;
  /** Write the path as a GNU long name (type `L` header before it). Defaults to `false`. */
  longName?: boolean;
}

function tarHeader(name: string, size: number, type: string): Uint8Array {
  const header = new Uint8Array(512);
  const put = (text: string, at: number) => header.set(new TextEncoder().encode(text), at);
  put(name.slice(0, 100), 0);
  put('0000644\0', 100);
  put('0000000\0', 108);
  put('0000000\0', 116);
  put(`${size.toString(8).padStart(11, '0')}\0`, 124);
  put('00000000000\0', 136);
  put('        ', 148);
  put(type, 156);
  put('ustar\0' + '00', 257);
  const sum = header.reduce((total, b) => total + b, 0);
  put(`${sum.toString(8).padStart(6, '0')}\0 `, 148);
  return header;
}

function padded(data: Uint8Array): Uint8Array {
  const out = new Uint8Array(Math.ceil(data.length / 512) * 512);
  out.set(data);
  return out;
}

/** A ustar archive (optionally gzipped, like an npm tarball) of the given entries. */
export function tarBytes(entries: readonly TarEntrySpec[], gzip = true): Uint8Array {
  const parts: Uint8Array[] = [];
  const encode = (data: Uint8Array | string | undefined) =>
    typeof data === 'string' ? new TextEncoder().encode(data) : (data ?? new Uint8Array(0));
  for (const entry of entries) {
    const data = encode(entry.data);
    let name = entry.path;
    if (entry.pax) {
      const record = (length: number) => `${length} path=${entry.path}\n`;
      let length = record(0).length;
      while (record(length).length !== length) length = record(length).length;
      const body = encode(record(length));
      parts.push(tarHeader('PaxHeader', body.length, 'x'), padded(body));
      name = 'ignored-short-name';
    }
    if (entry.longName) {
      const body = encode(`${entry.path}\0`);
      parts.push(tarHeader('././@LongLink', body.length, 'L'), padded(body));
      name = entry.path.slice(0, 100);
    }
    parts.push(tarHeader(name, data.length, entry.type ?? '0'), padded(data));
  }
  parts.push(new Uint8Array(1024));
  const tar = new Uint8Array(parts.reduce((total, part) => total + part.length, 0));
  let at = 0;
  for (const part of parts) {
    tar.set(part, at);
    at += part.length;
  }
  return gzip ? new Uint8Array(gzipSync(tar)) : tar;
}
