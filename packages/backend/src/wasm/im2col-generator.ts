import {
  add,
  addF32,
  addI32,
  andI32,
  block,
  br,
  brIf,
  type Code,
  constF32Zero,
  constI32,
  divU32,
  elseBranch,
  end,
  eqI32,
  eqz,
  type FunctionDef,
  get,
  i32,
  ifThen,
  load,
  loadF32At,
  loop,
  ltU32,
  mulI32,
  remU32,
  set,
  store,
  storeF32At,
  subI32,
  tee,
  zeroVector,
} from './assembler.js';

// im2col and its inverse scatter (col2im) as WebAssembly loops over the heap: one call unrolls or scatters any range
// of output pixels, so a convolution's unrolling is one call instead of one per run of values, and a range can go to
// another thread. Part of the SIMD module (wasm/simd.ts) and of the product's module (wasm/gemm-generator.ts), whose
// worker threads run them on their share of the pixels.

/**
 * The function `name` (`im2colRows` or `col2imRows`), one loop nest: for output pixels `first … first + count − 1`
 * (batch, row, column order) and each filter tap, `inside(length)` where the tap's input pixel lies in the image (local `src` holds its
 * byte offset in `image`, local `run` the run's in `cols`), `outside(length)` where it falls in the padding; `length`
 * is a local holding the run's bytes: the input channels of one tap, or of a whole filter row where the row's taps
 * are adjacent in the image and all inside it.
 */
function tapLoopFunction(
  name: string,
  inside: (length: number) => Code,
  outside: (length: number) => Code,
): FunctionDef {
  // parameters
  const [image, cols, first, count, inH, inW, runBytes, outH, outW, fh, fw, sh, sw, dh, dw, padTop, padLeft] = [
    0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16,
  ];
  // locals (28-30 are the runs' scratch)
  const [pixel, last, xo, y, n, i, j, h, w, src, run, left, rowBytes, wholeRows] = [
    17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 31, 32, 33,
  ];
  const upTo = (local: number, limit: Code, body: Code): Code => [
    [constI32(0), set(local), block, loop],
    [get(local), limit, ltU32, eqz, brIf(1)],
    body,
    [get(local), constI32(1), addI32, set(local), br(0), end, end],
  ];
  const sourceOf = (column: Code): Code => [
    [get(n), get(inH), mulI32, get(h), addI32, get(inW), mulI32, column, addI32, get(runBytes), mulI32],
    [get(image), addI32, set(src)],
  ];
  return {
    name,
    params: Array.from({ length: 17 }, () => i32),
    locals: [[17, i32]],
    body: [
      [get(cols), set(run), get(first), tee(pixel), get(count), addI32, set(last)],
      [get(fw), get(runBytes), mulI32, set(rowBytes)],
      [block, loop, get(pixel), get(last), ltU32, eqz, brIf(1)],
      [get(pixel), get(outW), remU32, set(xo), get(pixel), get(outW), divU32, tee(y), get(outH), divU32, set(n)],
      [get(y), get(outH), remU32, set(y)],
      // the filter's columns adjacent (dilation 1) and all inside the image: a row of taps is one run
      [get(xo), get(sw), mulI32, get(padLeft), subI32, tee(left), get(inW), ltU32],
      [get(left), get(fw), addI32, constI32(1), subI32, get(inW), ltU32, andI32],
      [get(dw), constI32(1), eqI32, andI32, set(wholeRows)],
      upTo(i, get(fh), [
        [get(y), get(sh), mulI32, get(i), get(dh), mulI32, addI32, get(padTop), subI32, set(h)],
        [get(wholeRows), ifThen],
        // unsigned comparisons: a negative row or column is a large unsigned number
        [get(h), get(inH), ltU32, ifThen, sourceOf(get(left)), inside(rowBytes), elseBranch, outside(rowBytes), end],
        [get(run), get(rowBytes), addI32, set(run)],
        elseBranch,
        upTo(j, get(fw), [
          [get(left), get(j), get(dw), mulI32, addI32, set(w)],
          [get(h), get(inH), ltU32, get(w), get(inW), ltU32, andI32, ifThen],
          sourceOf(get(w)),
          inside(runBytes),
          elseBranch,
          outside(runBytes),
          end,
          [get(run), get(runBytes), addI32, set(run)],
        ]),
        end,
      ]),
      [get(pixel), constI32(1), addI32, set(pixel), br(0), end, end],
    ],
  };
}

/**
 * `bytes` (a local; a multiple of 4) from local `from` to local `to`, added to what is at `to` (`accumulate`), or
 * zeros to `to` (`from` null); 16 bytes at a time, then value by value. `d`, `s` and `e` are scratch locals.
 */
export function runLoop(
  from: number | null,
  to: number,
  bytes: number,
  [d, s, e]: [number, number, number],
  accumulate: boolean,
): Code {
  const source: Code = from === null ? zeroVector : [get(s), load];
  const vectorOp: Code = accumulate ? [get(d), get(d), load, source, add, store] : [get(d), source, store];
  const value: Code = from === null ? constF32Zero : [get(s), loadF32At(0)];
  const scalarOp: Code = accumulate
    ? [get(d), get(d), loadF32At(0), value, addF32, storeF32At(0)]
    : [get(d), value, storeF32At(0)];
  const step = (size: number): Code => [get(d), constI32(size), addI32, set(d), get(s), constI32(size), addI32, set(s)];
  return [
    [get(to), set(d), from === null ? [] : [get(from), set(s)]],
    [get(to), get(bytes), constI32(-16), andI32, addI32, set(e)],
    [block, loop, get(d), get(e), ltU32, eqz, brIf(1), vectorOp, step(16), br(0), end, end],
    [get(to), get(bytes), addI32, set(e)],
    [block, loop, get(d), get(e), ltU32, eqz, brIf(1), scalarOp, step(4), br(0), end, end],
  ];
}

const [tapSource, tapRun] = [26, 27];
const runScratch: [number, number, number] = [28, 29, 30];

/**
 * `im2colRows(x, cols, first, count, inH, inW, runBytes, outH, outW, fh, fw, sh, sw, dh, dw, padTop, padLeft)`: rows
 * `first … first + count − 1` of the NHWC image `x` unrolled (a row per output pixel, a run of `runBytes` = input
 * channels × 4 per filter tap, zeros in the padding), written to `cols` from its start.
 */
export function im2colFunction(): FunctionDef {
  return tapLoopFunction(
    'im2colRows',
    (length) => runLoop(tapSource, tapRun, length, runScratch, false),
    (length) => runLoop(null, tapRun, length, runScratch, false),
  );
}

/**
 * `col2imRows(dx, cols, first, count, inH, inW, runBytes, outH, outW, fh, fw, sh, sw, dh, dw, padTop, padLeft)`: the
 * inverse scatter of `im2colRows`: each run of `cols` (from its start, for output pixels `first …`) added into the
 * NHWC `dx` where its tap falls inside the image; pixel by pixel and tap by tap, as the JavaScript loop adds them.
 */
export function col2imFunction(): FunctionDef {
  return tapLoopFunction(
    'col2imRows',
    (length) => runLoop(tapRun, tapSource, length, runScratch, true),
    () => [],
  );
}

/** The parameters after the two offsets and the pixel range, in order (see {@link im2colFunction}). */
export interface TapLoopSizes {
  inHeight: number;
  inWidth: number;
  inChannels: number;
  outHeight: number;
  outWidth: number;
  filterHeight: number;
  filterWidth: number;
  strideHeight: number;
  strideWidth: number;
  dilationHeight: number;
  dilationWidth: number;
  padTop: number;
  padLeft: number;
}

/** `im2colRows`' / `col2imRows`' arguments from `image` (or dx) and `cols` (byte offsets) on. */
export function tapLoopArguments(image: number, cols: number, first: number, count: number, s: TapLoopSizes): number[] {
  return [
    image,
    cols,
    first,
    count,
    s.inHeight,
    s.inWidth,
    s.inChannels * 4,
    s.outHeight,
    s.outWidth,
    s.filterHeight,
    s.filterWidth,
    s.strideHeight,
    s.strideWidth,
    s.dilationHeight,
    s.dilationWidth,
    s.padTop,
    s.padLeft,
  ];
}
