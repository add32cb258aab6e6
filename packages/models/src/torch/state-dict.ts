import { GanError } from '@gan/core';
import { type PickleValue, type StorageRef, type TensorRef, type TorchDType, unpickle } from './pickle.js';
import { readZip, writeZip } from './zip.js';

/** One named tensor of a state_dict, its values in row-major order (PyTorch's, contiguous). */
export interface NamedTensor {
  name: string;
  dtype: TorchDType;
  shape: number[];
  /** float32 values of the float dtypes; int64 values as numbers. */
  values: Float32Array | Float64Array;
}

/** A state_dict read from a file, in the file's order (`ordered`: false when the format keeps no order). */
export interface StateDict {
  tensors: NamedTensor[];
  ordered: boolean;
  format: 'pytorch' | 'safetensors';
}

const elementSize: Record<TorchDType, number> = { float32: 4, float16: 2, bfloat16: 2, float64: 8, int64: 8 };

function halfToFloat(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exponent = (h >> 10) & 0x1f;
  const fraction = h & 0x3ff;
  if (exponent === 0) return sign * 2 ** -14 * (fraction / 1024);
  if (exponent === 31) return fraction ? Number.NaN : sign * Number.POSITIVE_INFINITY;
  return sign * 2 ** (exponent - 15) * (1 + fraction / 1024);
}

/** Decodes `count` elements of `dtype` from little-endian bytes into float values. */
export function decodeElements(bytes: Uint8Array, dtype: TorchDType, count: number): Float32Array | Float64Array {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out = dtype === 'float64' || dtype === 'int64' ? new Float64Array(count) : new Float32Array(count);
  const float = new Float32Array(1);
  const bits = new Uint32Array(float.buffer);
  for (let i = 0; i < count; i++) {
    switch (dtype) {
      case 'float32':
        out[i] = view.getFloat32(4 * i, true);
        break;
      case 'float16':
        out[i] = halfToFloat(view.getUint16(2 * i, true));
        break;
      case 'bfloat16':
        bits[0] = view.getUint16(2 * i, true) << 16;
        out[i] = float[0]!;
        break;
      case 'float64':
        out[i] = view.getFloat64(8 * i, true);
        break;
      case 'int64':
        out[i] = Number(view.getBigInt64(8 * i, true));
        break;
    }
  }
  return out;
}

const isTensor = (value: PickleValue): value is TensorRef =>
  typeof value === 'object' && value !== null && (value as TensorRef).kind === 'tensor';

/** The contiguous values of a (possibly strided) tensor view of a storage. */
function materialise(tensor: TensorRef, storage: Uint8Array, name: string, what: string): NamedTensor {
  const { dtype, numel } = tensor.storage;
  const size = elementSize[dtype];
  if (storage.length < numel * size) {
    throw new GanError(
      'CORRUPT_FILE',
      `${what}: the storage of ${name} holds ${storage.length} bytes, ${numel * size} expected (the file is truncated or damaged).`,
    );
  }
  const all = decodeElements(storage, dtype, numel);
  const count = tensor.shape.reduce((a, b) => a * b, 1);
  const values = dtype === 'float64' || dtype === 'int64' ? new Float64Array(count) : new Float32Array(count);
  const rank = tensor.shape.length;
  const index = new Array<number>(rank).fill(0);
  for (let i = 0; i < count; i++) {
    let at = tensor.offset;
    for (let d = 0; d < rank; d++) at += index[d]! * tensor.stride[d]!;
    if (at < 0 || at >= numel) throw new GanError('CORRUPT_FILE', `${what}: ${name} reads outside its storage.`);
    values[i] = all[at]!;
    for (let d = rank - 1; d >= 0; d--) {
      if (++index[d]! < tensor.shape[d]!) break;
      index[d] = 0;
    }
  }
  return { name, dtype, shape: [...tensor.shape], values };
}

const describeKeys = (map: Map<PickleValue, PickleValue>) =>
  [...map.keys()]
    .slice(0, 8)
    .map((k) => String(k))
    .join(', ') + (map.size > 8 ? ', …' : '');

/** Picks the state_dict out of what the pickle holds: the top-level dict, or the dict under `key`. */
function stateDictOf(root: PickleValue, key: string | undefined, what: string): Map<PickleValue, PickleValue> {
  if (!(root instanceof Map)) throw new GanError('INVALID_ARGUMENT', `${what} does not hold a dict (a state_dict).`);
  if (key !== undefined) {
    const inner = root.get(key);
    if (!(inner instanceof Map)) {
      throw new GanError(
        'INVALID_ARGUMENT',
        `${what} has no dict under key '${key}'; its keys are: ${describeKeys(root)}. Give one of them as --key.`,
      );
    }
    return inner;
  }
  const nested = [...root.entries()].filter(([, v]) => v instanceof Map).map(([k]) => String(k));
  const tensors = [...root.values()].filter(isTensor).length;
  if (tensors === 0 && nested.length > 0) {
    throw new GanError(
      'INVALID_ARGUMENT',
      `${what} holds a checkpoint dict, not a state_dict: its keys are ${describeKeys(root)}. Say which entry holds ` +
        `the weights with --key (e.g. --key ${nested[0]}).`,
    );
  }
  return root;
}

function tensorsOf(
  dict: Map<PickleValue, PickleValue>,
  storages: (ref: StorageRef) => Uint8Array,
  what: string,
): NamedTensor[] {
  const out: NamedTensor[] = [];
  for (const [key, value] of dict) {
    const name = String(key);
    if (!isTensor(value)) {
      throw new GanError(
        'INVALID_ARGUMENT',
        `${what}: entry '${name}' is not a tensor. A state_dict maps names to tensors; if the weights are under a key, give it as --key.`,
      );
    }
    out.push(materialise(value, storages(value.storage), name, what));
  }
  return out;
}

const LEGACY_MAGIC = [0x80, 0x02, 0x8a, 0x0a, 0x6c, 0xfc, 0x9c, 0x46, 0xf9, 0x20, 0x6a, 0xa8, 0x50, 0x19];

/** Reads a `torch.save` zip checkpoint. */
export function readTorchCheckpoint(bytes: Uint8Array, options: { key?: string; what?: string } = {}): StateDict {
  const what = options.what ?? 'The checkpoint';
  if (LEGACY_MAGIC.every((b, i) => bytes[i] === b)) {
    throw new GanError(
      'UNSUPPORTED',
      `${what} is in PyTorch's legacy format (torch < 1.6, or _use_new_zipfile_serialization=False). Load it in ` +
        'PyTorch and save it again with torch.save(state_dict, path) (the zip format), or as safetensors.',
    );
  }
  const entries = readZip(bytes, what);
  const pickleName = [...entries.keys()].find((name) => /^[^/]+\/data\.pkl$/.test(name));
  if (pickleName === undefined) {
    throw new GanError('CORRUPT_FILE', `${what} is a zip archive without a data.pkl: not a torch.save checkpoint.`);
  }
  const prefix = pickleName.slice(0, -'data.pkl'.length);
  const byteorder = entries.get(`${prefix}byteorder`);
  if (byteorder !== undefined && new TextDecoder().decode(byteorder).trim() !== 'little') {
    throw new GanError(
      'UNSUPPORTED',
      `${what} was saved on a big-endian machine; save it again on a little-endian one.`,
    );
  }
  const root = unpickle(entries.get(pickleName)!, what);
  const dict = stateDictOf(root, options.key, what);
  const tensors = tensorsOf(
    dict,
    (ref) => {
      const data = entries.get(`${prefix}data/${ref.key}`);
      if (data === undefined) throw new GanError('CORRUPT_FILE', `${what} lacks storage ${ref.key} (data/${ref.key}).`);
      return data;
    },
    what,
  );
  return { tensors, ordered: true, format: 'pytorch' };
}

// ---- writing ----------------------------------------------------------------------------------------------------

/** Builds the pickle of an OrderedDict of float32 / int64 tensors, as `torch.save(state_dict)` writes it. */
class PickleWriter {
  private readonly parts: number[] = [];
  private memo = 0;
  private readonly encoder = new TextEncoder();

  op(...codes: number[]): this {
    this.parts.push(...codes);
    return this;
  }
  put(): number {
    const index = this.memo++;
    if (index < 256) this.op(0x71, index);
    else this.op(0x72, index & 0xff, (index >> 8) & 0xff, (index >> 16) & 0xff, index >>> 24);
    return index;
  }
  get(index: number): this {
    return index < 256
      ? this.op(0x68, index)
      : this.op(0x6a, index & 0xff, (index >> 8) & 0xff, (index >> 16) & 0xff, index >>> 24);
  }
  string(text: string): this {
    const bytes = this.encoder.encode(text);
    const n = bytes.length;
    this.op(0x58, n & 0xff, (n >> 8) & 0xff, (n >> 16) & 0xff, n >>> 24);
    for (const b of bytes) this.parts.push(b);
    return this;
  }
  global(module: string, name: string): this {
    this.op(0x63);
    for (const b of this.encoder.encode(`${module}\n${name}\n`)) this.parts.push(b);
    return this;
  }
  int(value: number): this {
    if (value >= 0 && value < 256) return this.op(0x4b, value);
    if (value >= 0 && value < 65536) return this.op(0x4d, value & 0xff, value >> 8);
    const v = value | 0;
    return this.op(0x4a, v & 0xff, (v >> 8) & 0xff, (v >> 16) & 0xff, (v >>> 24) & 0xff);
  }
  tuple(values: number[]): this {
    if (values.length === 0) return this.op(0x29);
    this.op(0x28);
    for (const v of values) this.int(v);
    return this.op(0x74);
  }
  bytes(): Uint8Array {
    return Uint8Array.from(this.parts);
  }
}

/** A tensor to write: float32 values, or an int64 scalar (`num_batches_tracked`). */
export interface TensorToWrite {
  name: string;
  dtype: 'float32' | 'int64';
  shape: number[];
  values: ArrayLike<number>;
}

function storageBytes(tensor: TensorToWrite): Uint8Array {
  const size = tensor.dtype === 'int64' ? 8 : 4;
  const bytes = new Uint8Array(tensor.values.length * size);
  const view = new DataView(bytes.buffer);
  for (let i = 0; i < tensor.values.length; i++) {
    if (tensor.dtype === 'int64') view.setBigInt64(8 * i, BigInt(Math.round(tensor.values[i]!)), true);
    else view.setFloat32(4 * i, tensor.values[i]!, true);
  }
  return bytes;
}

const contiguousStride = (shape: number[]) => shape.map((_, d) => shape.slice(d + 1).reduce((a, b) => a * b, 1));

/**
 * Writes a state_dict in the zip format of `torch.save` (`archive/` prefix), readable by `torch.load`; or, given
 * named groups, a dict of state_dicts (`{'generator': …, 'discriminator': …}`), as training checkpoints hold them.
 */
export function writeTorchCheckpoint(
  content: TensorToWrite[] | Record<string, TensorToWrite[]>,
  archiveName = 'archive',
): Uint8Array {
  const w = new PickleWriter();
  w.op(0x80, 2);
  const memo = { orderedDict: -1, rebuild: -1, storage: -1, cpu: -1, types: new Map<string, number>() };
  const cached = (key: 'orderedDict' | 'rebuild' | 'storage' | 'cpu', write: () => void) => {
    if (memo[key] < 0) {
      write();
      memo[key] = w.put();
    } else w.get(memo[key]);
  };
  const all: TensorToWrite[] = [];
  const stateDict = (tensors: TensorToWrite[]) => {
    cached('orderedDict', () => w.global('collections', 'OrderedDict'));
    w.op(0x29, 0x52);
    w.put();
    if (tensors.length === 0) return;
    w.op(0x28);
    for (const tensor of tensors) {
      const key = String(all.length);
      all.push(tensor);
      w.string(tensor.name);
      w.put();
      cached('rebuild', () => w.global('torch._utils', '_rebuild_tensor_v2'));
      w.op(0x28, 0x28);
      cached('storage', () => w.string('storage'));
      const type = tensor.dtype === 'int64' ? 'LongStorage' : 'FloatStorage';
      const known = memo.types.get(type);
      if (known === undefined) {
        w.global('torch', type);
        memo.types.set(type, w.put());
      } else w.get(known);
      w.string(key);
      w.put();
      cached('cpu', () => w.string('cpu'));
      w.int(tensor.values.length).op(0x74);
      w.put();
      w.op(0x51).int(0).tuple(tensor.shape).tuple(contiguousStride(tensor.shape));
      // requires_grad False, backward hooks OrderedDict()
      w.op(0x89).get(memo.orderedDict).op(0x29, 0x52);
      w.put();
      w.op(0x74);
      w.put();
      w.op(0x52);
      w.put();
    }
    w.op(0x75);
  };
  if (Array.isArray(content)) stateDict(content);
  else {
    w.op(0x7d);
    w.put();
    w.op(0x28);
    for (const [name, tensors] of Object.entries(content)) {
      w.string(name);
      w.put();
      stateDict(tensors);
    }
    w.op(0x75);
  }
  w.op(0x2e);
  const entries: [string, Uint8Array][] = [[`${archiveName}/data.pkl`, w.bytes()]];
  entries.push([`${archiveName}/byteorder`, new TextEncoder().encode('little')]);
  all.forEach((tensor, i) => {
    entries.push([`${archiveName}/data/${i}`, storageBytes(tensor)]);
  });
  entries.push([`${archiveName}/version`, new TextEncoder().encode('3\n')]);
  return writeZip(entries);
}

export { elementSize };
