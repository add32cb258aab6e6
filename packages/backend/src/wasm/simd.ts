import type * as tf from '@tensorflow/tfjs-core';

// A few memory-bound training kernels as WebAssembly SIMD, run on the wasm backend's own heap. A JavaScript loop
// over typed arrays is bound by its element-by-element loads and stores; 128-bit wasm loads and stores move four
// float32 values at a time (the timings are in bench/RESULTS.md). The module is about 3.3 KB, written
// out below instruction by instruction, so the package needs no toolchain and ships no binary; it imports the
// backend's `WebAssembly.Memory` (shared when XNNPACK runs threads), so tensors are read and written in place.

import {
  absF32x4,
  add,
  addF64,
  addI32,
  addI32x4,
  andV128,
  assemble,
  type Bytes,
  bitselect,
  bytesOf,
  type Code,
  constF32x4,
  constI32,
  constI32x4,
  div,
  type FunctionDef,
  f32,
  get,
  greaterThan,
  highHalfToLow,
  i32,
  lessThan,
  load,
  loadAt,
  memoryCopy,
  memoryFill,
  minF32x4,
  mul,
  mulF64,
  mulI32,
  nearestF32x4,
  orV128,
  promoteLow,
  set,
  shlI32,
  shlI32x4,
  splat,
  sqrt,
  store,
  storeAt,
  sub,
  tee,
  truncSatI32x4,
  v128,
  walk,
  walkRows,
  zeroVector,
} from './assembler.js';
import { col2imFunction, im2colFunction } from './im2col-generator.js';
import { isShared, wasmMemoryOf } from './internals.js';

/**
 * `adam(w, g, m, v, wOut, mOut, vOut, count, β₁, β₂, 1−β₁, 1−β₂, lr/c₁, 1/c₂, ε)`: byte offsets, then `count`
 * (a multiple of 4) values, then the constants of {@link adamUpdate}'s loop, in float32:
 * m′ = β₁m + (1−β₁)g, v′ = β₂v + (1−β₂)g·g, w′ = w − (lr/c₁)·m′ / (√(v′·(1/c₂)) + ε).
 */
export function adamFunction(): FunctionDef {
  const [w, g, m, v, wOut, mOut, vOut, count] = [0, 1, 2, 3, 4, 5, 6, 7];
  const constants = [8, 9, 10, 11, 12, 13, 14]; // β₁, β₂, 1−β₁, 1−β₂, lr/c₁, 1/c₂, ε as f32
  const offset = 15;
  const endOffset = 16;
  const [beta1, beta2, oneMinusBeta1, oneMinusBeta2, stepSize, inverseCorrection2, epsilon] = [
    17, 18, 19, 20, 21, 22, 23,
  ];
  const [gi, mi, vi] = [24, 25, 26];
  const at = (base: number): Code => [get(base), get(offset), addI32];
  return {
    name: 'adam',
    params: [i32, i32, i32, i32, i32, i32, i32, i32, f32, f32, f32, f32, f32, f32, f32],
    locals: [
      [2, i32],
      [10, v128],
    ],
    body: [
      [bytesOf(count), set(endOffset)],
      constants.map((param, i) => [get(param), splat, set(beta1 + i)]),
      walk(offset, endOffset, 16, [
        [at(g), load, set(gi)],
        [at(mOut), get(beta1), at(m), load, mul, get(oneMinusBeta1), get(gi), mul, add, tee(mi), store],
        [at(vOut), get(beta2), at(v), load, mul, get(oneMinusBeta2), get(gi), mul, get(gi), mul, add, tee(vi), store],
        [at(wOut), at(w), load, get(stepSize), get(mi), mul, get(vi), get(inverseCorrection2), mul, sqrt, get(epsilon)],
        [add, div, sub, store],
      ]),
    ],
  };
}

/**
 * `sumRows(source, count, columns, sums)`: adds the rows of the `[count / columns, columns]` float32 matrix at
 * `source` into the float64 `sums[columns]` (`columns` and `count` multiples of 4), each value promoted to float64.
 */
function sumRowsFunction(): FunctionDef {
  const [source, count, columns, sums] = [0, 1, 2, 3];
  const [endOffset, rowEnd, sum, x] = [4, 5, 6, 7];
  return {
    name: 'sumRows',
    params: [i32, i32, i32, i32],
    locals: [
      [3, i32],
      [1, v128],
    ],
    body: [
      [get(source), bytesOf(count), addI32, set(endOffset)],
      walkRows(
        source,
        endOffset,
        rowEnd,
        bytesOf(columns),
        [get(sums), set(sum)],
        [
          [get(source), load, set(x)],
          [get(sum), get(sum), loadAt(0), get(x), promoteLow, addF64, storeAt(0)],
          [get(sum), get(sum), loadAt(16), get(x), get(x), highHalfToLow, promoteLow, addF64, storeAt(16)],
          [get(sum), constI32(32), addI32, set(sum)],
        ],
      ),
    ],
  };
}

/** `leakyRelu(x, out, count, α)`: out = x < 0 ? α·x : x, for `count` (a multiple of 4) values. */
function leakyReluFunction(): FunctionDef {
  const [x, out, count, alpha] = [0, 1, 2, 3];
  const [endOffset, alphas, value] = [4, 5, 6];
  return {
    name: 'leakyRelu',
    params: [i32, i32, i32, f32],
    locals: [
      [1, i32],
      [2, v128],
    ],
    body: [
      [get(x), bytesOf(count), addI32, set(endOffset), get(alpha), splat, set(alphas)],
      walk(x, endOffset, 16, [
        [get(out), get(alphas), get(x), load, tee(value), mul, get(value), get(value), zeroVector, lessThan, bitselect],
        [store, get(out), constI32(16), addI32, set(out)],
      ]),
    ],
  };
}

/** `leakyReluGrad(dy, x, out, count, α)`: out = x > 0 ? dy : α·dy (tfjs's gradient), `count` a multiple of 4. */
function leakyReluGradFunction(): FunctionDef {
  const [dy, x, out, count, alpha] = [0, 1, 2, 3, 4];
  const [endOffset, alphas, gradient] = [5, 6, 7];
  return {
    name: 'leakyReluGrad',
    params: [i32, i32, i32, i32, f32],
    locals: [
      [1, i32],
      [2, v128],
    ],
    body: [
      [get(dy), bytesOf(count), addI32, set(endOffset), get(alpha), splat, set(alphas)],
      walk(dy, endOffset, 16, [
        [
          get(out),
          get(dy),
          load,
          tee(gradient),
          get(alphas),
          get(gradient),
          mul,
          get(x),
          load,
          zeroVector,
          greaterThan,
        ],
        [bitselect, store, get(out), constI32(16), addI32, set(out), get(x), constI32(16), addI32, set(x)],
      ]),
    ],
  };
}

/**
 * `batchNorm(x, out, count, channels, params)`: tfjs-wasm's FusedBatchNorm formula, `o + (x − μ)·s / n` per channel,
 * over `count` values of `channels` channels (both multiples of 4); `params` holds μ, s, n = √(variance + ε) and o,
 * `channels` values each, one after the other.
 */
function batchNormFunction(): FunctionDef {
  const [x, out, count, channels, params] = [0, 1, 2, 3, 4];
  const [endOffset, rowEnd, q, channelBytes] = [5, 6, 7, 8];
  const param = (k: number): Code => [get(q), get(channelBytes), constI32(k), mulI32, addI32, load];
  return {
    name: 'batchNorm',
    params: [i32, i32, i32, i32, i32],
    locals: [[4, i32]],
    body: [
      [get(x), bytesOf(count), addI32, set(endOffset), bytesOf(channels), set(channelBytes)],
      walkRows(
        x,
        endOffset,
        rowEnd,
        get(channelBytes),
        [get(params), set(q)],
        [
          [get(out), get(x), load, param(0), sub, param(1), mul, param(2), div, param(3), add, store],
          [get(out), constI32(16), addI32, set(out), get(q), constI32(16), addI32, set(q)],
        ],
      ),
    ],
  };
}

/**
 * `batchNormGradSums(dy, x, count, channels, mean, sums)`: per channel, adds Σ dy and Σ dy·(x − μ) into the float64
 * `sums[2 · channels]` (first all Σ dy, then all Σ dy·(x − μ)), over `count` values (multiples of 4 channels).
 */
function batchNormGradSumsFunction(): FunctionDef {
  const [dy, x, count, channels, mean, sums] = [0, 1, 2, 3, 4, 5];
  const [endOffset, rowEnd, q, acc, secondHalf] = [6, 7, 8, 9, 10];
  const [d, p] = [11, 12];
  // sums[…] += promote(low or high half of `value`), in the first (Σ dy) or second (Σ dy·(x − μ)) table.
  const accumulate = (second: boolean, value: number, high: boolean): Code => {
    const address: Code = second ? [get(acc), get(secondHalf), addI32] : [get(acc)];
    const offset = high ? 16 : 0;
    return [
      address,
      address,
      loadAt(offset),
      get(value),
      high ? [get(value), highHalfToLow] : [],
      promoteLow,
      addF64,
      storeAt(offset),
    ];
  };
  return {
    name: 'batchNormGradSums',
    params: [i32, i32, i32, i32, i32, i32],
    locals: [
      [5, i32],
      [2, v128],
    ],
    body: [
      [get(dy), bytesOf(count), addI32, set(endOffset)],
      [get(channels), constI32(3), shlI32, set(secondHalf)], // channels float64 values, in bytes
      walkRows(
        dy,
        endOffset,
        rowEnd,
        bytesOf(channels),
        [get(mean), set(q), get(sums), set(acc)],
        [
          [get(dy), load, set(d), get(d), get(x), load, get(q), load, sub, mul, set(p)],
          accumulate(false, d, false),
          accumulate(false, d, true),
          accumulate(true, p, false),
          accumulate(true, p, true),
          [get(x), constI32(16), addI32, set(x), get(q), constI32(16), addI32, set(q)],
          [get(acc), constI32(32), addI32, set(acc)],
        ],
      ),
    ],
  };
}

/**
 * `scaleChannels(x, out, count, channels, factors)`: out = x · factor[channel], and `addChannels(x, out, count,
 * channels, values)`: out = x + value[channel] (`out` may be `x`); `count`, `channels` multiples of 4.
 */
function channelwiseFunction(name: 'scaleChannels' | 'addChannels', op: Bytes): FunctionDef {
  const [x, out, count, channels, factors] = [0, 1, 2, 3, 4];
  const [endOffset, rowEnd, q] = [5, 6, 7];
  return {
    name,
    params: [i32, i32, i32, i32, i32],
    locals: [[3, i32]],
    body: [
      [get(x), bytesOf(count), addI32, set(endOffset)],
      walkRows(
        x,
        endOffset,
        rowEnd,
        bytesOf(channels),
        [get(factors), set(q)],
        [
          [get(out), get(x), load, get(q), load, op, store],
          [get(out), constI32(16), addI32, set(out), get(q), constI32(16), addI32, set(q)],
        ],
      ),
    ],
  };
}

/** `accumulate(source, target, count)`: target += source, for `count` (a multiple of 4) values. */
function accumulateFunction(): FunctionDef {
  const [source, target, count] = [0, 1, 2];
  const endOffset = 3;
  return {
    name: 'accumulate',
    params: [i32, i32, i32],
    locals: [[1, i32]],
    body: [
      [get(source), bytesOf(count), addI32, set(endOffset)],
      walk(source, endOffset, 16, [
        [get(target), get(target), load, get(source), load, add, store],
        [get(target), constI32(16), addI32, set(target)],
      ]),
    ],
  };
}

/**
 * `sumRowsSquares(source, count, columns, sums)`: adds the rows of the `[count / columns, columns]` float32 matrix at
 * `source`, and the squares of its values, into the float64 `sums[2 · columns]` (first all Σ x, then all Σ x²), each
 * value promoted to float64 before it is squared; `columns` and `count` multiples of 4.
 */
function sumRowsSquaresFunction(): FunctionDef {
  const [source, count, columns, sums] = [0, 1, 2, 3];
  const [endOffset, rowEnd, acc, secondHalf] = [4, 5, 6, 7];
  const [x, low, high] = [8, 9, 10];
  // sums[…] += value (a float64 pair) at `offset` of the first (Σ x) or second (Σ x²) table.
  const accumulate = (second: boolean, value: Code, offset: number): Code => {
    const address: Code = second ? [get(acc), get(secondHalf), addI32] : [get(acc)];
    return [address, address, loadAt(offset), value, addF64, storeAt(offset)];
  };
  return {
    name: 'sumRowsSquares',
    params: [i32, i32, i32, i32],
    locals: [
      [4, i32],
      [3, v128],
    ],
    body: [
      [get(source), bytesOf(count), addI32, set(endOffset)],
      [get(columns), constI32(3), shlI32, set(secondHalf)], // columns float64 values, in bytes
      walkRows(
        source,
        endOffset,
        rowEnd,
        bytesOf(columns),
        [get(sums), set(acc)],
        [
          [get(source), load, tee(x), promoteLow, set(low), get(x), get(x), highHalfToLow, promoteLow, set(high)],
          accumulate(false, get(low), 0),
          accumulate(false, get(high), 16),
          accumulate(true, [get(low), get(low), mulF64], 0),
          accumulate(true, [get(high), get(high), mulF64], 16),
          [get(acc), constI32(32), addI32, set(acc)],
        ],
      ),
    ],
  };
}

/**
 * `batchNormTrainingDx(dy, x, out, count, channels, params)`: out = a·dy + b·(x − μ) + c per channel, over `count`
 * values of `channels` channels (both multiples of 4); `params` holds a, b, μ and c, `channels` values each, one after
 * the other (the whole batch-norm input gradient, the part through the batch statistics included).
 */
function batchNormTrainingDxFunction(): FunctionDef {
  const [dy, x, out, count, channels, params] = [0, 1, 2, 3, 4, 5];
  const [endOffset, rowEnd, q, channelBytes] = [6, 7, 8, 9];
  const param = (k: number): Code => [get(q), get(channelBytes), constI32(k), mulI32, addI32, load];
  return {
    name: 'batchNormTrainingDx',
    params: [i32, i32, i32, i32, i32, i32],
    locals: [[4, i32]],
    body: [
      [get(dy), bytesOf(count), addI32, set(endOffset), bytesOf(channels), set(channelBytes)],
      walkRows(
        dy,
        endOffset,
        rowEnd,
        get(channelBytes),
        [get(params), set(q)],
        [
          [get(out), param(0), get(dy), load, mul, param(1), get(x), load, param(2), sub, mul, add, param(3), add],
          [store, get(out), constI32(16), addI32, set(out), get(x), constI32(16), addI32, set(x)],
          [get(q), constI32(16), addI32, set(q)],
        ],
      ),
    ],
  };
}

/**
 * tanh's Taylor coefficients, 1/3, 2/15, 17/315, … to x¹⁹'s (signs alternate: −, +, −, …): 2²ⁿ(2²ⁿ − 1)|B₂ₙ| / (2n)!
 * with B₂ₙ the Bernoulli numbers.
 */
const tanhSeries = [
  1 / 3,
  2 / 15,
  17 / 315,
  62 / 2835,
  1382 / 155925,
  21844 / 6081075,
  929569 / 638512875,
  6404582 / 10854718875,
  443861162 / 1856156927625,
];
/**
 * Below this |x|, tanh is its series (the next term is under 1e-9 of x); above, (1 − e^−2|x|) / (1 + e^−2|x|), where
 * 1 − e^−2|x| has lost less than a bit. Over every float32 from 2⁻²⁰ to 16 the result is then within 1.6 ulps of
 * `Math.tanh` (2.8 with the series to x¹¹ below 0.25).
 */
const tanhSeriesBelow = 0.55;
/** |x| is clamped here: e^−2|x| stays a normal number, and the result is 1 in float32 well before (from about 8.7). */
const tanhSaturatesAt = 9;

/**
 * `tanh(x, out, count)`: out = tanh(x) for `count` (a multiple of 4) values, within 1.6 float32 ulps: for |x| below
 * {@link tanhSeriesBelow} its odd series; above, from u = e^−2|x| (2ⁿ times a degree-7 polynomial of the remainder
 * after n·ln 2, with ln 2 in two parts), as (1 − u) / (1 + u); the sign of x then copied, so −0 stays −0 and NaN NaN.
 */
function tanhFunction(): FunctionDef {
  const [x, out, count] = [0, 1, 2];
  const endOffset = 3;
  const [v, a, y, nf, r, p, u, series] = [4, 5, 6, 7, 8, 9, 10, 11];
  const c = (value: number) => constF32x4(value);
  // p = Σ coefficients[i] · r^i by Horner, highest first
  const horner = (variable: number, coefficients: number[]): Code => [
    c(coefficients[coefficients.length - 1]!),
    coefficients
      .slice(0, -1)
      .reverse()
      .map((k) => [get(variable), mul, c(k), add]),
  ];
  const factorials = [1, 1, 1 / 2, 1 / 6, 1 / 24, 1 / 120, 1 / 720, 1 / 5040];
  return {
    name: 'tanh',
    params: [i32, i32, i32],
    locals: [
      [1, i32],
      [8, v128],
    ],
    body: [
      [get(x), bytesOf(count), addI32, set(endOffset)],
      walk(x, endOffset, 16, [
        [get(x), load, tee(v), absF32x4, c(tanhSaturatesAt), minF32x4, set(a)],
        // y = −2|x| = n·ln 2 + r, n = round(y / ln 2), |r| ≤ ln 2 / 2
        [get(a), c(-2), mul, tee(y), c(Math.LOG2E), mul, nearestF32x4, set(nf)],
        [get(y), get(nf), c(0.693359375), mul, sub, get(nf), c(-2.1219444e-4), mul, sub, set(r)],
        [horner(r, factorials), set(p)],
        // u = 2ⁿ · p: n + 127 in the exponent bits
        [get(nf), truncSatI32x4, constI32x4(127), addI32x4, constI32(23), shlI32x4, get(p), mul, set(u)],
        // the series: |x| · (1 + s·(−1/3 + s·(2/15 − …))), s = x²
        [get(a), get(a), mul, set(p)],
        [get(a), horner(p, [1, ...tanhSeries.map((k, i) => (i % 2 === 0 ? -k : k))]), mul, set(series)],
        [get(out), get(series)],
        [c(1), get(u), sub, c(1), get(u), add, div],
        [get(a), c(tanhSeriesBelow), lessThan, bitselect],
        // the sign of x
        [get(v), constI32x4(-0x80000000), andV128, orV128, store],
        [get(out), constI32(16), addI32, set(out)],
      ]),
    ],
  };
}

/** `copyBytes(target, source, bytes)`: memmove within the heap (bulk memory's `memory.copy`). */
function copyBytesFunction(): FunctionDef {
  return { name: 'copyBytes', params: [i32, i32, i32], locals: [], body: [get(0), get(1), get(2), memoryCopy] };
}

/** `zeroBytes(target, bytes)`: zeros (bulk memory's `memory.fill`). */
function zeroBytesFunction(): FunctionDef {
  return { name: 'zeroBytes', params: [i32, i32], locals: [], body: [get(0), constI32(0), get(1), memoryFill] };
}

/** The compiled kernels, on one backend's heap. */
export interface SimdKernels {
  adam(
    w: number,
    g: number,
    m: number,
    v: number,
    wOut: number,
    mOut: number,
    vOut: number,
    count: number,
    beta1: number,
    beta2: number,
    oneMinusBeta1: number,
    oneMinusBeta2: number,
    stepSize: number,
    inverseCorrection2: number,
    epsilon: number,
  ): void;
  sumRows(source: number, count: number, columns: number, sums: number): void;
  leakyRelu(x: number, out: number, count: number, alpha: number): void;
  leakyReluGrad(dy: number, x: number, out: number, count: number, alpha: number): void;
  batchNorm(x: number, out: number, count: number, channels: number, params: number): void;
  batchNormGradSums(dy: number, x: number, count: number, channels: number, mean: number, sums: number): void;
  scaleChannels(x: number, out: number, count: number, channels: number, factors: number): void;
  accumulate(source: number, target: number, count: number): void;
  addChannels(x: number, out: number, count: number, channels: number, values: number): void;
  sumRowsSquares(source: number, count: number, columns: number, sums: number): void;
  batchNormTrainingDx(dy: number, x: number, out: number, count: number, channels: number, params: number): void;
  /** Byte offsets and a byte count; any sizes, overlapping or not. */
  copyBytes(target: number, source: number, bytes: number): void;
  tanh(x: number, out: number, count: number): void;
  /** Byte offsets, then pixel indices, then sizes (the channels in bytes): see `im2colFunction`. */
  im2colRows(...args: number[]): void;
  /** Byte offsets, then pixel indices, then sizes (the channels in bytes): see `col2imFunction`. */
  col2imRows(...args: number[]): void;
  zeroBytes(target: number, bytes: number): void;
}

const instances = new WeakMap<WebAssembly.Memory, SimdKernels | null>();

/**
 * The SIMD kernels over the heap of a wasm `backend`, or `null` where they cannot run (no WebAssembly SIMD, or a
 * backend whose heap is not reachable); callers then keep their JavaScript loops.
 */
export function simdKernelsFor(backend: tf.KernelBackend): SimdKernels | null {
  const memory = wasmMemoryOf(backend);
  if (memory === null) return null;
  const known = instances.get(memory);
  if (known !== undefined) return known;
  let kernels: SimdKernels | null = null;
  try {
    const bytes = assemble(isShared(memory), [
      adamFunction(),
      sumRowsFunction(),
      leakyReluFunction(),
      leakyReluGradFunction(),
      batchNormFunction(),
      batchNormGradSumsFunction(),
      channelwiseFunction('scaleChannels', mul),
      accumulateFunction(),
      channelwiseFunction('addChannels', add),
      copyBytesFunction(),
      zeroBytesFunction(),
      sumRowsSquaresFunction(),
      batchNormTrainingDxFunction(),
      im2colFunction(),
      col2imFunction(),
      tanhFunction(),
    ]);
    const instance = new WebAssembly.Instance(new WebAssembly.Module(bytes as BufferSource), { env: { memory } });
    kernels = instance.exports as unknown as SimdKernels;
  } catch {
    kernels = null; // no SIMD in this engine: the JavaScript loops stay
  }
  instances.set(memory, kernels);
  return kernels;
}
