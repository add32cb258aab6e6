// A small WebAssembly assembler: the instructions the SIMD kernels use, written out byte by byte, and a module of
// functions that import the backend's `env.memory`. Enough to write kernels by hand in TypeScript, so the package
// needs no toolchain and ships no binary.

export type Bytes = number[];
export type Code = (number | Code)[];

export const i32 = 0x7f;
export const f32 = 0x7d;
export const v128 = 0x7b;

function uleb(value: number): Bytes {
  const out: Bytes = [];
  let n = value >>> 0;
  do {
    let byte = n & 0x7f;
    n >>>= 7;
    if (n !== 0) byte |= 0x80;
    out.push(byte);
  } while (n !== 0);
  return out;
}

function sleb(value: number): Bytes {
  const out: Bytes = [];
  let n = value | 0;
  for (;;) {
    const byte = n & 0x7f;
    n >>= 7;
    if ((n === 0 && (byte & 0x40) === 0) || (n === -1 && (byte & 0x40) !== 0)) {
      out.push(byte);
      return out;
    }
    out.push(byte | 0x80);
  }
}

const name = (s: string): Bytes => [...uleb(s.length), ...Array.from(s, (c) => c.charCodeAt(0))];
const vector = (items: Bytes[]): Bytes => [...uleb(items.length), ...items.flat()];
const section = (id: number, bytes: Bytes): Bytes => [id, ...uleb(bytes.length), ...bytes];
export const simd = (opcode: number): Bytes => [0xfd, ...uleb(opcode)];

// The instructions used here.
export const get = (local: number): Bytes => [0x20, ...uleb(local)];
export const set = (local: number): Bytes => [0x21, ...uleb(local)];
export const tee = (local: number): Bytes => [0x22, ...uleb(local)];
export const constI32 = (value: number): Bytes => [0x41, ...sleb(value)];
export const addI32: Bytes = [0x6a];
export const shlI32: Bytes = [0x74];
export const ltU32: Bytes = [0x49];
export const eqz: Bytes = [0x45];
export const block: Bytes = [0x02, 0x40];
export const loop: Bytes = [0x03, 0x40];
export const end: Bytes = [0x0b];
export const br = (depth: number): Bytes => [0x0c, ...uleb(depth)];
export const brIf = (depth: number): Bytes => [0x0d, ...uleb(depth)];
export const load: Bytes = [...simd(0), 4, 0]; // v128.load, align 2^4, offset 0
export const store: Bytes = [...simd(11), 4, 0]; // v128.store
export const loadAt = (offset: number): Bytes => [...simd(0), 4, ...uleb(offset)];
export const storeAt = (offset: number): Bytes => [...simd(11), 4, ...uleb(offset)];
export const highHalfToLow: Bytes = [...simd(13), 8, 9, 10, 11, 12, 13, 14, 15, 0, 1, 2, 3, 4, 5, 6, 7]; // i8x16.shuffle
export const zeroVector: Bytes = [...simd(12), ...new Array<number>(16).fill(0)]; // v128.const 0
export const lessThan: Bytes = simd(0x43); // f32x4.lt
export const greaterThan: Bytes = simd(0x44); // f32x4.gt
export const bitselect: Bytes = simd(0x52);
export const promoteLow: Bytes = simd(0x5f); // f64x2.promote_low_f32x4
export const addF64: Bytes = simd(0xf0); // f64x2.add
export const mulF64: Bytes = simd(0xf2); // f64x2.mul
export const mulI32: Bytes = [0x6c];
export const splat: Bytes = simd(19); // f32x4.splat
export const sqrt: Bytes = simd(227);
export const add: Bytes = simd(228);
export const sub: Bytes = simd(229);
export const mul: Bytes = simd(230);
export const div: Bytes = simd(231);
/** f32x4.relaxed_madd (a · b + c, fused or not as the CPU does it; relaxed SIMD). */
export const relaxedMadd: Bytes = simd(0x105);
export const absF32x4: Bytes = simd(0xe0);
export const minF32x4: Bytes = simd(0xe8);
export const nearestF32x4: Bytes = simd(0x6a);
export const truncSatI32x4: Bytes = simd(0xf8); // i32x4.trunc_sat_f32x4_s
export const addI32x4: Bytes = simd(0xae);
export const shlI32x4: Bytes = simd(0xab); // i32x4.shl by an i32
export const andV128: Bytes = simd(0x4e);
export const orV128: Bytes = simd(0x50);
/** v128.const of four equal float32 lanes. */
export const constF32x4 = (value: number): Bytes => {
  const lane = new Uint8Array(new Float32Array([value]).buffer);
  return [...simd(12), ...lane, ...lane, ...lane, ...lane];
};
/** v128.const of four equal int32 lanes. */
export const constI32x4 = (value: number): Bytes => {
  const lane = new Uint8Array(new Int32Array([value]).buffer);
  return [...simd(12), ...lane, ...lane, ...lane, ...lane];
};
export const subI32: Bytes = [0x6b];
export const shrU32: Bytes = [0x76];
export const andI32: Bytes = [0x71];
export const orI32: Bytes = [0x72];
export const eqI32: Bytes = [0x46];
export const addF32: Bytes = [0x92];
export const gtU32: Bytes = [0x4b];
export const divU32: Bytes = [0x6e];
export const remU32: Bytes = [0x70];
export const selectI32: Bytes = [0x1b]; // select: a, b, condition → condition ? a : b
/** `if` with no result; close with `end` (`elseBranch` between the arms). */
export const ifThen: Bytes = [0x04, 0x40];
/** `if` whose arms leave one f32. */
export const ifF32: Bytes = [0x04, 0x7d];
export const elseBranch: Bytes = [0x05];
export const call = (index: number): Bytes => [0x10, ...uleb(index)];
export const drop: Bytes = [0x1a];
/** memory.copy (target, source, bytes on the stack) and memory.fill (target, byte value, bytes), bulk memory. */
export const memoryCopy: Bytes = [0xfc, 10, 0, 0];
export const memoryFill: Bytes = [0xfc, 11, 0];
export const constF32Zero: Bytes = [0x43, 0, 0, 0, 0];
export const loadF32At = (offset: number): Bytes => [0x2a, 2, ...uleb(offset)]; // f32.load, align 4
export const reinterpretI32AsF32: Bytes = [0xbe]; // f32.reinterpret_i32
export const storeF32At = (offset: number): Bytes => [0x38, 2, ...uleb(offset)]; // f32.store
export const loadSplatAt = (offset: number): Bytes => [...simd(9), 2, ...uleb(offset)]; // v128.load32_splat
/** i8x16.shuffle picking four float32 lanes of two vectors (lanes 0–3 of the first, 4–7 of the second). */
export const shuffleLanes = (lanes: [number, number, number, number]): Bytes => [
  ...simd(13),
  ...lanes.flatMap((lane) => [4 * lane, 4 * lane + 1, 4 * lane + 2, 4 * lane + 3]),
];

export interface FunctionDef {
  name: string;
  params: number[];
  locals: [count: number, type: number][];
  body: Code;
}

function flatten(code: Code): Bytes {
  const out: Bytes = [];
  const walk = (c: Code) => {
    for (const item of c) {
      if (typeof item === 'number') out.push(item);
      else walk(item);
    }
  };
  walk(code);
  return out;
}

/** A module importing `env.memory` (shared or not) and exporting `functions` (no results). */
export function assemble(sharedMemory: boolean, functions: FunctionDef[]): Uint8Array {
  const types = functions.map((f) => [0x60, ...vector(f.params.map((p) => [p])), ...vector([])]);
  const limits = sharedMemory ? [0x03, ...uleb(1), ...uleb(65536)] : [0x00, ...uleb(1)];
  const imports = vector([[...name('env'), ...name('memory'), 0x02, ...limits]]);
  const declarations = vector(functions.map((_, i) => uleb(i)));
  const exports = vector(functions.map((f, i) => [...name(f.name), 0x00, ...uleb(i)]));
  const bodies = vector(
    functions.map((f) => {
      const body = [...vector(f.locals.map(([count, type]) => [...uleb(count), type])), ...flatten(f.body), ...end];
      return [...uleb(body.length), ...body];
    }),
  );
  return new Uint8Array([
    0x00,
    0x61,
    0x73,
    0x6d,
    0x01,
    0x00,
    0x00,
    0x00,
    ...section(1, vector(types)),
    ...section(2, imports),
    ...section(3, declarations),
    ...section(7, exports),
    ...section(10, bodies),
  ]);
}

/**
 * The loop `for (; p < end; p += step) body` over a byte offset in local `p` (`end` a local too); `body` may move
 * other pointers along.
 */
export function walk(p: number, endLocal: number, step: number, body: Code): Code {
  return [
    block,
    loop,
    [get(p), get(endLocal), ltU32, eqz, brIf(1)],
    body,
    [get(p), constI32(step), addI32, set(p)],
    br(0),
    end,
    end,
  ];
}

/**
 * The loop over the rows of a matrix walked by byte offset `p` up to local `endLocal`: per row, `rowEnd` = `p` +
 * `rowBytes`, then `rowStart` (resetting per-row pointers), then `body` at every 16 bytes of the row.
 */
export function walkRows(
  p: number,
  endLocal: number,
  rowEnd: number,
  rowBytes: Code,
  rowStart: Code,
  body: Code,
): Code {
  return [
    block,
    loop,
    [get(p), get(endLocal), ltU32, eqz, brIf(1)],
    [get(p), rowBytes, addI32, set(rowEnd)],
    rowStart,
    walk(p, rowEnd, 16, body),
    br(0),
    end,
    end,
  ];
}

/** `count` float32 values in bytes, from a local. */
export const bytesOf = (local: number): Code => [get(local), constI32(2), shlI32];
