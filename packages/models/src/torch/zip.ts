import { GanError } from '@gan/core';

/**
 * The zip container of `torch.save` (PyTorch ≥ 1.6): uncompressed ("stored") entries, data descriptors after each
 * entry, ZIP64 records when large. Reading goes by the central directory, which holds the sizes that the local
 * headers leave at zero; writing aligns every entry's data to 64 bytes with padding in the extra field, as PyTorch's
 * own writer does (so that it can map storages straight from the file).
 */

const LOCAL_HEADER = 0x04034b50;
const CENTRAL_HEADER = 0x02014b50;
const END_OF_CENTRAL_DIRECTORY = 0x06054b50;
const ZIP64_END = 0x06064b50;
const ZIP64_LOCATOR = 0x07064b50;

let crcTable: Uint32Array | undefined;

/** CRC-32 (the zip polynomial 0xEDB88320). */
export function crc32(bytes: Uint8Array): number {
  if (crcTable === undefined) {
    crcTable = new Uint32Array(256);
    for (let n = 0; n < 256; n++) {
      let c = n;
      for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
      crcTable[n] = c >>> 0;
    }
  }
  let crc = 0xffffffff;
  for (let i = 0; i < bytes.length; i++) crc = crcTable[(crc ^ bytes[i]!) & 0xff]! ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}

function corrupt(what: string, detail: string): GanError {
  return new GanError(
    'CORRUPT_FILE',
    `${what} is not a readable PyTorch checkpoint: ${detail}. Save it again with torch.save(module.state_dict(), path) ` +
      'and check that the file was copied completely.',
  );
}

/** Reads the stored entries of a zip archive: name → bytes (views into `bytes`, not copies). */
export function readZip(bytes: Uint8Array, what = 'The file'): Map<string, Uint8Array> {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const u32 = (at: number) => view.getUint32(at, true);
  const u16 = (at: number) => view.getUint16(at, true);
  const u64 = (at: number) => Number(view.getBigUint64(at, true));
  let end = -1;
  for (let at = bytes.length - 22; at >= Math.max(0, bytes.length - 22 - 0xffff); at--) {
    if (u32(at) === END_OF_CENTRAL_DIRECTORY) {
      end = at;
      break;
    }
  }
  if (end < 0) throw corrupt(what, 'no end of a zip archive found (the file is truncated, or not a zip)');
  let count = u16(end + 10);
  let directorySize = u32(end + 12);
  let directoryOffset = u32(end + 16);
  if (count === 0xffff || directoryOffset === 0xffffffff) {
    const locator = end - 20;
    if (locator < 0 || u32(locator) !== ZIP64_LOCATOR) throw corrupt(what, 'a ZIP64 archive without its locator');
    const zip64End = u64(locator + 8);
    if (zip64End + 56 > bytes.length || u32(zip64End) !== ZIP64_END) throw corrupt(what, 'a broken ZIP64 record');
    count = u64(zip64End + 32);
    directorySize = u64(zip64End + 40);
    directoryOffset = u64(zip64End + 48);
  }
  if (directoryOffset + directorySize > bytes.length)
    throw corrupt(what, 'the zip directory lies past the end of the file (truncated)');
  const entries = new Map<string, Uint8Array>();
  const decoder = new TextDecoder();
  let at = directoryOffset;
  for (let i = 0; i < count; i++) {
    if (at + 46 > bytes.length || u32(at) !== CENTRAL_HEADER)
      throw corrupt(what, `zip directory entry ${i} is damaged`);
    const method = u16(at + 10);
    let compressedSize = u32(at + 20);
    let size = u32(at + 24);
    const nameLength = u16(at + 28);
    const extraLength = u16(at + 30);
    const commentLength = u16(at + 32);
    let localOffset = u32(at + 42);
    const name = decoder.decode(bytes.subarray(at + 46, at + 46 + nameLength));
    // ZIP64 extended information: the 64-bit values of the fields that hold 0xffffffff, in this order.
    let extra = at + 46 + nameLength;
    const extraEnd = extra + extraLength;
    while (extra + 4 <= extraEnd) {
      const id = u16(extra);
      const length = u16(extra + 2);
      if (id === 0x0001) {
        let field = extra + 4;
        if (size === 0xffffffff) {
          size = u64(field);
          field += 8;
        }
        if (compressedSize === 0xffffffff) {
          compressedSize = u64(field);
          field += 8;
        }
        if (localOffset === 0xffffffff) localOffset = u64(field);
      }
      extra += 4 + length;
    }
    if (method !== 0) {
      throw corrupt(what, `entry ${name} is compressed (method ${method}); torch.save writes stored entries only`);
    }
    if (localOffset + 30 > bytes.length || u32(localOffset) !== LOCAL_HEADER) {
      throw corrupt(what, `entry ${name} points outside the file (truncated)`);
    }
    const dataStart = localOffset + 30 + u16(localOffset + 26) + u16(localOffset + 28);
    if (dataStart + size > bytes.length) throw corrupt(what, `entry ${name} ends past the end of the file (truncated)`);
    entries.set(name, bytes.subarray(dataStart, dataStart + size));
    at += 46 + nameLength + extraLength + commentLength;
  }
  return entries;
}

/** Writes stored entries into a zip archive with every entry's data aligned to `alignment` bytes. */
export function writeZip(entries: ReadonlyArray<[string, Uint8Array]>, alignment = 64): Uint8Array {
  const encoder = new TextEncoder();
  const parts: Uint8Array[] = [];
  const central: Uint8Array[] = [];
  let offset = 0;
  for (const [name, data] of entries) {
    const nameBytes = encoder.encode(name);
    // Padding as an extra field ('FB', as PyTorch's writer) so that the data starts at a multiple of `alignment`.
    const padding = (alignment - ((offset + 30 + nameBytes.length + 4) % alignment)) % alignment;
    const extraLength = 4 + padding;
    const crc = crc32(data);
    const local = new Uint8Array(30 + nameBytes.length + extraLength);
    const lv = new DataView(local.buffer);
    lv.setUint32(0, LOCAL_HEADER, true);
    lv.setUint16(4, 20, true); // version needed
    lv.setUint16(6, 0x0800, true); // UTF-8 names
    lv.setUint16(8, 0, true); // stored
    lv.setUint32(14, crc, true);
    lv.setUint32(18, data.length, true);
    lv.setUint32(22, data.length, true);
    lv.setUint16(26, nameBytes.length, true);
    lv.setUint16(28, extraLength, true);
    local.set(nameBytes, 30);
    lv.setUint16(30 + nameBytes.length, 0x4246, true); // 'FB'
    lv.setUint16(32 + nameBytes.length, padding, true);
    local.fill(0x5a, 34 + nameBytes.length); // 'Z'
    const header = new Uint8Array(46 + nameBytes.length);
    const hv = new DataView(header.buffer);
    hv.setUint32(0, CENTRAL_HEADER, true);
    hv.setUint16(4, 20, true);
    hv.setUint16(6, 20, true);
    hv.setUint16(8, 0x0800, true);
    hv.setUint32(16, crc, true);
    hv.setUint32(20, data.length, true);
    hv.setUint32(24, data.length, true);
    hv.setUint16(28, nameBytes.length, true);
    hv.setUint32(42, offset, true);
    header.set(nameBytes, 46);
    central.push(header);
    parts.push(local, data);
    offset += local.length + data.length;
  }
  const directorySize = central.reduce((sum, part) => sum + part.length, 0);
  const end = new Uint8Array(22);
  const ev = new DataView(end.buffer);
  ev.setUint32(0, END_OF_CENTRAL_DIRECTORY, true);
  ev.setUint16(8, entries.length, true);
  ev.setUint16(10, entries.length, true);
  ev.setUint32(12, directorySize, true);
  ev.setUint32(16, offset, true);
  if (offset + directorySize > 0xffffffff || entries.length >= 0xffff) {
    throw new GanError(
      'UNSUPPORTED',
      'The export is larger than 4 GiB; write safetensors instead (--format safetensors).',
    );
  }
  const out = new Uint8Array(offset + directorySize + end.length);
  let at = 0;
  for (const part of [...parts, ...central, end]) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}
