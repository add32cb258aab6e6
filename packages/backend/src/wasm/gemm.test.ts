import { resolveObjectURL } from 'node:buffer';
import { Worker as NodeWorker } from 'node:worker_threads';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-wasm';
import { createRandom } from '@gan/core';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { registerTrainingKernels, unregisterTrainingKernels } from '../register-training-kernels.js';
import { assemble } from './assembler.js';
import {
  type Gemm,
  gemmFor,
  setFusedConvolutions,
  setGemmEnabled,
  setGemmWorkerTimeout,
  startGemmWorkers,
} from './gemm.js';
import { gemmFunctions, gemmScratchBytes, KC, MC, NC } from './gemm-generator.js';
import { argumentsAt, doneWord, elapsedWord, type GemmWorkerStarter, jobWord, startWebWorker } from './gemm-workers.js';
import { type TapLoopSizes, tapLoopArguments } from './im2col-generator.js';
import { enableRelaxedSimd, hasRelaxedSimd } from './relaxed-simd.js';

const random = createRandom(11);

/** A heap with a bump allocator, standing in for tfjs-wasm's (`wasm.wasmMemory`, `_malloc`, `_free`). */
function fakeBackend(shared: boolean, pages = 2000) {
  const memory = new WebAssembly.Memory(
    shared ? { initial: pages, maximum: pages, shared: true } : { initial: pages, maximum: pages },
  );
  let top = 1 << 16;
  const malloc = (bytes: number) => {
    const at = top;
    top += Math.ceil(bytes / 64) * 64 + 64;
    if (top > memory.buffer.byteLength) throw new Error('fake heap full');
    return at;
  };
  const backend = { wasm: { wasmMemory: memory, _malloc: malloc, _free: () => {} } } as unknown as tf.KernelBackend;
  return { memory, malloc, backend };
}

/**
 * Runs `call`, which may take scratch from `heap.malloc`, and checks that it wrote nothing past the last scratch it took:
 * the heap's free tail is filled with NaNs before and must still hold them after, from where `call` left `malloc`.
 */
function writesNothingPastScratch(heap: ReturnType<typeof fakeBackend>, call: () => void): void {
  const start = heap.malloc(0);
  const tail = new Float32Array(
    heap.memory.buffer,
    start,
    Math.min(1 << 22, (heap.memory.buffer.byteLength - start) / 4 - 64),
  );
  tail.fill(Number.NaN);
  call();
  const end = heap.malloc(0);
  expect(tail.subarray((end - start) / 4).every(Number.isNaN)).toBe(true);
}

/** A heap for one thread and a shared one with a worker: a fused product must give the same bits on both. */
async function oneThreadAndTwo(): Promise<ReturnType<typeof fakeBackend>[]> {
  const shared = fakeBackend(true, 2000);
  expect(await startGemmWorkers(shared.backend, 1)).toBe(1);
  return [fakeBackend(false, 2000), shared];
}

/**
 * The product's module on a heap of its own, for references built from its unfused functions: `copy` puts values on
 * the heap, `room` makes room for `count` floats (zeros, 16-byte aligned), `values` reads them back; all by offset.
 */
function referenceHeap() {
  const heap = fakeBackend(false, 2000);
  const module = new WebAssembly.Module(assemble(false, gemmFunctions(true)) as BufferSource);
  const exports = new WebAssembly.Instance(module, { env: { memory: heap.memory } }).exports as Record<
    string,
    (...args: number[]) => void
  >;
  const view = (at: number, count: number) => new Float32Array(heap.memory.buffer, at, count);
  const room = (count: number) => (heap.malloc(count * 4 + 16) + 15) & ~15;
  const copy = (values: Float32Array) => {
    const at = room(values.length);
    view(at, values.length).set(values);
    return at;
  };
  return { exports, room, copy, values: (at: number, count: number) => view(at, count).slice() };
}

/**
 * Runs a fused product on `heap`, with its own copies of `inputs` (`run(gemm, inputs, output)`), and checks that its
 * output is `expected` bit for bit, that it wrote nothing past the output or past its scratch, and left its inputs
 * as they were.
 */
function expectFusedProduct(
  heap: ReturnType<typeof fakeBackend>,
  inputs: Float32Array[],
  expected: Float32Array,
  run: (gemm: Gemm, inputs: number[], output: number) => void,
): void {
  const gemm = gemmFor(heap.backend)!;
  const view = (at: number, count: number) => new Float32Array(heap.memory.buffer, at, count);
  const pointers = inputs.map((values) => {
    const at = heap.malloc(values.length * 4);
    view(at, values.length).set(values);
    return at;
  });
  const output = heap.malloc(expected.length * 4 + 4);
  const out = view(output, expected.length + 1).fill(Number.NaN); // overwritten, not read
  writesNothingPastScratch(heap, () => run(gemm, pointers, output));
  for (const [i, values] of inputs.entries()) expect(view(pointers[i]!, values.length)).toEqual(values);
  expect(out.subarray(0, expected.length)).toEqual(expected);
  expect(out[expected.length]).toBeNaN(); // nothing written past the output
}

/**
 * Enough of a browser's `Worker` for `startGemmWorkers`' browser path, made of a Node worker thread: it reads the
 * Blob URL's source, gives it a `self` with `onmessage` and `postMessage`, and runs it.
 */
class NodeWebWorker {
  /** How many were made. */
  static made = 0;
  onmessage: ((event: { data: unknown }) => void) | null = null;
  onerror: ((event: { message: string; preventDefault(): void }) => void) | null = null;
  private readonly thread: NodeWorker;
  private readonly loaded: Promise<void>;

  constructor(url: string) {
    NodeWebWorker.made++;
    this.thread = new NodeWorker(
      `const { parentPort } = require('node:worker_threads');
      globalThis.self = globalThis;
      self.postMessage = (message) => parentPort.postMessage(message);
      parentPort.once('message', (source) => {
        (0, eval)(source);
        parentPort.on('message', (data) => self.onmessage?.({ data }));
      });`,
      { eval: true },
    );
    this.thread.unref();
    this.thread.on('message', (data) => this.onmessage?.({ data }));
    this.thread.on('error', (error) => this.onerror?.({ message: error.message, preventDefault: () => {} }));
    const blob = resolveObjectURL(url);
    if (blob === undefined) throw new Error(`no Blob at ${url}`);
    this.loaded = blob.text().then((source) => this.thread.postMessage(source));
  }

  postMessage(data: unknown): void {
    void this.loaded.then(() => this.thread.postMessage(data));
  }

  terminate(): void {
    void this.thread.terminate();
  }
}

/**
 * Workers for `startGemmWorkers` that run each job `delayMs` after it arrives, or never answer (`delayMs` < 0): the
 * loop of gemm-workers.ts with a pause in it.
 */
function delayedStarter(delayMs: number): GemmWorkerStarter {
  return async ({ module, memory, control }) => {
    const thread = new NodeWorker(
      `const { workerData, parentPort } = require('node:worker_threads');
      const { module, memory, control, delayMs } = workerData;
      const gemm = new WebAssembly.Instance(module, { env: { memory } }).exports.gemm;
      const words = new Int32Array(control);
      const pause = new Int32Array(new SharedArrayBuffer(4));
      let seen = Atomics.load(words, ${jobWord});
      parentPort.postMessage('ready');
      for (;;) {
        Atomics.wait(words, ${jobWord}, seen);
        seen = Atomics.load(words, ${jobWord});
        if (seen < 0) break;
        if (delayMs < 0) continue;
        Atomics.wait(pause, 0, 0, delayMs);
        gemm(...Array.from({ length: 13 }, (_, i) => words[${argumentsAt} + i]));
        Atomics.store(words, ${elapsedWord}, 1000);
        Atomics.store(words, ${doneWord}, seen);
        Atomics.notify(words, ${doneWord});
      }`,
      { eval: true, workerData: { module, memory, control, delayMs } },
    );
    thread.unref();
    await new Promise((resolve) => thread.once('message', resolve));
    const words = new Int32Array(control);
    return {
      control: words,
      sequence: 0,
      terminate: () => {
        Atomics.store(words, jobWord, -1);
        Atomics.notify(words, jobWord);
        void thread.terminate();
      },
    };
  };
}

interface Operands {
  a: number;
  b: number;
  c: number;
  rsA: number;
  csA: number;
  rsB: number;
  csB: number;
  ldc: number;
  A: Float32Array;
  B: Float32Array;
}

/** Random A (`[m, k]`, or stored `[k, m]` when transposed) and B, and room for C with `pad` extra values a row. */
function operands(
  heap: ReturnType<typeof fakeBackend>,
  m: number,
  n: number,
  k: number,
  transposeA: boolean,
  transposeB: boolean,
  pad: number,
): Operands {
  const a = heap.malloc(m * k * 4);
  const b = heap.malloc(k * n * 4);
  const ldc = (n + pad) * 4;
  const c = heap.malloc(m * ldc);
  const A = new Float32Array(heap.memory.buffer, a, m * k);
  const B = new Float32Array(heap.memory.buffer, b, k * n);
  A.set(random.normal(m * k));
  B.set(random.normal(k * n));
  return {
    a,
    b,
    c,
    ldc,
    A,
    B,
    rsA: transposeA ? 4 : k * 4,
    csA: transposeA ? m * 4 : 4,
    rsB: transposeB ? 4 : n * 4,
    csB: transposeB ? k * 4 : 4,
  };
}

/** C = A · B in float64, element (i, j) of each operand read through its strides (bytes / 4). */
function reference(o: Operands, m: number, n: number, k: number): Float64Array {
  const out = new Float64Array(m * n);
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) {
      let sum = 0;
      for (let p = 0; p < k; p++) sum += o.A[(i * o.rsA + p * o.csA) / 4]! * o.B[(p * o.rsB + j * o.csB) / 4]!;
      out[i * n + j] = sum;
    }
  }
  return out;
}

function readC(heap: ReturnType<typeof fakeBackend>, o: Operands, m: number, n: number): Float64Array {
  const out = new Float64Array(m * n);
  for (let i = 0; i < m; i++) {
    const row = new Float32Array(heap.memory.buffer, o.c + i * o.ldc, n);
    for (let j = 0; j < n; j++) out[i * n + j] = row[j]!;
  }
  return out;
}

function maxError(actual: Float64Array, expected: Float64Array, k: number): number {
  let worst = 0;
  for (let i = 0; i < expected.length; i++) worst = Math.max(worst, Math.abs(actual[i]! - expected[i]!));
  return worst / Math.sqrt(Math.max(k, 1)); // float32 rounding grows like √k for N(0, 1) products
}

// Sizes around every edge: single values, tails of the 4-row and 8-column tiles, k not a multiple of 4, and more
// than one packed block of k (KC), of columns (NC), and many panels of rows with a tail, in one chunk of A or several.
const shapes: [m: number, n: number, k: number][] = [
  [1, 1, 1],
  [3, 5, 7],
  [4, 8, 4],
  [5, 9, 300],
  [17, 33, 513],
  [8, NC + 13, 19],
  [37, 11, KC * 2 + 3],
  [135, NC + 9, KC + 5],
  // A packed chunk by chunk (all of n in one block of B): several chunks and a tail that is not a whole panel
  [2 * MC + 7, NC, KC + 5],
  [MC + 4, 24, 9],
];

describe('WebAssembly SIMD matrix product (wasm-gemm)', () => {
  beforeAll(async () => {
    await enableRelaxedSimd();
  });

  it('finds relaxed SIMD in this Node once enabled', () => {
    expect(hasRelaxedSimd()).toBe(true);
  });

  describe.each([false, true])('fused multiply-add: %s', (fused) => {
    it.each(shapes)('multiplies %i × %i (k = %i) with every transpose, overwriting and accumulating', (m, n, k) => {
      const heap = fakeBackend(false);
      const module = new WebAssembly.Module(assemble(false, gemmFunctions(fused)) as BufferSource);
      const gemm = new WebAssembly.Instance(module, { env: { memory: heap.memory } }).exports.gemm as (
        ...args: number[]
      ) => void;
      for (const transposeA of [false, true]) {
        for (const transposeB of [false, true]) {
          const o = operands(heap, m, n, k, transposeA, transposeB, 3);
          // The scratch is followed by a guard of NaNs: the product must not write past what it asked for.
          const scratch = (heap.malloc(gemmScratchBytes(m, n, o.rsA) + 16 + 4096) + 15) & ~15;
          const guard = new Float32Array(heap.memory.buffer, scratch + gemmScratchBytes(m, n, o.rsA), 1024).fill(
            Number.NaN,
          );
          new Float32Array(heap.memory.buffer, o.c, (m * o.ldc) / 4).fill(Number.NaN); // overwritten, not read
          gemm(m, n, k, o.a, o.rsA, o.csA, o.b, o.rsB, o.csB, o.c, o.ldc, scratch, 0);
          const expected = reference(o, m, n, k);
          expect(maxError(readC(heap, o, m, n), expected, k)).toBeLessThan(1e-5);
          expect(guard.every(Number.isNaN)).toBe(true);
          // The padding between rows is left alone.
          if (m > 1) expect(new Float32Array(heap.memory.buffer, o.c + n * 4, 3).every(Number.isNaN)).toBe(true);
          // Accumulate: C += A · B.
          gemm(m, n, k, o.a, o.rsA, o.csA, o.b, o.rsB, o.csB, o.c, o.ldc, scratch, 1);
          expect(
            maxError(
              readC(heap, o, m, n),
              expected.map((v) => 2 * v),
              k,
            ),
          ).toBeLessThan(2e-5);
        }
      }
    });
  });

  it('splits a product over worker threads on a shared heap, with the same result', async () => {
    const heap = fakeBackend(true, 4000);
    const single = gemmFor(heap.backend)!;
    expect(single.threads).toBe(1);
    expect(await startGemmWorkers(heap.backend, 1)).toBe(1);
    const gemm = gemmFor(heap.backend)!;
    expect(gemm.threads).toBe(2);
    expect(gemm.fused).toBe(true);
    // Big enough to be split (≥ 2^21 multiply-adds), once along the columns and once along the rows.
    for (const [m, n, k] of [
      [40, 300, 200],
      [300, 24, 320],
    ] as const) {
      const o = operands(heap, m, n, k, false, true, 0);
      gemm.run(m, n, k, o.a, o.rsA, o.csA, o.b, o.rsB, o.csB, o.c, o.ldc, false);
      expect(maxError(readC(heap, o, m, n), reference(o, m, n, k), k)).toBeLessThan(1e-5);
    }
  });

  it('multiplies a convolution chunk by chunk (im2colProduct), with the bits of im2col then the product, on one thread and two', async () => {
    // A padded, strided, dilated geometry whose pixels end in a part chunk, and one with more than NC output channels.
    const cases: { batch: number; n: number; sizes: TapLoopSizes }[] = [
      {
        batch: 3,
        n: 40,
        sizes: {
          ...{ inHeight: 13, inWidth: 11, inChannels: 24, outHeight: 7, outWidth: 10, filterHeight: 3, filterWidth: 5 },
          ...{ strideHeight: 2, strideWidth: 1, dilationHeight: 1, dilationWidth: 2, padTop: 1, padLeft: 2 },
        },
      },
      {
        batch: 2,
        n: NC + 44,
        sizes: {
          // 320 taps: more than one block of k (KC) of a B packed in advance with more than one block of columns (NC)
          ...{ inHeight: 16, inWidth: 16, inChannels: 20, outHeight: 8, outWidth: 8, filterHeight: 4, filterWidth: 4 },
          ...{ strideHeight: 2, strideWidth: 2, dilationHeight: 1, dilationWidth: 1, padTop: 1, padLeft: 1 },
        },
      },
    ];
    const heaps = await oneThreadAndTwo();
    for (const { batch, n, sizes: s } of cases) {
      const taps = s.filterHeight * s.filterWidth * s.inChannels;
      const pixels = batch * s.outHeight * s.outWidth;
      expect(pixels * n * taps).toBeGreaterThan(1 << 21); // split over the two threads
      const image = random.normal(batch * s.inHeight * s.inWidth * s.inChannels);
      const filter = random.normal(taps * n);
      // the reference: im2col, then the product, on the calling thread
      const ref = referenceHeap();
      const [x, w] = [image, filter].map(ref.copy);
      const [cols, y] = [pixels * taps, pixels * n].map(ref.room);
      ref.exports.im2colRows!(...tapLoopArguments(x!, cols!, 0, pixels, s));
      const scratch = ref.room(gemmScratchBytes(pixels, n, taps * 4) / 4);
      ref.exports.gemm!(pixels, n, taps, cols!, taps * 4, 4, w!, n * 4, 4, y!, n * 4, scratch, 0, 0);
      const expected = ref.values(y!, pixels * n);
      for (const heap of heaps) {
        expectFusedProduct(heap, [image, filter], expected, (gemm, [hx, hw], hy) =>
          gemm.im2colProduct(hx!, hw!, hy, pixels, n, s),
        );
      }
    }
  });

  it('adds an input gradient into place chunk by chunk (col2imProduct), with the bits of the product then col2im, on one thread and two', async () => {
    // Images whose pixels end in a part chunk, taps over NC wide, a padded stride-2 geometry and a stride-1 one.
    const cases: { batch: number; k: number; sizes: TapLoopSizes }[] = [
      {
        batch: 3,
        k: KC + 44, // Wᵀ packed in advance: more than one block of k (KC), and of columns (320 taps > NC)
        sizes: {
          ...{ inHeight: 14, inWidth: 14, inChannels: 20, outHeight: 7, outWidth: 7, filterHeight: 4, filterWidth: 4 },
          ...{ strideHeight: 2, strideWidth: 2, dilationHeight: 1, dilationWidth: 1, padTop: 1, padLeft: 1 },
        },
      },
      {
        batch: 5,
        k: 96,
        sizes: {
          ...{ inHeight: 9, inWidth: 8, inChannels: 12, outHeight: 7, outWidth: 6, filterHeight: 3, filterWidth: 3 },
          ...{ strideHeight: 1, strideWidth: 1, dilationHeight: 1, dilationWidth: 1, padTop: 0, padLeft: 0 },
        },
      },
    ];
    const heaps = await oneThreadAndTwo();
    for (const { batch, k, sizes: s } of cases) {
      const taps = s.filterHeight * s.filterWidth * s.inChannels;
      const pixels = batch * s.outHeight * s.outWidth;
      const dxValues = batch * s.inHeight * s.inWidth * s.inChannels;
      expect(pixels * taps * k).toBeGreaterThan(1 << 21); // split over the two threads
      const dyValues = random.normal(pixels * k);
      const filter = random.normal(taps * k);
      // the reference: dcols = dy · Wᵀ, then col2im, on the calling thread
      const ref = referenceHeap();
      const [dy, w] = [dyValues, filter].map(ref.copy);
      const [cols, dx] = [pixels * taps, dxValues].map(ref.room); // dx: zeros, as the heap starts
      const scratch = ref.room(gemmScratchBytes(pixels, taps, k * 4) / 4);
      ref.exports.gemm!(pixels, taps, k, dy!, k * 4, 4, w!, 4, k * 4, cols!, taps * 4, scratch, 0, 0);
      ref.exports.col2imRows!(...tapLoopArguments(dx!, cols!, 0, pixels, s));
      const expected = ref.values(dx!, dxValues);
      for (const heap of heaps) {
        expectFusedProduct(heap, [dyValues, filter], expected, (gemm, [hdy, hw], hdx) =>
          gemm.col2imProduct(hdy!, hw!, hdx, batch, k, s),
        );
      }
    }
  });

  it('col2imProduct with no output channels, or no output pixels, leaves dx all zeros', () => {
    const heap = fakeBackend(false, 200);
    const gemm = gemmFor(heap.backend)!;
    const base = { inHeight: 6, inWidth: 6, inChannels: 8, filterHeight: 3, filterWidth: 3 };
    const steps = { strideHeight: 1, strideWidth: 1, dilationHeight: 1, dilationWidth: 1, padTop: 1, padLeft: 1 };
    for (const [k, outHeight] of [
      [0, 6],
      [4, 0],
    ] as const) {
      const dx = heap.malloc(2 * 6 * 6 * 8 * 4);
      const values = new Float32Array(heap.memory.buffer, dx, 2 * 6 * 6 * 8).fill(Number.NaN);
      const dy = heap.malloc(4);
      const w = heap.malloc(3 * 3 * 8 * 4 * 4);
      gemm.col2imProduct(dy, w, dx, 2, k, { ...base, ...steps, outHeight, outWidth: 6 });
      expect(values.every((v) => v === 0)).toBe(true);
    }
  });

  it('computes a filter gradient by filter rows, KC pixels at a time (filterGradientProduct), with the bits of im2col then the product, on one thread and two', async () => {
    // More than one block of KC pixels and a part block; three filter rows shared out between two threads.
    const cases: { batch: number; n: number; sizes: TapLoopSizes }[] = [
      {
        batch: 3,
        n: 64,
        sizes: {
          ...{ inHeight: 20, inWidth: 18, inChannels: 12, outHeight: 10, outWidth: 9, filterHeight: 3, filterWidth: 4 },
          ...{ strideHeight: 2, strideWidth: 2, dilationHeight: 1, dilationWidth: 1, padTop: 1, padLeft: 2 },
        },
      },
      {
        batch: 5,
        n: 40,
        sizes: {
          ...{ inHeight: 16, inWidth: 16, inChannels: 16, outHeight: 8, outWidth: 8, filterHeight: 4, filterWidth: 4 },
          ...{ strideHeight: 2, strideWidth: 2, dilationHeight: 1, dilationWidth: 1, padTop: 1, padLeft: 1 },
        },
      },
      {
        // dW's rows per filter row (15) and columns (NC + 13) off the tile sizes, more than one block of columns
        batch: 2,
        n: NC + 13,
        sizes: {
          ...{ inHeight: 17, inWidth: 15, inChannels: 5, outHeight: 15, outWidth: 13, filterHeight: 5, filterWidth: 3 },
          ...{ strideHeight: 1, strideWidth: 1, dilationHeight: 1, dilationWidth: 1, padTop: 2, padLeft: 1 },
        },
      },
    ];
    const heaps = await oneThreadAndTwo();
    for (const { batch, n, sizes: s } of cases) {
      const taps = s.filterHeight * s.filterWidth * s.inChannels;
      const pixels = batch * s.outHeight * s.outWidth;
      expect(pixels * n * taps).toBeGreaterThan(1 << 21); // split over the two threads
      const image = random.normal(batch * s.inHeight * s.inWidth * s.inChannels);
      const dyValues = random.normal(pixels * n);
      // the reference: im2col, then dW = colsᵀ · dy, on the calling thread
      const ref = referenceHeap();
      const [x, dy] = [image, dyValues].map(ref.copy);
      const [cols, dW] = [pixels * taps, taps * n].map(ref.room);
      ref.exports.im2colRows!(...tapLoopArguments(x!, cols!, 0, pixels, s));
      const scratch = ref.room(gemmScratchBytes(taps, n, 4) / 4);
      ref.exports.gemm!(taps, n, pixels, cols!, 4, taps * 4, dy!, n * 4, 4, dW!, n * 4, scratch, 0, 0);
      const expected = ref.values(dW!, taps * n);
      for (const heap of heaps) {
        expectFusedProduct(heap, [image, dyValues], expected, (gemm, [hx, hdy], hdW) =>
          gemm.filterGradientProduct(hx!, hdy!, hdW, pixels, n, s),
        );
      }
    }
  });

  it("runs Adam's update on one thread and split over two, with the bits of the module's adam", async () => {
    const random = createRandom(21);
    const count = 3 * 2 ** 16 + 4 * 9; // split over two threads; slices of a multiple of 4
    const values = [
      random.normal(count),
      random.normal(count).map((x) => x * 0.1),
      random.normal(count).map((x) => x * 0.01),
      random.uniform(count, 0, 1e-3),
    ].map((v) => Float32Array.from(v));
    const constants = [0.5, 0.999, 0.5, 0.001, 2e-4 / 0.875, 1 / 0.002997, 1e-7].map(Math.fround);
    const reference = referenceHeap();
    const inputs = values.map(reference.copy);
    const outputs = [0, 1, 2].map(() => reference.room(count));
    reference.exports.adam!(...inputs, ...outputs, count, ...constants);
    const expected = outputs.map((at) => reference.values(at, count));
    for (const heap of await oneThreadAndTwo()) {
      const view = (at: number, n: number) => new Float32Array(heap.memory.buffer, at, n);
      const pointers = values.map((v) => {
        const at = heap.malloc(count * 4);
        view(at, count).set(v);
        return at;
      });
      const results = [0, 1, 2].map(() => heap.malloc(count * 4 + 4));
      for (const at of results) view(at, count + 1).fill(Number.NaN);
      gemmFor(heap.backend)!.adam([...pointers, ...results], count, constants);
      for (const [i, at] of results.entries()) {
        expect(view(at, count)).toEqual(expected[i]);
        expect(view(at, count + 1)[count]).toBeNaN(); // nothing past the output
      }
      for (const [i, at] of pointers.entries()) expect(view(at, count)).toEqual(values[i]);
    }
  });

  it('refuses with a clear error, writing nothing, where the heap has no room for its scratch (malloc answers 0)', () => {
    const heap = fakeBackend(false);
    const [m, n, k] = [16, 24, 32];
    const o = operands(heap, m, n, k, false, false, 5);
    const backend = {
      wasm: { wasmMemory: heap.memory, _malloc: () => 0, _free: () => {} },
    } as unknown as tf.KernelBackend;
    const gemm = gemmFor(backend)!;
    const low = new Uint8Array(heap.memory.buffer, 0, 1 << 16).slice();
    new Float32Array(heap.memory.buffer, o.c, (m * o.ldc) / 4).fill(7);
    expect(() => gemm.run(m, n, k, o.a, o.rsA, o.csA, o.b, o.rsB, o.csB, o.c, o.ldc, false)).toThrow(
      /Out of WebAssembly memory: no room for the matrix product's \d+ bytes of scratch in a heap of \d+ MiB/,
    );
    expect(new Uint8Array(heap.memory.buffer, 0, 1 << 16)).toEqual(low);
    expect(new Float32Array(heap.memory.buffer, o.c, (m * o.ldc) / 4).every((v) => v === 7)).toBe(true);
  });

  it('runs on the calling thread only once a worker fails, and says so', async () => {
    const heap = fakeBackend(true, 1000);
    expect(await startGemmWorkers(heap.backend, 1)).toBe(1);
    const gemm = gemmFor(heap.backend)!;
    const [m, n, k] = [64, 256, 160]; // ≥ 2^21 multiply-adds: split by columns, half each
    const a = heap.malloc(m * k * 4);
    const c = heap.malloc(m * n * 4);
    // B transposed (a column every k values), placed so that only the first half of its columns is in the heap:
    // the worker's half reads past the end and traps.
    const b = heap.memory.buffer.byteLength - (n / 2) * k * 4;
    expect(() => gemm.run(m, n, k, a, k * 4, 4, b, 4, k * 4, c, n * 4, false)).toThrow(
      /worker failed; later products run on this thread only/,
    );
    expect(gemm.threads).toBe(1);
    const o = operands(heap, m, n, k, false, false, 0);
    gemm.run(m, n, k, o.a, o.rsA, o.csA, o.b, o.rsB, o.csB, o.c, o.ldc, false);
    expect(maxError(readC(heap, o, m, n), reference(o, m, n, k), k)).toBeLessThan(1e-5);
  });

  it('waits for a slow worker by its waits, not the clock: a process suspended and resumed finishes its product', async () => {
    const heap = fakeBackend(true, 4000);
    expect(await startGemmWorkers(heap.backend, 1, delayedStarter(1500))).toBe(1);
    const gemm = gemmFor(heap.backend)!;
    // After a suspension the clock is far ahead of what the threads did: here it jumps an hour at every reading.
    let clock = Date.now();
    const now = vi.spyOn(Date, 'now').mockImplementation(() => {
      clock += 3_600_000;
      return clock;
    });
    try {
      const [m, n, k] = [40, 300, 200];
      const o = operands(heap, m, n, k, false, false, 0);
      gemm.run(m, n, k, o.a, o.rsA, o.csA, o.b, o.rsB, o.csB, o.c, o.ldc, false);
      expect(maxError(readC(heap, o, m, n), reference(o, m, n, k), k)).toBeLessThan(1e-5);
      expect(gemm.threads).toBe(2);
    } finally {
      now.mockRestore();
    }
  });

  it('gives up on a worker that never answers with a clear error, then runs products on the calling thread', async () => {
    const heap = fakeBackend(true, 4000);
    expect(await startGemmWorkers(heap.backend, 1, delayedStarter(-1))).toBe(1);
    const gemm = gemmFor(heap.backend)!;
    setGemmWorkerTimeout(2000);
    try {
      const [m, n, k] = [40, 300, 200];
      const o = operands(heap, m, n, k, false, false, 0);
      expect(() => gemm.run(m, n, k, o.a, o.rsA, o.csA, o.b, o.rsB, o.csB, o.c, o.ldc, false)).toThrow(
        /A matrix-product worker thread gave no answer in 2 s, so this operation was abandoned; later products run on the calling thread only/,
      );
      expect(gemm.threads).toBe(1);
      gemm.run(m, n, k, o.a, o.rsA, o.csA, o.b, o.rsB, o.csB, o.c, o.ldc, false);
      expect(maxError(readC(heap, o, m, n), reference(o, m, n, k), k)).toBeLessThan(1e-5);
    } finally {
      setGemmWorkerTimeout(120_000);
    }
  });

  it("starts Node workers in Node, even where a global Worker exists (tfjs-wasm's threaded build defines one)", async () => {
    const scope = globalThis as { Worker?: unknown };
    const before = scope.Worker;
    scope.Worker = NodeWebWorker;
    try {
      const heap = fakeBackend(true, 100);
      expect(await startGemmWorkers(heap.backend, 1)).toBe(1);
      expect(NodeWebWorker.made).toBe(0);
    } finally {
      scope.Worker = before;
    }
  });

  it('starts browser workers (Web Workers from a Blob URL, data by postMessage), with the same result', async () => {
    const scope = globalThis as { Worker?: unknown };
    const before = scope.Worker;
    scope.Worker = NodeWebWorker;
    try {
      const heap = fakeBackend(true, 4000);
      expect(await startGemmWorkers(heap.backend, 2, startWebWorker)).toBe(2);
      expect(NodeWebWorker.made).toBe(2);
      const gemm = gemmFor(heap.backend)!;
      expect(gemm.threads).toBe(3);
      for (const [m, n, k] of [
        [40, 300, 200],
        [300, 24, 320],
      ] as const) {
        const o = operands(heap, m, n, k, true, false, 2);
        gemm.run(m, n, k, o.a, o.rsA, o.csA, o.b, o.rsB, o.csB, o.c, o.ldc, false);
        expect(maxError(readC(heap, o, m, n), reference(o, m, n, k), k)).toBeLessThan(1e-5);
      }
    } finally {
      scope.Worker = before;
    }
  });

  it("starts no workers where the calling thread may not block (a page's main thread), nor off a shared heap", async () => {
    const wait = vi.spyOn(Atomics, 'wait').mockImplementation(() => {
      throw new TypeError('Atomics.wait cannot be called in this context');
    });
    try {
      const heap = fakeBackend(true, 100);
      expect(await startGemmWorkers(heap.backend, 1)).toBe(0);
      expect(gemmFor(heap.backend)?.threads).toBe(1);
    } finally {
      wait.mockRestore();
    }
    expect(await startGemmWorkers(fakeBackend(false, 100).backend, 1)).toBe(0);
  });

  it('is not offered off a wasm heap, or when turned off', () => {
    expect(gemmFor({} as tf.KernelBackend)).toBeNull();
    const heap = fakeBackend(false);
    expect(gemmFor(heap.backend)).not.toBeNull();
    setGemmEnabled(false);
    try {
      expect(gemmFor(heap.backend)).toBeNull();
    } finally {
      setGemmEnabled(true);
    }
  });
});

interface ForwardCase {
  name: string;
  input: [number, number, number, number];
  filter: [number, number, number, number];
  strides: [number, number];
  pad: 'same' | 'valid' | [[number, number], [number, number], [number, number], [number, number]];
  dilations: [number, number];
}

// Filters of ≥ 64 taps × channels (smaller ones keep XNNPACK), with strides, dilations and every padding kind.
const forwardCases: ForwardCase[] = [
  {
    name: 'k4 s2 same (D second layer)',
    input: [2, 14, 14, 16],
    filter: [4, 4, 16, 24],
    strides: [2, 2],
    pad: 'same',
    dilations: [1, 1],
  },
  {
    name: 'k3 s1 same, odd size',
    input: [3, 9, 7, 8],
    filter: [3, 3, 8, 5],
    strides: [1, 1],
    pad: 'same',
    dilations: [1, 1],
  },
  {
    name: 'k3 s2 valid',
    input: [1, 11, 10, 9],
    filter: [3, 3, 9, 7],
    strides: [2, 2],
    pad: 'valid',
    dilations: [1, 1],
  },
  {
    name: 'k3 dilation 2',
    input: [2, 12, 11, 8],
    filter: [3, 3, 8, 6],
    strides: [1, 1],
    pad: 'same',
    dilations: [2, 2],
  },
  {
    name: 'k4 s3 explicit padding',
    input: [2, 10, 11, 6],
    filter: [4, 4, 6, 3],
    strides: [3, 3],
    pad: [
      [0, 0],
      [2, 1],
      [0, 3],
      [0, 0],
    ],
    dilations: [1, 1],
  },
  {
    name: '1 × 1 (no im2col)',
    input: [2, 5, 6, 70],
    filter: [1, 1, 70, 9],
    strides: [1, 1],
    pad: 'valid',
    dilations: [1, 1],
  },
];

function randomTensor(shape: number[]): tf.Tensor {
  return tf.tensor(random.normal(tf.util.sizeFromShape(shape)), shape);
}

async function onCpu(inputs: tf.Tensor[], compute: (...xs: tf.Tensor[]) => tf.Tensor): Promise<Float32Array> {
  const values = inputs.map((t) => ({ values: t.dataSync().slice(), shape: t.shape }));
  unregisterTrainingKernels();
  await tf.setBackend('cpu');
  const copies = values.map((v) => tf.tensor(v.values, v.shape));
  const result = compute(...copies);
  const out = result.dataSync().slice() as Float32Array;
  tf.dispose([...copies, result]);
  await tf.setBackend('wasm');
  return out;
}

function relativeError(actual: Float32Array, expected: Float32Array): number {
  expect(actual.length).toBe(expected.length);
  let diff = 0;
  let scale = 0;
  for (let i = 0; i < expected.length; i++) {
    diff = Math.max(diff, Math.abs(actual[i]! - expected[i]!));
    scale = Math.max(scale, Math.abs(expected[i]!));
  }
  return diff / Math.max(scale, 1e-12);
}

describe('Conv2D and FusedConv2D on wasm by im2col and the SIMD product', () => {
  const stockCalls = { Conv2D: 0, FusedConv2D: 0 };
  const stockKernels: tf.KernelConfig[] = [];

  beforeAll(async () => {
    await tf.setBackend('wasm');
    unregisterTrainingKernels();
    // Count calls that reach the stock kernels (replaced below by counting wrappers of themselves).
    for (const name of ['Conv2D', 'FusedConv2D'] as const) {
      const stock = tf.getKernel(name, 'wasm')!;
      stockKernels.push(stock);
      tf.unregisterKernel(name, 'wasm');
      tf.registerKernel({
        ...stock,
        kernelFunc: (args) => {
          stockCalls[name]++;
          return stock.kernelFunc(args);
        },
      });
    }
  });
  afterAll(() => {
    unregisterTrainingKernels();
    for (const stock of stockKernels) {
      tf.unregisterKernel(stock.kernelName, 'wasm');
      tf.registerKernel(stock);
    }
  });

  it.each(forwardCases)('$name: like the stock cpu kernel, plain and fused with bias and activation', async (c) => {
    const x = randomTensor(c.input);
    const filter = randomTensor(c.filter);
    const bias = randomTensor([c.filter[3]]);
    const plain = (a: tf.Tensor, f: tf.Tensor) =>
      tf.conv2d(a as tf.Tensor4D, f as tf.Tensor4D, c.strides, c.pad, 'NHWC', c.dilations);
    const fused = (activation: tf.fused.Activation) => (a: tf.Tensor, f: tf.Tensor, v: tf.Tensor) =>
      tf.fused.conv2d({
        x: a as tf.Tensor4D,
        filter: f as tf.Tensor4D,
        strides: c.strides,
        pad: c.pad,
        dilations: c.dilations,
        bias: v,
        activation,
        leakyreluAlpha: 0.1,
      });
    const expected = await onCpu([x, filter], plain);
    const activations: tf.fused.Activation[] = ['linear', 'relu', 'leakyrelu', 'sigmoid'];
    const expectedFused: Float32Array[] = [];
    for (const activation of activations) expectedFused.push(await onCpu([x, filter, bias], fused(activation)));
    registerTrainingKernels({ backends: ['wasm'] });
    const before = { ...stockCalls };
    const actual = plain(x, filter);
    expect(relativeError(actual.dataSync() as Float32Array, expected)).toBeLessThan(1e-5);
    for (const [i, activation] of activations.entries()) {
      const y = fused(activation)(x, filter, bias);
      expect(relativeError(y.dataSync() as Float32Array, expectedFused[i]!)).toBeLessThan(1e-5);
      y.dispose();
    }
    expect(stockCalls).toEqual(before); // all by the SIMD product
    tf.dispose([x, filter, bias, actual]);
  });

  it.each(forwardCases)('$name: forward, input and filter gradients the same bits fused and unfused', (c) => {
    registerTrainingKernels({ backends: ['wasm'] });
    const x = randomTensor(c.input) as tf.Tensor4D;
    const filter = randomTensor(c.filter) as tf.Tensor4D;
    const gradients = (fused: boolean) => {
      setFusedConvolutions(fused);
      try {
        const y = tf.conv2d(x, filter, c.strides, c.pad, 'NHWC', c.dilations);
        if (c.dilations.some((d) => d !== 1)) {
          const out = [y.dataSync().slice()]; // tfjs has no gradients of dilated convolutions
          y.dispose();
          return out;
        }
        const dy = tf.sin(tf.reshape(tf.range(0, y.size), y.shape));
        const attrs = { strides: c.strides, pad: c.pad, dataFormat: 'NHWC', dimRoundingMode: undefined };
        const run = (name: string, inputs: tf.NamedTensorMap, extra: object) =>
          tf.engine().runKernel(name, inputs, { ...attrs, ...extra } as unknown as tf.NamedAttrMap) as tf.Tensor;
        const dx = run('Conv2DBackpropInput', { dy, filter }, { inputShape: c.input });
        const dW = run('Conv2DBackpropFilter', { x, dy }, { filterShape: c.filter });
        const out = [y, dx, dW].map((t) => t.dataSync().slice());
        tf.dispose([y, dy, dx, dW]);
        return out;
      } finally {
        setFusedConvolutions(true);
      }
    };
    const [fused, unfused] = [gradients(true), gradients(false)];
    for (const [i, values] of fused.entries()) expect(values).toEqual(unfused[i]);
    tf.dispose([x, filter]);
  });

  it('leaves small filters, NCHW and prelu to the stock kernel', async () => {
    registerTrainingKernels({ backends: ['wasm'] });
    const before = { ...stockCalls };
    const x = randomTensor([2, 9, 9, 1]);
    const small = tf.conv2d(x as tf.Tensor4D, randomTensor([4, 4, 1, 8]) as tf.Tensor4D, 2, 'same'); // 16 taps
    expect(stockCalls.Conv2D).toBe(before.Conv2D + 1);
    const wide = randomTensor([1, 6, 6, 8]);
    const prelu = tf.fused.conv2d({
      x: wide as tf.Tensor4D,
      filter: randomTensor([3, 3, 8, 4]) as tf.Tensor4D,
      strides: 1,
      pad: 'same',
      activation: 'prelu',
      preluActivationWeights: randomTensor([4]),
    });
    expect(stockCalls.FusedConv2D).toBe(before.FusedConv2D + 1);
    tf.dispose([x, small, wide, prelu]);
  });
});
