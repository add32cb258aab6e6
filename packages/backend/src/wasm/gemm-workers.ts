// The worker threads of wasm/gemm.ts: Node's worker_threads or a browser's Web Workers, each running the same loop
// (waits for a job on a shared control block, runs a function of the product's module on the shared heap, says it is
// done).

// control[0]: job number (the worker waits on it; −1 stops it), control[1]: last job done, control[2]: 1 when that
// job failed, control[3]: how long it took in µs, control[4 …]: the arguments (14 of `gemm`, 17 of the tap loops, 23
// of `im2colGemm`, 22 of `gemmCol2im`, 24 of `filterGradient`, 15 of `adamBits`), then which function of the module
// the job runs (a {@link JobKind}).
export const jobWord = 0;
export const doneWord = 1;
export const failedWord = 2;
export const elapsedWord = 3;
export const argumentsAt = 4;
/** The most arguments a job has. */
export const maxArguments = 24;
export const kindWord = argumentsAt + maxArguments;
export const controlWords = kindWord + 1;

/** The functions of the product's module a worker runs, by the number in {@link kindWord}. */
export const jobKinds = [
  'gemm',
  'im2colRows',
  'col2imRows',
  'im2colGemm',
  'gemmCol2im',
  'filterGradient',
  'adamBits',
] as const;
export type JobKind = (typeof jobKinds)[number];
const arities: Record<JobKind, number> = {
  gemm: 14,
  im2colRows: 17,
  col2imRows: 17,
  im2colGemm: 23,
  gemmCol2im: 22,
  filterGradient: 24,
  adamBits: 15,
};

/** One worker and the shared words it is driven through. */
export interface GemmWorker {
  control: Int32Array;
  sequence: number;
  terminate(): void;
}

/** What a worker is given: the product's module, the heap it runs on, and its control block. */
export interface GemmWorkerData {
  module: WebAssembly.Module;
  memory: WebAssembly.Memory;
  control: SharedArrayBuffer;
}

/** Starts one worker; rejects when it cannot start or does not say it is ready. */
export type GemmWorkerStarter = (data: GemmWorkerData) => Promise<GemmWorker>;

/** How long a browser worker may take to instantiate the product and say it is ready. */
const readyTimeoutMs = 30_000;

/**
 * The loop both kinds of worker run, with `module`, `memory` and `control` in scope; `announce` is how it tells the
 * thread that started it that it is ready. Self-contained: it becomes part of a worker's source text.
 */
function workerLoop(announce: string): string {
  return `
const exports = new WebAssembly.Instance(module, { env: { memory } }).exports;
const jobs = [${jobKinds.map((kind) => `[exports.${kind}, ${arities[kind]}]`).join(', ')}];
const words = new Int32Array(control);
let seen = Atomics.load(words, ${jobWord});
${announce}('ready');
for (;;) {
  Atomics.wait(words, ${jobWord}, seen);
  seen = Atomics.load(words, ${jobWord});
  if (seen < 0) break;
  let failed = 0;
  const started = performance.now();
  try {
    const [run, arity] = jobs[words[${kindWord}]];
    run(...words.subarray(${argumentsAt}, ${argumentsAt} + arity));
  } catch (error) {
    failed = 1;
  }
  Atomics.store(words, ${elapsedWord}, Math.round((performance.now() - started) * 1000));
  Atomics.store(words, ${failedWord}, failed);
  Atomics.store(words, ${doneWord}, seen);
  Atomics.notify(words, ${doneWord});
}
`;
}

/** A Node worker (made with `eval: true`): its data arrives as `workerData`. */
const nodeWorkerSource = `
const { workerData, parentPort } = require('node:worker_threads');
const { module, memory, control } = workerData;
${workerLoop('parentPort.postMessage')}`;

/**
 * A Web Worker (made from a Blob URL): its data arrives as its first message (a `WebAssembly.Module` and a shared
 * `WebAssembly.Memory` can both be posted); it then blocks in that message's handler for good.
 */
const browserWorkerSource = `
self.onmessage = (event) => {
  self.onmessage = null;
  const { module, memory, control } = event.data;
  ${workerLoop('self.postMessage')}
};
`;

/** Tells a worker's loop to end (it reads −1 as its next job). */
function stop(control: Int32Array): void {
  Atomics.store(control, jobWord, -1);
  Atomics.notify(control, jobWord);
}

/**
 * Whether this thread may block in `Atomics.wait`, as the calling side of a split product does: not on a browser
 * page's main thread (where it throws), yes in Node and in Web Workers.
 */
export function canBlock(): boolean {
  try {
    return Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 0) === 'timed-out';
  } catch {
    return false;
  }
}

function isNode(): boolean {
  return typeof process !== 'undefined' && typeof process.versions?.node === 'string';
}

/**
 * How this environment starts workers: Node's worker_threads in Node (checked first: tfjs-wasm's threaded build
 * defines a global `Worker` there, worker_threads' own, which cannot load a Blob URL), Web Workers from a Blob URL
 * where `Worker` and `Blob` exist (browsers); `null` where neither is there.
 */
export async function gemmWorkerStarter(): Promise<GemmWorkerStarter | null> {
  if (isNode()) {
    try {
      const workerThreads = await import('node:worker_threads');
      return (data) => startNodeWorker(workerThreads, data);
    } catch {
      return null;
    }
  }
  if (typeof Worker === 'function' && typeof Blob === 'function' && typeof URL.createObjectURL === 'function') {
    return startWebWorker;
  }
  return null;
}

async function startNodeWorker(
  workerThreads: typeof import('node:worker_threads'),
  data: GemmWorkerData,
): Promise<GemmWorker> {
  const worker = new workerThreads.Worker(nodeWorkerSource, { eval: true, workerData: data });
  await new Promise<void>((resolve, reject) => {
    worker.once('message', () => resolve());
    worker.once('error', reject);
    worker.once('exit', (code) => reject(new Error(`exited with ${code}`)));
  });
  worker.on('error', () => {}); // a failure shows as a job that never finishes; see workerTimeoutMs in gemm.ts
  worker.unref(); // waiting for jobs, it does not keep Node alive
  const control = new Int32Array(data.control);
  return {
    control,
    sequence: 0,
    terminate: () => {
      stop(control);
      void worker.terminate();
    },
  };
}

/** Starts a Web Worker from a Blob URL of the browser source (exported for tests, which run it in Node). */
export async function startWebWorker(data: GemmWorkerData): Promise<GemmWorker> {
  const url = URL.createObjectURL(new Blob([browserWorkerSource], { type: 'text/javascript' }));
  let worker: Worker | undefined;
  try {
    worker = new Worker(url, { name: 'gan-gemm' });
    await whenReady(worker, data);
  } catch (error) {
    worker?.terminate();
    throw error;
  } finally {
    URL.revokeObjectURL(url);
  }
  const running = worker;
  const control = new Int32Array(data.control);
  return {
    control,
    sequence: 0,
    terminate: () => {
      stop(control);
      running.terminate();
    },
  };
}

/** Posts `data` to a new Web Worker and resolves once it says it is ready. */
function whenReady(worker: Worker, data: GemmWorkerData): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no answer in ${readyTimeoutMs} ms`)), readyTimeoutMs);
    worker.onmessage = () => {
      clearTimeout(timer);
      worker.onmessage = null;
      worker.onerror = (event) => event.preventDefault(); // as in Node: a failure shows as a job that never finishes
      resolve();
    };
    worker.onerror = (event) => {
      clearTimeout(timer);
      event.preventDefault();
      reject(new Error(event.message || 'the worker failed to start'));
    };
    worker.postMessage(data);
  });
}
