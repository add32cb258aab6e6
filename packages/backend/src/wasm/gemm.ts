import { GanError } from '@gan/core';
import type * as tf from '@tensorflow/tfjs-core';
import { phase } from '../phase-timing.js';
import { assemble } from './assembler.js';
import { gemmFunctions, gemmScratchBytes, KC, packedBBytes } from './gemm-generator.js';
import {
  argumentsAt,
  canBlock,
  controlWords,
  doneWord,
  elapsedWord,
  failedWord,
  type GemmWorker,
  type GemmWorkerStarter,
  gemmWorkerStarter,
  type JobKind,
  jobKinds,
  jobWord,
  kindWord,
} from './gemm-workers.js';
import { type TapLoopSizes, tapLoopArguments } from './im2col-generator.js';
import { isShared, type TfjsWasmBackend, wasmMemoryOf } from './internals.js';

/**
 * A float32 matrix product on a wasm backend's heap: `C[m, n] = A[m, k] · B[k, n]` (`+=` with `accumulate`), every
 * address and stride in bytes, so a transposed operand is only a swap of its two strides. Runs on the calling
 * thread plus the workers {@link startGemmWorkers} gave this heap, each on its own slice of the rows or columns.
 */
export interface Gemm {
  /** Threads a product is split over (the calling one included). */
  readonly threads: number;
  /** Whether it multiplies and adds in one fused (relaxed SIMD) instruction. */
  readonly fused: boolean;
  run(
    m: number,
    n: number,
    k: number,
    a: number,
    rowStrideA: number,
    colStrideA: number,
    b: number,
    rowStrideB: number,
    colStrideB: number,
    c: number,
    ldc: number,
    accumulate: boolean,
  ): void;
  /**
   * A convolution's forward product, `y[pixels, n] = cols · filter[taps, n]` with `cols = im2col(image)`, without
   * `cols` ever in memory: each thread unrolls a chunk of its pixels into its scratch and multiplies it while it is
   * in cache (the module's `im2colGemm`), against the filter packed once for all (`packB`). The same bits as
   * im2col and {@link run}. `image`, `filter` and `y` are heap offsets; `sizes` the convolution's (NHWC).
   */
  im2colProduct(image: number, filter: number, y: number, pixels: number, n: number, sizes: TapLoopSizes): void;
  /**
   * A convolution's input gradient, `dx = col2im(dy · Wᵀ)` with `filter` W `[taps, k]`, without `dy · Wᵀ` ever in
   * memory: each thread takes whole images and, chunk by chunk of their pixels, multiplies and adds the chunk into
   * `dx` while it is in cache (the module's `gemmCol2im`), against Wᵀ packed once for all. The same bits as the
   * product, then col2im. `dy` `[pixels, k]`, `dx` (overwritten) and `filter` are heap offsets.
   */
  col2imProduct(dy: number, filter: number, dx: number, batch: number, k: number, sizes: TapLoopSizes): void;
  /**
   * A convolution's filter gradient, `dW = colsᵀ · dy` with `cols = im2col(image)` (`dW` `[fh, fw, channels, n]`,
   * overwritten), without `cols` ever in memory: the threads share out the filter's rows, and each goes through the
   * pixels {@link KC} at a time, unrolling only its rows' taps of them and multiplying those while they are in cache
   * (the module's `filterGradient`). The same bits as im2col and {@link run}.
   */
  filterGradientProduct(image: number, dy: number, dW: number, pixels: number, n: number, sizes: TapLoopSizes): void;
  /**
   * Whether a fused product ({@link im2colProduct}, {@link col2imProduct}) whose filter operand is `k` × `n` is the
   * faster way: where that operand packed is at most {@link maxFusedFilterBytes}. Every chunk of pixels reads all
   * of it, so a larger one is read from memory over and over (a 4096 × 512 filter, 8 MiB: 5–10 % slower than im2col
   * whole, measured on two threads).
   */
  fuses(n: number, k: number): boolean;
  /**
   * Whether {@link filterGradientProduct} is the faster way for a filter whose rows have `rowTaps` taps × channels:
   * where {@link KC} pixels of one filter row, unrolled, are at most {@link maxFusedColsBytes}.
   */
  fusesFilterGradient(rowTaps: number): boolean;
  /**
   * Adam's update (`adam` of wasm/simd.ts) of `count` values, a multiple of 4: `offsets` are its seven byte offsets (w,
   * g, m, v, then the three outputs) and `constants` its seven float32 constants. Split over the threads where there
   * are {@link minParallelAdam} values or more; each value is one thread's, so the bits are the same.
   */
  adam(offsets: readonly number[], count: number, constants: readonly number[]): void;
  /**
   * Runs `kind` (the module's `im2colRows` or `col2imRows`) over `size` units of work (pixels, images) cut into one
   * slice per thread: `argumentsOf(start, length)` gives a slice's arguments. Slices must not write to the same bytes.
   */
  split(
    kind: 'im2colRows' | 'col2imRows',
    size: number,
    argumentsOf: (start: number, length: number) => number[],
  ): void;
}

type GemmExport = (...args: number[]) => void;

interface HeapGemm {
  module: WebAssembly.Module;
  fused: boolean;
  /** The module's functions on the calling thread, by job kind, and `packB`. */
  exports: Record<JobKind | 'packB', GemmExport>;
  workers: GemmWorker[];
  /** Multiply-adds per µs of each thread (the calling one first), as measured: slices are sized by them. */
  speeds: number[];
}

const heaps = new WeakMap<WebAssembly.Memory, HeapGemm | null>();

function heapGemm(memory: WebAssembly.Memory): HeapGemm | null {
  const known = heaps.get(memory);
  if (known !== undefined) return known;
  let result: HeapGemm | null = null;
  try {
    const shared = isShared(memory);
    const fusedBytes = assemble(shared, gemmFunctions(true)) as BufferSource;
    const fused = WebAssembly.validate(fusedBytes);
    const module = new WebAssembly.Module(
      fused ? fusedBytes : (assemble(shared, gemmFunctions(false)) as BufferSource),
    );
    const instance = new WebAssembly.Instance(module, { env: { memory } });
    const exports = instance.exports as unknown as HeapGemm['exports'];
    result = { module, fused, exports, workers: [], speeds: [1] };
  } catch {
    result = null; // no WebAssembly SIMD here
  }
  heaps.set(memory, result);
  return result;
}

/** The largest packed filter the fused products are used with (2 MiB of a 2048 × 256 filter gains 10 %). */
const maxFusedFilterBytes = 4 * 2 ** 20;

/** The most bytes of `cols` (KC pixels of one filter row) {@link Gemm.filterGradientProduct} is used with. */
const maxFusedColsBytes = 2 ** 20;

/** Filter taps × input channels: a row of `cols`. */
const tapsOf = (s: TapLoopSizes) => s.filterHeight * s.filterWidth * s.inChannels;

/**
 * Adam updates of fewer values stay on one thread. The loop is bound by its square root and division, ~1 ns a value
 * on one Zen 5 core, and waking a worker costs tens of µs.
 */
const minParallelAdam = 1 << 16;

/** Products smaller than this many multiply-adds stay on one thread (waking a worker costs more than they take). */
const minParallelWork = 1 << 21;
/**
 * How long the calling thread waits for a worker's slice before it gives up, counted in the waits that ran out, not
 * by the clock: a process that was suspended (Ctrl-Z, SIGSTOP, a laptop asleep, a paused VM) finds the clock far ahead
 * when it resumes, though its workers were stopped with it.
 */
let workerTimeoutMs = 120_000;
/** One wait for a worker's answer. */
const waitSliceMs = 1000;

/** Sets {@link workerTimeoutMs}; for tests of a worker that never answers. */
export function setGemmWorkerTimeout(ms: number): void {
  workerTimeoutMs = ms;
}

let enabled = true;
let fusing = true;

/**
 * Turns the fused convolution products ({@link Gemm.im2colProduct}, {@link Gemm.col2imProduct},
 * {@link Gemm.filterGradientProduct}) off (convolutions then unroll into memory first, as before they existed) or
 * back on; for benchmarks that compare the two in one process (bench/kernels/fused-ab.mjs). The results are the same
 * bits either way.
 */
export function setFusedConvolutions(on: boolean): void {
  fusing = on;
}

/** Turns the product off (every kernel then takes its fallback) or back on; for tests of those fallbacks. */
export function setGemmEnabled(on: boolean): void {
  enabled = on;
}

/**
 * The product on `backend`'s heap, or `null` where it cannot run (not a wasm backend, no WebAssembly SIMD, or no
 * `_malloc` for its scratch).
 */
export function gemmFor(backend: tf.KernelBackend): Gemm | null {
  const memory = enabled ? wasmMemoryOf(backend) : null;
  const module = (backend as Partial<TfjsWasmBackend>).wasm;
  if (memory === null || module?._malloc === undefined || module._free === undefined) return null;
  const heap = heapGemm(memory);
  if (heap === null) return null;
  const malloc = module._malloc;
  const free = module._free;
  const run = (
    m: number,
    n: number,
    k: number,
    a: number,
    rsA: number,
    csA: number,
    b: number,
    rsB: number,
    csB: number,
    c: number,
    ldc: number,
    accumulate: boolean,
  ): void => {
    const threads = heap.workers.length + 1;
    if (m === 0 || n === 0) return;
    const acc = accumulate ? 1 : 0;
    if (k === 0) {
      if (!accumulate) for (let i = 0; i < m; i++) new Float32Array(memory.buffer, c + i * ldc, n).fill(0);
      return;
    }
    const parts = m * n * k < minParallelWork ? 1 : threads;
    const jobs: number[][] = [];
    if (parts === 1) {
      jobs.push([m, n, k, a, rsA, csA, b, rsB, csB, c, ldc, 0, acc, 0]);
    } else if (n >= m) {
      for (const [j, width] of slices(n, 8, heap.speeds)) {
        jobs.push([m, width, k, a, rsA, csA, b + j * csB, rsB, csB, c + j * 4, ldc, 0, acc, 0]);
      }
    } else {
      for (const [i, height] of slices(m, 4, heap.speeds)) {
        jobs.push([height, n, k, a + i * rsA, rsA, csA, b, rsB, csB, c + i * ldc, ldc, 0, acc, 0]);
      }
    }
    runWithScratch(
      'gemm',
      jobs,
      jobs.map((job) => gemmScratchBytes(job[0]!, job[1]!, job[4]!)),
      (job, pointer) => {
        job[11] = pointer;
      },
      jobs.map((job) => job[0]! * job[1]! * job[2]!),
    );
  };
  /** `size` units as `[start, length]` slices: one per thread, or one in all where `work` multiply-adds are few. */
  const share = (size: number, align: number, work: number): [number, number][] =>
    work < minParallelWork ? [[0, size]] : slices(size, align, heap.speeds);
  /** Pixels a thread unrolls and multiplies at a time: ~128 KiB of `cols`, which stays in cache. */
  const chunkOf = (taps: number) => Math.min(256, Math.max(16, Math.floor(32768 / taps / 4) * 4));
  const im2colProduct = (image: number, filter: number, y: number, pixels: number, n: number, s: TapLoopSizes) => {
    if (pixels === 0 || n === 0) return;
    const taps = tapsOf(s);
    const rowBytes = taps * 4;
    const chunk = chunkOf(taps);
    const parts = share(pixels, 4, pixels * n * taps);
    const jobs = parts.map(([start, length]) => [
      ...tapLoopArguments(image, 0, start, length, s),
      n,
      0,
      y + start * n * 4,
      n * 4,
      0,
      chunk,
    ]);
    const colsBytes = Math.ceil((Math.min(chunk, pixels) * rowBytes) / 16) * 16;
    const packedBytes = packedBBytes(n, taps);
    runWithScratch(
      'im2colGemm',
      jobs,
      jobs.map((_, t) => colsBytes + gemmScratchBytes(chunk, n, rowBytes) + (t === 0 ? packedBytes + 16 : 0)),
      (job, pointer, [packed]) => {
        job[1] = pointer; // cols
        job[21] = pointer + colsBytes; // the product's scratch
        job[18] = packed!;
      },
      parts.map(([, length]) => length * n * taps),
      (pointers) => {
        // the filter packed once, on this thread, into the end of the first job's scratch
        const packed = (pointers[0]! + colsBytes + gemmScratchBytes(chunk, n, rowBytes) + 15) & ~15;
        heap.exports.packB(0, n, taps, 0, 0, 0, filter, n * 4, 4, 0, 0, 0, 0, packed);
        return [packed];
      },
    );
  };
  const filterGradientProduct = (image: number, dy: number, dW: number, pixels: number, n: number, s: TapLoopSizes) => {
    const rowTaps = s.filterWidth * s.inChannels;
    const taps = s.filterHeight * rowTaps;
    if (pixels === 0) {
      new Float32Array(memory.buffer, dW, taps * n).fill(0);
      return;
    }
    // whole filter rows per thread: each value of dW is one thread's sum, in the order of the unfused product
    const parts = share(s.filterHeight, 1, pixels * n * taps);
    const jobs = parts.map(([row, rows]) => [...tapLoopArguments(image, 0, 0, pixels, s), dy, n, dW, row, rows, 0, 0]);
    const colsBytes = Math.ceil((Math.min(KC, pixels) * rowTaps * 4) / 16) * 16;
    const scratchBytes = gemmScratchBytes(rowTaps, n, 4);
    runWithScratch(
      'filterGradient',
      jobs,
      jobs.map(() => colsBytes + scratchBytes + packedBBytes(n, KC) + 16),
      (job, pointer) => {
        job[1] = pointer; // cols
        job[22] = pointer + colsBytes; // the product's scratch
        job[23] = (pointer + colsBytes + scratchBytes + 15) & ~15; // this thread's packed rows of dy
      },
      parts.map(([, rows]) => rows * rowTaps * n * pixels),
    );
  };
  const col2imProduct = (dy: number, filter: number, dx: number, batch: number, k: number, s: TapLoopSizes) => {
    const perImage = s.outHeight * s.outWidth;
    const pixels = batch * perImage;
    const taps = tapsOf(s);
    if (pixels === 0 || k === 0) {
      // nothing to add: dx is zero (the WebAssembly loop would divide by 0 pixels an image, or add an unwritten chunk)
      new Float32Array(memory.buffer, dx, batch * s.inHeight * s.inWidth * s.inChannels).fill(0);
      return;
    }
    const rowBytes = taps * 4;
    const chunk = chunkOf(taps);
    // whole images per thread: each value of dx is then one thread's sum, in the order of the unfused col2im
    const parts = share(batch, 1, pixels * taps * k);
    const jobs = parts.map(([start, length]) => [
      ...tapLoopArguments(dx, 0, start * perImage, length * perImage, s),
      dy,
      k,
      0,
      0,
      chunk,
    ]);
    const colsBytes = Math.ceil((Math.min(chunk, pixels) * rowBytes) / 16) * 16;
    const scratchBytes = gemmScratchBytes(chunk, taps, k * 4);
    runWithScratch(
      'gemmCol2im',
      jobs,
      jobs.map((_, t) => colsBytes + scratchBytes + (t === 0 ? packedBBytes(taps, k) + 16 : 0)),
      (job, pointer, [packed]) => {
        job[1] = pointer; // cols
        job[19] = packed!;
        job[20] = pointer + colsBytes; // the product's scratch
      },
      parts.map(([, length]) => length * perImage * taps * k),
      (pointers) => {
        // Wᵀ packed once, on this thread, into the end of the first job's scratch
        const packed = (pointers[0]! + colsBytes + scratchBytes + 15) & ~15;
        heap.exports.packB(0, taps, k, 0, 0, 0, filter, 4, k * 4, 0, 0, 0, 0, packed);
        return [packed];
      },
    );
  };
  /**
   * Runs `jobs` as `kind` on the threads, each with its own `bytes[t]` of 16-byte-aligned scratch from the heap, which
   * `place(job, pointer, shared)` writes into the job's arguments; `prepare`, given the pointers, runs first on this
   * thread (what all jobs read: a packed filter). Learns the threads' speeds from `work` (multiply-adds per job).
   */
  const runWithScratch = (
    kind: JobKind,
    jobs: number[][],
    bytes: number[],
    place: (job: number[], pointer: number, shared: number[]) => void,
    work: number[],
    prepare: (pointers: number[]) => number[] = () => [],
  ): void => {
    const scratch: number[] = [];
    try {
      for (const size of bytes) {
        const pointer = malloc(size + 16);
        // emmalloc answers 0 when the heap cannot grow: packing there would overwrite the heap's own first bytes.
        if (pointer === 0) {
          throw new GanError(
            'UNSUPPORTED',
            `Out of WebAssembly memory: no room for the matrix product's ${size + 16} bytes of scratch in a heap of ` +
              `${Math.round(memory.buffer.byteLength / 2 ** 20)} MiB. Use a smaller batch or model.`,
          );
        }
        scratch.push(pointer);
      }
      const aligned = scratch.map((pointer) => (pointer + 15) & ~15);
      const shared = prepare(aligned);
      for (const [t, job] of jobs.entries()) place(job, aligned[t]!, shared);
      let elapsed: number[];
      try {
        elapsed = runJobs(heap, kind, jobs);
      } catch (error) {
        if (GanError.isInstance(error) && error.code === 'ABORTED') scratch.length = 0; // a worker may still write there
        throw error;
      }
      if (jobs.length === heap.workers.length + 1) learnSpeeds(heap.speeds, work, elapsed);
    } finally {
      for (const pointer of scratch) free(pointer);
    }
  };
  return {
    get threads() {
      return heap.workers.length + 1;
    },
    fused: heap.fused,
    adam(offsets, count, constants) {
      const bits = Array.from(new Int32Array(Float32Array.from(constants).buffer));
      const parts: [number, number][] = count < minParallelAdam ? [[0, count]] : slices(count, 4, heap.speeds);
      runJobs(
        heap,
        'adamBits',
        parts.map(([start, length]) => [...offsets.map((offset) => offset + start * 4), length, ...bits]),
      );
    },
    split(kind, size, argumentsOf) {
      const parts = slices(size, 1, heap.speeds);
      runJobs(
        heap,
        kind,
        parts.map(([start, length]) => argumentsOf(start, length)),
      );
    },
    fuses: (n, k) => fusing && packedBBytes(n, k) <= maxFusedFilterBytes,
    fusesFilterGradient: (rowTaps) => fusing && KC * rowTaps * 4 <= maxFusedColsBytes,
    filterGradientProduct(image, dy, dW, pixels, n, sizes) {
      phase(
        'gemm',
        () => filterGradientProduct(image, dy, dW, pixels, n, sizes),
        () => `${tapsOf(sizes)}×${n}×${pixels} filter im2col`,
      );
    },
    col2imProduct(dy, filter, dx, batch, k, sizes) {
      phase(
        'gemm',
        () => col2imProduct(dy, filter, dx, batch, k, sizes),
        () => `${batch * sizes.outHeight * sizes.outWidth}×${tapsOf(sizes)}×${k} col2im`,
      );
    },
    im2colProduct(image, filter, y, pixels, n, sizes) {
      phase(
        'gemm',
        () => im2colProduct(image, filter, y, pixels, n, sizes),
        () => `${pixels}×${n}×${tapsOf(sizes)} im2col`,
      );
    },
    run(m, n, k, a, rsA, csA, b, rsB, csB, c, ldc, accumulate) {
      phase(
        'gemm',
        () => run(m, n, k, a, rsA, csA, b, rsB, csB, c, ldc, accumulate),
        () => `${m}×${n}×${k}${csA === 4 ? '' : ' Aᵀ'}${csB === 4 ? '' : ' Bᵀ'}`,
      );
    },
  };
}

/**
 * Runs `jobs[0]` on the calling thread and `jobs[i]` on worker i − 1, all as `kind`, and waits for the workers; the
 * microseconds each took, the calling thread first. A worker that fails, or gives no answer in
 * {@link workerTimeoutMs}, is dropped with the others, and the call throws.
 */
function runJobs(heap: HeapGemm, kind: JobKind, jobs: number[][]): number[] {
  const started: GemmWorker[] = [];
  for (let i = 1; i < jobs.length; i++) {
    const worker = heap.workers[i - 1]!;
    worker.control.set(jobs[i]!, argumentsAt);
    worker.control[kindWord] = jobKinds.indexOf(kind);
    worker.sequence++;
    Atomics.store(worker.control, jobWord, worker.sequence);
    Atomics.notify(worker.control, jobWord);
    started.push(worker);
  }
  const started0 = performance.now();
  let ownError: unknown = null;
  try {
    heap.exports[kind](...jobs[0]!);
  } catch (error) {
    ownError = error; // still wait for the workers: they write into this call's scratch and output
  }
  const elapsed = [(performance.now() - started0) * 1000];
  let failed = false;
  for (const worker of started) {
    let waitedMs = 0;
    for (;;) {
      const done = Atomics.load(worker.control, doneWord);
      if (done === worker.sequence) break;
      if (waitedMs >= workerTimeoutMs) {
        dropWorkers(heap);
        // ABORTED: the caller leaves what the worker was given (its scratch above all) allocated
        throw new GanError(
          'ABORTED',
          `A matrix-product worker thread gave no answer in ${Math.round(workerTimeoutMs / 1000)} s, so this ` +
            'operation was abandoned; later products run on the calling thread only.',
        );
      }
      const slice = Math.min(waitSliceMs, workerTimeoutMs);
      if (Atomics.wait(worker.control, doneWord, done, slice) === 'timed-out') waitedMs += slice;
    }
    failed ||= Atomics.load(worker.control, failedWord) !== 0;
    elapsed.push(Atomics.load(worker.control, elapsedWord));
  }
  if (ownError !== null) throw ownError;
  if (failed) {
    dropWorkers(heap);
    throw new Error('A matrix-product worker failed; later products run on this thread only.');
  }
  return elapsed;
}

/** Stops and forgets `heap`'s workers (after one failed): its products then run on the calling thread. */
function dropWorkers(heap: HeapGemm): void {
  for (const worker of heap.workers) worker.terminate();
  heap.workers.length = 0;
  heap.speeds = [1];
}

/**
 * `size` cut into one slice per thread, in multiples of `align`, in proportion to the threads' `speeds` (so that all
 * finish together): `[start, length]` pairs, empty slices left out.
 */
function slices(size: number, align: number, speeds: number[]): [number, number][] {
  const total = speeds.reduce((sum, s) => sum + s, 0);
  const out: [number, number][] = [];
  let start = 0;
  let share = 0;
  for (let t = 0; t < speeds.length && start < size; t++) {
    share += speeds[t]!;
    const end = t === speeds.length - 1 ? size : Math.min(size, Math.round((size * share) / total / align) * align);
    if (end > start) out.push([start, end - start]);
    start = Math.max(start, end);
  }
  return out;
}

/**
 * Updates each thread's speed (multiply-adds per µs) from how long its slice of the last product took, as a moving
 * average, so a thread that runs slower (a busier core) gets less next time. Products with a slice under a
 * millisecond are too noisy to learn from.
 */
function learnSpeeds(speeds: number[], work: number[], elapsedMicros: number[]): void {
  if (elapsedMicros.some((micros) => micros < 1000)) return;
  const first = speeds.every((s) => s === 1); // nothing learned yet: take the measurement as it is
  work.forEach((multiplyAdds, t) => {
    const rate = multiplyAdds / elapsedMicros[t]!;
    speeds[t] = first ? rate : speeds[t]! * 0.8 + rate * 0.2;
  });
  // Keep every thread at ≥ 1/4 of the mean speed, so one bad measurement cannot starve it.
  const mean = speeds.reduce((sum, s) => sum + s, 0) / speeds.length;
  for (let t = 0; t < speeds.length; t++) speeds[t] = Math.max(speeds[t]!, mean / 4);
}

/**
 * Gives the heap of a wasm backend `count` worker threads for {@link gemmFor}'s products: only a shared heap
 * (tfjs-wasm's threaded build: Node with `enableWasmThreads`, or a cross-origin-isolated page) and only where the
 * calling thread may block in `Atomics.wait` (Node, a Web Worker; not a page's main thread). Node gets worker_threads,
 * unreferenced so that they do not keep it alive; browsers get Web Workers made from a Blob URL. Resolves to the
 * workers the heap now has: 0 where none can start, and on any failure, so products run on the calling thread.
 * `starter` replaces the environment's way of starting a worker (tests run the browser one in Node with it).
 */
export async function startGemmWorkers(
  backend: tf.KernelBackend,
  count: number,
  starter?: GemmWorkerStarter,
): Promise<number> {
  const memory = wasmMemoryOf(backend);
  if (memory === null || !isShared(memory) || count < 1 || !canBlock()) return 0;
  const heap = heapGemm(memory);
  if (heap === null) return 0;
  if (heap.workers.length > 0) return heap.workers.length;
  const start = starter ?? (await gemmWorkerStarter());
  if (start === null) return 0;
  const started = await Promise.all(
    Array.from({ length: count }, () =>
      start({ module: heap.module, memory, control: new SharedArrayBuffer(controlWords * 4) }).catch(() => null),
    ),
  );
  const workers = started.filter((w): w is GemmWorker => w !== null);
  if (workers.length < count || heap.workers.length > 0) {
    for (const worker of workers) worker.terminate();
    return heap.workers.length;
  }
  heap.workers.push(...workers);
  heap.speeds = heap.workers.map(() => 1).concat(1);
  return workers.length;
}
