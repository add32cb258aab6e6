import { GanError } from '@gan/core';

/** One member of a tar archive. */
export interface TarEntry {
  /** Path inside the archive, with the long-name and pax `path` extensions applied. */
  path: string;
  /** The ustar type flag: `'0'` a file, `'5'` a folder, `'2'` a symbolic link, … (NUL reads as `'0'`). */
  type: string;
  /** The member's bytes (a view into the archive, empty for anything but files). */
  data: Uint8Array;
}

const BLOCK = 512;
const decoder = new TextDecoder();

/** A NUL-terminated text field. */
function text(bytes: Uint8Array, at: number, length: number): string {
  const field = bytes.subarray(at, at + length);
  const end = field.indexOf(0);
  return decoder.decode(end === -1 ? field : field.subarray(0, end));
}

/** An octal number field, or base-256 (GNU) when its first byte has the high bit set. */
function number(bytes: Uint8Array, at: number, length: number): number {
  if (((bytes[at] as number) & 0x80) !== 0) {
    let value = (bytes[at] as number) & 0x7f;
    for (let i = 1; i < length; i++) value = value * 256 + (bytes[at + i] as number);
    return value;
  }
  const digits = text(bytes, at, length).trim();
  return digits === '' ? 0 : Number.parseInt(digits, 8);
}

/** The header checksum: the sum of its bytes with the checksum field read as spaces. */
function checksum(header: Uint8Array): number {
  let sum = 0;
  for (let i = 0; i < BLOCK; i++) sum += i >= 148 && i < 156 ? 0x20 : (header[i] as number);
  return sum;
}

/** The `path` record of a pax extended header, whose records read `"<length> <key>=<value>\n"`. */
function paxPath(data: Uint8Array): string | undefined {
  let path: string | undefined;
  let at = 0;
  while (at < data.length) {
    const space = data.indexOf(0x20, at);
    if (space === -1) break;
    const length = Number.parseInt(decoder.decode(data.subarray(at, space)), 10);
    if (!Number.isFinite(length) || length <= 0) break;
    const record = decoder.decode(data.subarray(space + 1, at + length - 1));
    const equals = record.indexOf('=');
    if (record.slice(0, equals) === 'path') path = record.slice(equals + 1);
    at += length;
  }
  return path;
}

/**
 * The members of an uncompressed tar archive (ustar, with the GNU long-name `L` and pax `x` headers
 * that tools write for paths over 100 characters; pax global headers are skipped). Stops at the
 * end-of-archive block. A bad header checksum or a member that runs past the end is
 * GanError('CORRUPT_FILE') naming `name`.
 */
export function* readTar(bytes: Uint8Array, name = 'the archive'): Generator<TarEntry> {
  let at = 0;
  let nextPath: string | undefined;
  while (at + BLOCK <= bytes.length) {
    const header = bytes.subarray(at, at + BLOCK);
    if (header.every((b) => b === 0)) return;
    const stored = number(header, 148, 8);
    if (stored !== checksum(header)) {
      throw new GanError(
        'CORRUPT_FILE',
        `Bad tar header checksum at byte ${at} of ${name}: expected ${checksum(header)}, got ${stored}. The archive is damaged; fetch it again.`,
      );
    }
    const size = number(header, 124, 12);
    const type = text(header, 156, 1) || '0';
    const start = at + BLOCK;
    if (start + size > bytes.length) {
      throw new GanError(
        'CORRUPT_FILE',
        `${name} ends inside a member: ${size} bytes announced at byte ${start}, ${bytes.length - start} left. The archive is truncated; fetch it again.`,
      );
    }
    const data = bytes.subarray(start, start + size);
    at = start + Math.ceil(size / BLOCK) * BLOCK;
    if (type === 'L') {
      nextPath = text(data, 0, data.length);
      continue;
    }
    if (type === 'x') {
      nextPath = paxPath(data) ?? nextPath;
      continue;
    }
    if (type === 'g') continue;
    const prefix = text(header, 257, 6) === 'ustar' ? text(header, 345, 155) : '';
    const headerPath = prefix ? `${prefix}/${text(header, 0, 100)}` : text(header, 0, 100);
    const path = nextPath ?? headerPath;
    nextPath = undefined;
    const isFile = type === '0' || type === '7';
    yield { path, type, data: isFile ? data : data.subarray(0, 0) };
  }
}
