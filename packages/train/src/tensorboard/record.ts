import { GanError } from '@gan/core';
import { maskedCrc32c } from './crc32c.js';

/**
 * One TFRecord: the data's length (uint64, little-endian), the masked CRC-32C of those 8 bytes, the data and
 * the masked CRC-32C of the data.
 */
export function tfRecord(data: Uint8Array): Uint8Array {
  const out = new Uint8Array(data.length + 16);
  const view = new DataView(out.buffer);
  view.setUint32(0, data.length, true);
  view.setUint32(4, Math.floor(data.length / 2 ** 32), true);
  view.setUint32(8, maskedCrc32c(out.subarray(0, 8)), true);
  out.set(data, 12);
  view.setUint32(12 + data.length, maskedCrc32c(data), true);
  return out;
}

/** The records of a TFRecord file, in order; what follows the last complete record (a torn write). */
export interface TfRecords {
  records: Uint8Array[];
  /** Bytes after the last complete record: a record being written when the writer died (0 when none). */
  trailingBytes: number;
}

/**
 * Splits a TFRecord file into its records, checking both checksums of each. A record cut short at the end
 * (a write the process did not finish) is reported in `trailingBytes`; a checksum that does not match
 * throws GanError `CORRUPT_FILE` naming `name` and the byte offset.
 */
export function readTfRecords(bytes: Uint8Array, name = 'the TFRecord file'): TfRecords {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const records: Uint8Array[] = [];
  let offset = 0;
  while (offset < bytes.length) {
    if (bytes.length - offset < 12) break;
    const length = view.getUint32(offset, true) + view.getUint32(offset + 4, true) * 2 ** 32;
    if (view.getUint32(offset + 8, true) !== maskedCrc32c(bytes.subarray(offset, offset + 8))) {
      throw new GanError(
        'CORRUPT_FILE',
        `${name} is corrupt: the length of the record at byte ${offset} fails its checksum.`,
      );
    }
    if (bytes.length - offset < 16 + length) break;
    const data = bytes.subarray(offset + 12, offset + 12 + length);
    if (view.getUint32(offset + 12 + length, true) !== maskedCrc32c(data)) {
      throw new GanError('CORRUPT_FILE', `${name} is corrupt: the record at byte ${offset} fails its checksum.`);
    }
    records.push(data);
    offset += 16 + length;
  }
  return { records, trailingBytes: bytes.length - offset };
}
