import { GanError } from '@gan/core';

/** Writes protobuf wire format: fields are written in the order they are called (callers go by field number). */
export class ProtoWriter {
  private readonly chunks: Uint8Array[] = [];
  private length = 0;

  private push(bytes: Uint8Array): void {
    this.chunks.push(bytes);
    this.length += bytes.length;
  }

  private varint(value: number): void {
    // Non-negative integers below 2^53 (steps, sizes, enum values).
    const bytes: number[] = [];
    let rest = value;
    while (rest >= 0x80) {
      bytes.push((rest % 0x80) | 0x80);
      rest = Math.floor(rest / 0x80);
    }
    bytes.push(rest);
    this.push(Uint8Array.from(bytes));
  }

  private tag(field: number, wireType: number): void {
    this.varint(field * 8 + wireType);
  }

  /** An int32/int64/enum field (non-negative); proto3 leaves out zero. */
  uint(field: number, value: number): this {
    if (value === 0) return this;
    if (!Number.isSafeInteger(value) || value < 0) {
      throw new GanError(
        'INVALID_ARGUMENT',
        `Expected a non-negative integer for protobuf field ${field}, got ${value}.`,
      );
    }
    this.tag(field, 0);
    this.varint(value);
    return this;
  }

  /** A double field (wire type 1); proto3 leaves out zero. */
  double(field: number, value: number): this {
    if (value === 0 && !Object.is(value, -0)) return this;
    const bytes = new Uint8Array(8);
    new DataView(bytes.buffer).setFloat64(0, value, true);
    this.tag(field, 1);
    this.push(bytes);
    return this;
  }

  /** A float field (wire type 5); proto3 leaves out zero unless the field is in a oneof (`always`). */
  float(field: number, value: number, always = false): this {
    if (!always && value === 0 && !Object.is(value, -0)) return this;
    const bytes = new Uint8Array(4);
    new DataView(bytes.buffer).setFloat32(0, value, true);
    this.tag(field, 5);
    this.push(bytes);
    return this;
  }

  /** A packed repeated double field; left out when empty. */
  packedDoubles(field: number, values: ArrayLike<number>): this {
    if (values.length === 0) return this;
    const bytes = new Uint8Array(values.length * 8);
    const view = new DataView(bytes.buffer);
    for (let i = 0; i < values.length; i++) view.setFloat64(i * 8, values[i], true);
    return this.bytes(field, bytes);
  }

  /** A bytes (or embedded message) field; empty bytes are left out, as proto3 does. */
  bytes(field: number, value: Uint8Array): this {
    if (value.length === 0) return this;
    this.tag(field, 2);
    this.varint(value.length);
    this.push(value);
    return this;
  }

  /** An embedded message, written even when empty (a set sub-message). */
  message(field: number, value: Uint8Array): this {
    this.tag(field, 2);
    this.varint(value.length);
    this.push(value);
    return this;
  }

  string(field: number, value: string): this {
    return this.bytes(field, new TextEncoder().encode(value));
  }

  finish(): Uint8Array {
    const out = new Uint8Array(this.length);
    let offset = 0;
    for (const chunk of this.chunks) {
      out.set(chunk, offset);
      offset += chunk.length;
    }
    return out;
  }
}

/** One decoded field: its number and its value (a number for varint/fixed fields, bytes for length-delimited ones). */
export interface ProtoField {
  field: number;
  wireType: 0 | 1 | 2 | 5;
  /** varint: the integer; wire type 1: the double; wire type 5: the float. */
  number?: number;
  /** Wire type 2: the bytes. */
  bytes?: Uint8Array;
}

/** Reads the fields of one protobuf message; throws GanError `CORRUPT_FILE` on malformed input. */
export function readProtoFields(bytes: Uint8Array, what = 'protobuf message'): ProtoField[] {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const fields: ProtoField[] = [];
  let offset = 0;
  const corrupt = () => new GanError('CORRUPT_FILE', `Malformed ${what} at byte ${offset}.`);
  const varint = (): number => {
    let value = 0;
    let scale = 1;
    for (let i = 0; i < 10; i++) {
      if (offset >= bytes.length) throw corrupt();
      const byte = bytes[offset++];
      value += (byte & 0x7f) * scale;
      scale *= 0x80;
      if (byte < 0x80) return value;
    }
    throw corrupt();
  };
  while (offset < bytes.length) {
    const key = varint();
    const field = Math.floor(key / 8);
    const wireType = key % 8;
    if (wireType === 0) fields.push({ field, wireType, number: varint() });
    else if (wireType === 1) {
      if (offset + 8 > bytes.length) throw corrupt();
      fields.push({ field, wireType, number: view.getFloat64(offset, true) });
      offset += 8;
    } else if (wireType === 5) {
      if (offset + 4 > bytes.length) throw corrupt();
      fields.push({ field, wireType, number: view.getFloat32(offset, true) });
      offset += 4;
    } else if (wireType === 2) {
      const length = varint();
      if (offset + length > bytes.length) throw corrupt();
      fields.push({ field, wireType, bytes: bytes.subarray(offset, offset + length) });
      offset += length;
    } else throw corrupt();
  }
  return fields;
}

/** The doubles of a packed repeated double field. */
export function unpackDoubles(bytes: Uint8Array): number[] {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return Array.from({ length: Math.floor(bytes.length / 8) }, (_, i) => view.getFloat64(i * 8, true));
}
