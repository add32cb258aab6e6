import { GanError } from '@gan/core';
import type { TorchDType } from './pickle.js';
import { decodeElements, elementSize, type NamedTensor, type StateDict, type TensorToWrite } from './state-dict.js';

/**
 * The safetensors format: an 8-byte little-endian header length, a JSON header (name → dtype, shape, byte range;
 * `__metadata__` of strings) and the tensors' bytes. The format keeps no order of its own (the Python writer sorts
 * the tensors by dtype and name), so our writer records the module order in `__metadata__` as `gan.order`.
 */

const dtypes: Record<string, TorchDType> = {
  F32: 'float32',
  F16: 'float16',
  BF16: 'bfloat16',
  F64: 'float64',
  I64: 'int64',
};

/** Whether the bytes look like a safetensors file (a plausible header length, then `{`). */
export function isSafetensors(bytes: Uint8Array): boolean {
  if (bytes.length < 10) return false;
  const length = Number(new DataView(bytes.buffer, bytes.byteOffset, 8).getBigUint64(0, true));
  return length > 1 && length < 100_000_000 && bytes[8] === 0x7b;
}

interface HeaderEntry {
  dtype: string;
  shape: number[];
  data_offsets: [number, number];
}

export function readSafetensors(bytes: Uint8Array, what = 'The safetensors file'): StateDict {
  const corrupt = (detail: string) =>
    new GanError(
      'CORRUPT_FILE',
      `${what} is damaged: ${detail}. Write it again (safetensors.torch.save_file) and copy it completely.`,
    );
  if (bytes.length < 8) throw corrupt('it is shorter than its 8-byte header length');
  const length = Number(new DataView(bytes.buffer, bytes.byteOffset, 8).getBigUint64(0, true));
  if (8 + length > bytes.length) throw corrupt(`its header says ${length} bytes, the file ends before (truncated)`);
  let header: Record<string, HeaderEntry | Record<string, string>>;
  try {
    header = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(8, 8 + length)));
  } catch {
    throw corrupt('its header is not valid JSON');
  }
  const data = bytes.subarray(8 + length);
  const metadata = (header.__metadata__ ?? {}) as Record<string, string>;
  const names = Object.keys(header).filter((name) => name !== '__metadata__');
  const order = typeof metadata['gan.order'] === 'string' ? metadata['gan.order'].split(',') : undefined;
  const ordered = order !== undefined && order.length === names.length && order.every((name) => name in header);
  const tensors: NamedTensor[] = [];
  for (const name of ordered ? order : names) {
    const entry = header[name] as HeaderEntry;
    const dtype = dtypes[entry.dtype];
    if (dtype === undefined) {
      throw new GanError(
        'UNSUPPORTED',
        `${what}: tensor ${name} has dtype ${entry.dtype}, which is not read (only F32, F16, BF16, F64 and I64 are). ` +
          'Convert the model with .float() before saving.',
      );
    }
    const count = entry.shape.reduce((a, b) => a * b, 1);
    const [begin, end] = entry.data_offsets;
    if (end - begin !== count * elementSize[dtype] || end > data.length || begin < 0) {
      throw corrupt(
        `tensor ${name} has ${end - begin} bytes for shape [${entry.shape.join(', ')}] (or lies past the end)`,
      );
    }
    tensors.push({ name, dtype, shape: entry.shape, values: decodeElements(data.subarray(begin, end), dtype, count) });
  }
  return { tensors, ordered, format: 'safetensors' };
}

export function writeSafetensors(tensors: TensorToWrite[], metadata: Record<string, string> = {}): Uint8Array {
  const header: Record<string, unknown> = {
    __metadata__: { format: 'pt', ...metadata, 'gan.order': tensors.map((t) => t.name).join(',') },
  };
  let offset = 0;
  for (const tensor of tensors) {
    const size = tensor.values.length * (tensor.dtype === 'int64' ? 8 : 4);
    header[tensor.name] = {
      dtype: tensor.dtype === 'int64' ? 'I64' : 'F32',
      shape: tensor.shape,
      data_offsets: [offset, offset + size],
    };
    offset += size;
  }
  const json = new TextEncoder().encode(JSON.stringify(header));
  const headerBytes = new Uint8Array(json.length + ((8 - (json.length % 8)) % 8)).fill(0x20); // data 8-byte aligned
  headerBytes.set(json);
  const out = new Uint8Array(8 + headerBytes.length + offset);
  const view = new DataView(out.buffer);
  view.setBigUint64(0, BigInt(headerBytes.length), true);
  out.set(headerBytes, 8);
  let at = 8 + headerBytes.length;
  for (const tensor of tensors) {
    for (let i = 0; i < tensor.values.length; i++) {
      if (tensor.dtype === 'int64') {
        view.setBigInt64(at, BigInt(Math.round(tensor.values[i]!)), true);
        at += 8;
      } else {
        view.setFloat32(at, tensor.values[i]!, true);
        at += 4;
      }
    }
  }
  return out;
}
