import { GanError } from '@gan/core';

/**
 * A restricted reader of Python pickles, for the `data.pkl` of a `torch.save` checkpoint. It knows the opcodes of
 * protocols 2 to 5 that plain data uses and a short list of globals — `collections.OrderedDict`, tensor rebuilds and
 * the storage types — and refuses everything else. It never runs anything from the file: a global is a name it
 * looks up in that list, and REDUCE only applies the functions of the list.
 */

/** A Python value as this reader gives it: dicts as `Map`, tuples and lists as arrays, bytes as `Uint8Array`. */
export type PickleValue =
  | null
  | boolean
  | number
  | bigint
  | string
  | Uint8Array
  | PickleValue[]
  | Map<PickleValue, PickleValue>
  | Set<PickleValue>
  | StorageRef
  | TensorRef
  | PickleGlobal;

/** The storage element types of a state_dict that we read. */
export type TorchDType = 'float32' | 'float16' | 'bfloat16' | 'float64' | 'int64';

/** A storage of the checkpoint (`archive/data/<key>`), as `persistent_load` names it. */
export interface StorageRef {
  kind: 'storage';
  dtype: TorchDType;
  key: string;
  numel: number;
}

/** A tensor: a view of a storage. */
export interface TensorRef {
  kind: 'tensor';
  storage: StorageRef;
  offset: number;
  shape: number[];
  stride: number[];
}

/** A global the pickle named (a class or function of the allowed list). */
export interface PickleGlobal {
  kind: 'global';
  name: string;
}

const storageTypes: Record<string, TorchDType> = {
  'torch.FloatStorage': 'float32',
  'torch.HalfStorage': 'float16',
  'torch.BFloat16Storage': 'bfloat16',
  'torch.DoubleStorage': 'float64',
  'torch.LongStorage': 'int64',
};

/** Storage types PyTorch has that we do not read: named in the error. */
const otherStorageTypes = [
  'torch.IntStorage',
  'torch.ShortStorage',
  'torch.CharStorage',
  'torch.ByteStorage',
  'torch.BoolStorage',
  'torch.ComplexFloatStorage',
  'torch.ComplexDoubleStorage',
  'torch.QInt8Storage',
  'torch.QUInt8Storage',
  'torch.QInt32Storage',
  'torch.UntypedStorage',
];

const functions = new Set([
  'collections.OrderedDict',
  'torch._utils._rebuild_tensor_v2',
  'torch._utils._rebuild_parameter',
  'torch._utils._rebuild_parameter_with_state',
]);

const isGlobal = (value: PickleValue): value is PickleGlobal =>
  typeof value === 'object' && value !== null && !Array.isArray(value) && (value as PickleGlobal).kind === 'global';

function refuse(what: string, detail: string): GanError {
  return new GanError(
    'UNSUPPORTED',
    `${what}: ${detail}. Only state_dicts (names → tensors, as torch.save(module.state_dict(), path) writes them) ` +
      'are read, and nothing in the file is ever run.',
  );
}

function corrupt(what: string, detail: string): GanError {
  return new GanError('CORRUPT_FILE', `${what} is damaged: ${detail}. Save the checkpoint again with torch.save.`);
}

/** Turns a tensor rebuild's arguments into a {@link TensorRef}. */
function rebuildTensor(args: PickleValue[], what: string): TensorRef {
  const [storage, offset, shape, stride] = args;
  const ok =
    typeof storage === 'object' &&
    storage !== null &&
    (storage as StorageRef).kind === 'storage' &&
    typeof offset === 'number' &&
    Array.isArray(shape) &&
    Array.isArray(stride) &&
    shape.every((d) => typeof d === 'number') &&
    stride.every((d) => typeof d === 'number');
  if (!ok) throw corrupt(what, 'a tensor is rebuilt from something other than a storage, offset, size and stride');
  return {
    kind: 'tensor',
    storage: storage as StorageRef,
    offset,
    shape: shape as number[],
    stride: stride as number[],
  };
}

/** Applies an allowed global to its arguments (REDUCE). */
function call(fn: PickleGlobal, args: PickleValue[], what: string): PickleValue {
  switch (fn.name) {
    case 'collections.OrderedDict':
      if (args.length === 0) return new Map();
      break;
    case 'torch._utils._rebuild_tensor_v2':
      return rebuildTensor(args, what);
    case 'torch._utils._rebuild_parameter':
    case 'torch._utils._rebuild_parameter_with_state':
      return args[0] ?? null;
  }
  throw refuse(what, `the pickle calls ${fn.name} with arguments this reader does not know`);
}

/** The state of one unpickling: the input, the stack, the marks and the memo. */
class Machine {
  readonly stack: PickleValue[] = [];
  readonly marks: number[] = [];
  readonly memo = new Map<number, PickleValue>();
  private readonly view: DataView;
  private readonly decoder = new TextDecoder('utf-8', { fatal: true });
  at = 0;

  constructor(
    private readonly bytes: Uint8Array,
    readonly what: string,
  ) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  private need(n: number): void {
    if (this.at + n > this.bytes.length) throw corrupt(this.what, 'the pickle ends early (the file is truncated)');
  }
  u8(): number {
    this.need(1);
    return this.bytes[this.at++]!;
  }
  u16(): number {
    this.need(2);
    this.at += 2;
    return this.view.getUint16(this.at - 2, true);
  }
  u32(): number {
    this.need(4);
    this.at += 4;
    return this.view.getUint32(this.at - 4, true);
  }
  i32(): number {
    this.need(4);
    this.at += 4;
    return this.view.getInt32(this.at - 4, true);
  }
  u64(): number {
    this.need(8);
    this.at += 8;
    return Number(this.view.getBigUint64(this.at - 8, true));
  }
  f64be(): number {
    this.need(8);
    this.at += 8;
    return this.view.getFloat64(this.at - 8, false);
  }
  take(n: number): Uint8Array {
    this.need(n);
    this.at += n;
    return this.bytes.subarray(this.at - n, this.at);
  }
  line(): string {
    const end = this.bytes.indexOf(0x0a, this.at);
    if (end < 0) throw corrupt(this.what, 'the pickle ends early (the file is truncated)');
    const text = new TextDecoder().decode(this.bytes.subarray(this.at, end));
    this.at = end + 1;
    return text;
  }
  text(n: number): string {
    try {
      return this.decoder.decode(this.take(n));
    } catch (error) {
      if (GanError.isInstance(error)) throw error;
      throw corrupt(this.what, 'a string of the pickle is not valid UTF-8');
    }
  }
  push(value: PickleValue): void {
    this.stack.push(value);
  }
  pop(): PickleValue {
    if (this.stack.length === 0) throw corrupt(this.what, 'the pickle pops an empty stack');
    return this.stack.pop()!;
  }
  popMark(): PickleValue[] {
    const mark = this.marks.pop();
    if (mark === undefined) throw corrupt(this.what, 'the pickle closes a mark it never opened');
    return this.stack.splice(mark);
  }
  top(): PickleValue {
    if (this.stack.length === 0) throw corrupt(this.what, 'the pickle reads an empty stack');
    return this.stack[this.stack.length - 1]!;
  }
  remember(index: number): void {
    this.memo.set(index, this.top());
  }
  recall(index: number): void {
    if (!this.memo.has(index)) throw corrupt(this.what, `the pickle reads memo entry ${index}, which it never wrote`);
    this.push(this.memo.get(index)!);
  }
  /** A global by name: one of the allowed functions or storage types, else refused. */
  global(module: string, name: string): PickleGlobal {
    const full = `${module}.${name}`;
    if (storageTypes[full] !== undefined || functions.has(full)) return { kind: 'global', name: full };
    if (otherStorageTypes.includes(full)) {
      throw new GanError(
        'UNSUPPORTED',
        `${this.what} holds tensors of type ${full}, which is not read: only float32, float16, bfloat16, float64 and ` +
          'int64 tensors are. Convert the model with .float() before saving its state_dict.',
      );
    }
    throw refuse(this.what, `the pickle asks for the Python global ${full}, which a state_dict does not need`);
  }
  setItems(target: PickleValue, items: PickleValue[]): void {
    if (!(target instanceof Map)) throw corrupt(this.what, 'the pickle sets items of something that is not a dict');
    for (let i = 0; i + 1 < items.length; i += 2) target.set(items[i]!, items[i + 1]!);
  }
  append(target: PickleValue, items: PickleValue[]): void {
    if (!Array.isArray(target)) throw corrupt(this.what, 'the pickle appends to something that is not a list');
    target.push(...items);
  }
}

/** LONG1 / LONG4: a little-endian two's-complement integer of `n` bytes (a number when it fits exactly). */
function long(m: Machine, n: number): number | bigint {
  const digits = m.take(n);
  let value = 0n;
  for (let i = n - 1; i >= 0; i--) value = (value << 8n) | BigInt(digits[i]!);
  if (n > 0 && digits[n - 1]! & 0x80) value -= 1n << BigInt(8 * n);
  const safe = value >= BigInt(Number.MIN_SAFE_INTEGER) && value <= BigInt(Number.MAX_SAFE_INTEGER);
  return safe ? Number(value) : value;
}

/** BINPERSID: torch's storages, `('storage', type, key, location, numel)`. */
function storage(m: Machine): StorageRef {
  const id = m.pop();
  if (!Array.isArray(id) || id[0] !== 'storage' || id.length < 5) {
    throw refuse(m.what, 'the pickle refers to an outside object that is not a storage');
  }
  const [, type, key, , numel] = id;
  if (
    !isGlobal(type) ||
    storageTypes[type.name] === undefined ||
    typeof key !== 'string' ||
    typeof numel !== 'number'
  ) {
    throw corrupt(m.what, 'a storage reference without a known type, key and size');
  }
  return { kind: 'storage', dtype: storageTypes[type.name]!, key, numel };
}

/** What each opcode this reader knows does (protocols 2 to 5, plain data only). STOP (0x2e) ends the loop. */
const opcodes: Record<number, (m: Machine) => void> = {
  128: (m) => void m.u8(), // PROTO
  149: (m) => void m.u64(), // FRAME
  40: (m) => void m.marks.push(m.stack.length), // MARK
  48: (m) => void m.pop(), // POP
  49: (m) => void m.popMark(), // POP_MARK
  50: (m) => m.push(m.top()), // DUP
  125: (m) => m.push(new Map()), // EMPTY_DICT
  93: (m) => m.push([]), // EMPTY_LIST
  41: (m) => m.push([]), // EMPTY_TUPLE
  143: (m) => m.push(new Set()), // EMPTY_SET
  116: (m) => m.push(m.popMark()), // TUPLE
  108: (m) => m.push(m.popMark()), // LIST
  133: (m) => m.push([m.pop()]), // TUPLE1
  134: (m) => {
    // TUPLE2
    const b = m.pop();
    m.push([m.pop(), b]);
  },
  135: (m) => {
    // TUPLE3
    const c = m.pop();
    const b = m.pop();
    m.push([m.pop(), b, c]);
  },
  100: (m) => {
    // DICT
    const dict = new Map<PickleValue, PickleValue>();
    m.setItems(dict, m.popMark());
    m.push(dict);
  },
  115: (m) => {
    // SETITEM
    const value = m.pop();
    const key = m.pop();
    m.setItems(m.top(), [key, value]);
  },
  117: (m) => {
    // SETITEMS
    const items = m.popMark();
    m.setItems(m.top(), items);
  },
  97: (m) => {
    // APPEND
    const item = m.pop();
    m.append(m.top(), [item]);
  },
  101: (m) => {
    // APPENDS
    const items = m.popMark();
    m.append(m.top(), items);
  },
  144: (m) => {
    // ADDITEMS
    const items = m.popMark();
    const set = m.top();
    if (!(set instanceof Set)) throw corrupt(m.what, 'the pickle adds items to something that is not a set');
    for (const item of items) set.add(item);
  },
  145: (m) => m.push(new Set(m.popMark())), // FROZENSET
  113: (m) => m.remember(m.u8()), // BINPUT
  114: (m) => m.remember(m.u32()), // LONG_BINPUT
  148: (m) => m.remember(m.memo.size), // MEMOIZE
  104: (m) => m.recall(m.u8()), // BINGET
  106: (m) => m.recall(m.u32()), // LONG_BINGET
  74: (m) => m.push(m.i32()), // BININT
  75: (m) => m.push(m.u8()), // BININT1
  77: (m) => m.push(m.u16()), // BININT2
  138: (m) => m.push(long(m, m.u8())), // LONG1
  139: (m) => m.push(long(m, m.u32())), // LONG4
  71: (m) => m.push(m.f64be()), // BINFLOAT
  78: (m) => m.push(null), // NONE
  136: (m) => m.push(true), // NEWTRUE
  137: (m) => m.push(false), // NEWFALSE
  88: (m) => m.push(m.text(m.u32())), // BINUNICODE
  140: (m) => m.push(m.text(m.u8())), // SHORT_BINUNICODE
  141: (m) => m.push(m.text(m.u64())), // BINUNICODE8
  66: (m) => m.push(m.take(m.u32())), // BINBYTES
  67: (m) => m.push(m.take(m.u8())), // SHORT_BINBYTES
  142: (m) => m.push(m.take(m.u64())), // BINBYTES8
  99: (m) => {
    // GLOBAL
    const module = m.line();
    m.push(m.global(module, m.line()));
  },
  147: (m) => {
    // STACK_GLOBAL
    const name = m.pop();
    const module = m.pop();
    if (typeof module !== 'string' || typeof name !== 'string') {
      throw corrupt(m.what, 'a global with a name that is not a string');
    }
    m.push(m.global(module, name));
  },
  82: (m) => {
    // REDUCE
    const args = m.pop();
    const fn = m.pop();
    if (!isGlobal(fn) || !Array.isArray(args)) {
      throw refuse(m.what, 'the pickle calls something that is not an allowed function');
    }
    m.push(call(fn, args, m.what));
  },
  98: (m) => {
    // BUILD: the state of an object; an OrderedDict's `_metadata` (module versions) is all a state_dict has.
    m.pop();
    if (!(m.top() instanceof Map)) throw refuse(m.what, 'the pickle sets the state of an object that is not a dict');
  },
  81: (m) => m.push(storage(m)), // BINPERSID
};
/** Reads one pickle; BINPERSID ids become {@link StorageRef}s (torch's storages). */
export function unpickle(bytes: Uint8Array, what = 'The checkpoint'): PickleValue {
  const m = new Machine(bytes, what);
  for (;;) {
    const op = m.u8();
    if (op === 0x2e) {
      // STOP
      if (m.stack.length !== 1) throw corrupt(what, `the pickle stops with ${m.stack.length} values on its stack`);
      return m.stack[0]!;
    }
    const run = opcodes[op];
    if (run === undefined) {
      const char = op >= 0x20 && op < 0x7f ? ` ('${String.fromCharCode(op)}')` : '';
      throw refuse(
        what,
        `the pickle uses opcode 0x${op.toString(16).padStart(2, '0')}${char} at byte ${m.at - 1}, which this reader does not know`,
      );
    }
    run(m);
  }
}
