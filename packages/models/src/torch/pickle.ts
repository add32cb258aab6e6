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

/** Reads one pickle. `persistentLoad` resolves BINPERSID ids (torch's storages). */
export function unpickle(bytes: Uint8Array, what = 'The checkpoint'): PickleValue {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const decoder = new TextDecoder('utf-8', { fatal: true });
  const stack: PickleValue[] = [];
  const marks: number[] = [];
  const memo = new Map<number, PickleValue>();
  let at = 0;

  const need = (n: number) => {
    if (at + n > bytes.length) throw corrupt(what, 'the pickle ends early (the file is truncated)');
  };
  const u8 = () => {
    need(1);
    return bytes[at++]!;
  };
  const u16 = () => {
    need(2);
    const v = view.getUint16(at, true);
    at += 2;
    return v;
  };
  const u32 = () => {
    need(4);
    const v = view.getUint32(at, true);
    at += 4;
    return v;
  };
  const u64 = () => {
    need(8);
    const v = Number(view.getBigUint64(at, true));
    at += 8;
    return v;
  };
  const take = (n: number) => {
    need(n);
    const out = bytes.subarray(at, at + n);
    at += n;
    return out;
  };
  const line = () => {
    const end = bytes.indexOf(0x0a, at);
    if (end < 0) throw corrupt(what, 'the pickle ends early (the file is truncated)');
    const text = new TextDecoder().decode(bytes.subarray(at, end));
    at = end + 1;
    return text;
  };
  const pop = () => {
    if (stack.length === 0) throw corrupt(what, 'the pickle pops an empty stack');
    return stack.pop()!;
  };
  const popMark = () => {
    const mark = marks.pop();
    if (mark === undefined) throw corrupt(what, 'the pickle closes a mark it never opened');
    return stack.splice(mark);
  };
  const top = () => {
    if (stack.length === 0) throw corrupt(what, 'the pickle reads an empty stack');
    return stack[stack.length - 1]!;
  };
  const text = (n: number) => {
    try {
      return decoder.decode(take(n));
    } catch {
      throw corrupt(what, 'a string of the pickle is not valid UTF-8');
    }
  };
  const global = (module: string, name: string): PickleValue => {
    const full = `${module}.${name}`;
    const dtype = storageTypes[full];
    if (dtype !== undefined) return { kind: 'global', name: full };
    if (otherStorageTypes.includes(full)) {
      throw new GanError(
        'UNSUPPORTED',
        `${what} holds tensors of type ${full}, which is not read: only float32, float16, bfloat16, float64 and ` +
          'int64 tensors are. Convert the model with .float() before saving its state_dict.',
      );
    }
    if (functions.has(full)) return { kind: 'global', name: full };
    throw refuse(what, `the pickle asks for the Python global ${full}, which a state_dict does not need`);
  };
  const setItems = (target: PickleValue, items: PickleValue[]) => {
    if (!(target instanceof Map)) throw corrupt(what, 'the pickle sets items of something that is not a dict');
    for (let i = 0; i + 1 < items.length; i += 2) target.set(items[i]!, items[i + 1]!);
  };
  const append = (target: PickleValue, items: PickleValue[]) => {
    if (!Array.isArray(target)) throw corrupt(what, 'the pickle appends to something that is not a list');
    target.push(...items);
  };

  for (;;) {
    const op = u8();
    switch (op) {
      case 0x80: // PROTO
        u8();
        break;
      case 0x95: // FRAME
        u64();
        break;
      case 0x2e: // STOP
        if (stack.length !== 1) throw corrupt(what, `the pickle stops with ${stack.length} values on its stack`);
        return stack[0]!;
      case 0x28: // MARK
        marks.push(stack.length);
        break;
      case 0x30: // POP
        pop();
        break;
      case 0x31: // POP_MARK
        popMark();
        break;
      case 0x32: // DUP
        stack.push(top());
        break;
      case 0x7d: // EMPTY_DICT
        stack.push(new Map());
        break;
      case 0x5d: // EMPTY_LIST
      case 0x29: // EMPTY_TUPLE
        stack.push([]);
        break;
      case 0x8f: // EMPTY_SET
        stack.push(new Set());
        break;
      case 0x74: // TUPLE
      case 0x6c: // LIST
        stack.push(popMark());
        break;
      case 0x85: // TUPLE1
        stack.push([pop()]);
        break;
      case 0x86: {
        // TUPLE2
        const b = pop();
        stack.push([pop(), b]);
        break;
      }
      case 0x87: {
        // TUPLE3
        const c = pop();
        const b = pop();
        stack.push([pop(), b, c]);
        break;
      }
      case 0x64: {
        // DICT
        const dict = new Map<PickleValue, PickleValue>();
        setItems(dict, popMark());
        stack.push(dict);
        break;
      }
      case 0x73: {
        // SETITEM
        const value = pop();
        const key = pop();
        setItems(top(), [key, value]);
        break;
      }
      case 0x75: {
        // SETITEMS
        const items = popMark();
        setItems(top(), items);
        break;
      }
      case 0x61: {
        // APPEND
        const item = pop();
        append(top(), [item]);
        break;
      }
      case 0x65: {
        // APPENDS
        const items = popMark();
        append(top(), items);
        break;
      }
      case 0x90: {
        // ADDITEMS
        const items = popMark();
        const set = top();
        if (!(set instanceof Set)) throw corrupt(what, 'the pickle adds items to something that is not a set');
        for (const item of items) set.add(item);
        break;
      }
      case 0x91: // FROZENSET
        stack.push(new Set(popMark()));
        break;
      case 0x71: // BINPUT
        memo.set(u8(), top());
        break;
      case 0x72: // LONG_BINPUT
        memo.set(u32(), top());
        break;
      case 0x94: // MEMOIZE
        memo.set(memo.size, top());
        break;
      case 0x68: // BINGET
      case 0x6a: {
        // LONG_BINGET
        const index = op === 0x68 ? u8() : u32();
        if (!memo.has(index)) throw corrupt(what, `the pickle reads memo entry ${index}, which it never wrote`);
        stack.push(memo.get(index)!);
        break;
      }
      case 0x4a: // BININT
        need(4);
        stack.push(view.getInt32(at, true));
        at += 4;
        break;
      case 0x4b: // BININT1
        stack.push(u8());
        break;
      case 0x4d: // BININT2
        stack.push(u16());
        break;
      case 0x8a: // LONG1
      case 0x8b: {
        // LONG4
        const n = op === 0x8a ? u8() : u32();
        const digits = take(n);
        let value = 0n;
        for (let i = n - 1; i >= 0; i--) value = (value << 8n) | BigInt(digits[i]!);
        if (n > 0 && digits[n - 1]! & 0x80) value -= 1n << BigInt(8 * n);
        stack.push(
          value >= BigInt(Number.MIN_SAFE_INTEGER) && value <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(value) : value,
        );
        break;
      }
      case 0x47: // BINFLOAT
        need(8);
        stack.push(view.getFloat64(at, false));
        at += 8;
        break;
      case 0x4e: // NONE
        stack.push(null);
        break;
      case 0x88: // NEWTRUE
        stack.push(true);
        break;
      case 0x89: // NEWFALSE
        stack.push(false);
        break;
      case 0x58: // BINUNICODE
        stack.push(text(u32()));
        break;
      case 0x8c: // SHORT_BINUNICODE
        stack.push(text(u8()));
        break;
      case 0x8d: // BINUNICODE8
        stack.push(text(u64()));
        break;
      case 0x42: // BINBYTES
        stack.push(take(u32()));
        break;
      case 0x43: // SHORT_BINBYTES
        stack.push(take(u8()));
        break;
      case 0x8e: // BINBYTES8
        stack.push(take(u64()));
        break;
      case 0x63: {
        // GLOBAL
        const module = line();
        stack.push(global(module, line()));
        break;
      }
      case 0x93: {
        // STACK_GLOBAL
        const name = pop();
        const module = pop();
        if (typeof module !== 'string' || typeof name !== 'string')
          throw corrupt(what, 'a global with a name that is not a string');
        stack.push(global(module, name));
        break;
      }
      case 0x52: {
        // REDUCE
        const args = pop();
        const fn = pop();
        if (!isGlobal(fn) || !Array.isArray(args))
          throw refuse(what, 'the pickle calls something that is not an allowed function');
        stack.push(call(fn, args, what));
        break;
      }
      case 0x62: {
        // BUILD: the state of an object; an OrderedDict's `_metadata` (module versions) is all a state_dict has.
        pop();
        if (!(top() instanceof Map)) throw refuse(what, 'the pickle sets the state of an object that is not a dict');
        break;
      }
      case 0x51: {
        // BINPERSID: torch's storages, ('storage', type, key, location, numel)
        const id = pop();
        if (!Array.isArray(id) || id[0] !== 'storage' || id.length < 5) {
          throw refuse(what, 'the pickle refers to an outside object that is not a storage');
        }
        const [, type, key, , numel] = id;
        if (
          !isGlobal(type) ||
          storageTypes[type.name] === undefined ||
          typeof key !== 'string' ||
          typeof numel !== 'number'
        ) {
          throw corrupt(what, 'a storage reference without a known type, key and size');
        }
        stack.push({ kind: 'storage', dtype: storageTypes[type.name]!, key, numel });
        break;
      }
      default:
        throw refuse(
          what,
          `the pickle uses opcode 0x${op.toString(16).padStart(2, '0')} ('${String.fromCharCode(op)}') at byte ${at - 1}, which this reader does not know`,
        );
    }
  }
}
