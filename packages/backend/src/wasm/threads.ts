import * as tf from '@tensorflow/tfjs-core';
import { startGemmWorkers } from './gemm.js';
import type { TfjsWasmModule } from './internals.js';

/** Options of {@link enableWasmThreads}. */
export interface WasmThreadsConfig {
  /** Threads for XNNPACK (the main thread included), at most 8. Defaults to the number of CPU cores. */
  threads?: number;
  /** Give up (and keep single-threaded wasm) after this many milliseconds. Defaults to `30000`. */
  timeoutMs?: number;
}

/** The outcome of {@link enableWasmThreads}. */
export interface WasmThreadsResult {
  /** Threads the wasm backend will use; 1 when threads could not be enabled. */
  threads: number;
  /** Why threads are (not) on, for logs. */
  reason: string;
}

type WasmFactory = (config: Record<string, unknown>) => Promise<TfjsWasmModule>;

const maxThreads = 8; // tfjs-backend-wasm pre-creates 8 workers and caps its thread pool there.

// Set once the threaded factory is registered, so later calls report it instead of refusing.
const enabledKey = Symbol.for('gan.backend.wasmThreads');
const globalScope = globalThis as typeof globalThis & { [enabledKey]?: WasmThreadsResult };

function isNode(): boolean {
  return typeof process !== 'undefined' && typeof process.versions?.node === 'string';
}

/**
 * Makes the `wasm` backend use several threads in Node, where tfjs-backend-wasm turns them off
 * (tfjs#3830: it hands Emscripten blob: URLs, which Node workers cannot load). This registers a
 * replacement `wasm` backend factory that loads tfjs-backend-wasm's own threaded SIMD build from
 * node_modules, with its pthread worker script written once to the OS temp folder. XNNPACK (matrix
 * products, convolutions) then runs on `threads` cores; JavaScript-side work stays on one.
 *
 * Call it before the wasm backend is first initialized. In browsers it does nothing (tfjs enables
 * threads itself on cross-origin-isolated pages). It never throws: on any failure the stock
 * single-threaded backend stays registered and `reason` says why.
 */
export async function enableWasmThreads(config: WasmThreadsConfig = {}): Promise<WasmThreadsResult> {
  if (!isNode()) return { threads: 1, reason: 'not Node (browsers get threads from tfjs when cross-origin isolated)' };
  const enabled = globalScope[enabledKey];
  if (enabled !== undefined) return enabled;
  const engine = tf.engine() as unknown as {
    registry: Record<string, unknown>;
    registryFactory: Record<string, { factory: () => tf.KernelBackend | Promise<tf.KernelBackend> } | undefined>;
  };
  if (engine.registry.wasm !== undefined) {
    return { threads: 1, reason: 'the wasm backend was already initialized; enable threads before first use' };
  }
  try {
    const os = await import('node:os');
    const cores = typeof os.availableParallelism === 'function' ? os.availableParallelism() : os.cpus().length;
    const threads = Math.max(1, Math.min(maxThreads, Math.floor(config.threads ?? cores)));
    if (threads === 1) return { threads: 1, reason: 'one thread requested' };
    const wasm = await import('@tensorflow/tfjs-backend-wasm');
    const stockFactory = engine.registryFactory.wasm?.factory;
    const loadModule = await threadedModuleLoader(threads, config.timeoutMs ?? 30000);
    // Replace the factory that tfjs-backend-wasm registered; its kernels stay registered.
    tf.removeBackend('wasm');
    tf.registerBackend(
      'wasm',
      async () => {
        let module: TfjsWasmModule;
        try {
          module = await loadModule();
        } catch (error) {
          if (stockFactory === undefined) throw error;
          console.warn(`@gan/backend: threaded wasm failed to start (${String(error)}); using one thread.`);
          return stockFactory();
        }
        wasm.setThreadsCount(threads);
        const backend = new wasm.BackendWasm(module as unknown as ConstructorParameters<typeof wasm.BackendWasm>[0]);
        // The thread pool's workers wait for work forever; unreferenced, they do not keep Node alive.
        for (const worker of module.PThread?.runningWorkers ?? []) worker.unref?.();
        // The matrix products of the training kernels (wasm/gemm.ts) get their own workers on the same heap.
        await startGemmWorkers(backend, threads - 1);
        return backend;
      },
      2,
    );
    const result = { threads, reason: `XNNPACK on ${threads} threads (threaded SIMD build, Node workers)` };
    globalScope[enabledKey] = result;
    return result;
  } catch (cause) {
    return { threads: 1, reason: `threads unavailable (${cause instanceof Error ? cause.message : String(cause)})` };
  }
}

async function threadedModuleLoader(threads: number, timeoutMs: number): Promise<() => Promise<TfjsWasmModule>> {
  const { createRequire } = await import('node:module');
  const path = await import('node:path');
  const require = createRequire(import.meta.url);
  const packageDir = path.dirname(require.resolve('@tensorflow/tfjs-backend-wasm/package.json'));
  const gluePath = path.join(packageDir, 'wasm-out', 'tfjs-backend-wasm-threaded-simd.js');
  const workerSource = (
    require(path.join(packageDir, 'wasm-out', 'tfjs-backend-wasm-threaded-simd.worker.js')) as {
      wasmWorkerContents: string;
    }
  ).wasmWorkerContents;
  // tfjs escapes newlines the same way before turning the source into a Blob.
  const workerPath = await writeWorkerScript(workerSource.replace(/\n/g, '\\n'));
  const factory = require(gluePath) as WasmFactory;

  return async () => {
    // The build sizes its pool as (logical cores / 2), assuming hyper-threading; report twice the
    // wanted threads to it while it starts. `os` is the same object the build's `require` sees.
    const os = require('node:os') as typeof import('node:os');
    const cpus = os.cpus;
    os.cpus = () => {
      const list = cpus();
      const one = list[0];
      return one === undefined ? list : Array.from({ length: threads * 2 }, () => one);
    };
    // The Emscripten build installs process handlers that rethrow any uncaught error from its own
    // (one-line, minified) source, so Node prints that whole file. Node's defaults do the same job.
    const listenersBefore = {
      uncaughtException: process.listeners('uncaughtException'),
      unhandledRejection: process.listeners('unhandledRejection'),
    };
    let timer: ReturnType<typeof setTimeout> | undefined;
    try {
      const module = await Promise.race([
        factory({
          locateFile: (file: string) =>
            file.endsWith('.worker.js') ? workerPath : path.join(path.dirname(gluePath), file),
          mainScriptUrlOrBlob: gluePath,
        }),
        new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(new Error(`threaded wasm did not start in ${timeoutMs} ms`)), timeoutMs);
        }),
      ]);
      module.tfjs = {
        init: module.cwrap('init', null, []),
        initWithThreadsCount: module.cwrap('init_with_threads_count', null, ['number']),
        getThreadsCount: module.cwrap('get_threads_count', 'number', []),
        registerTensor: module.cwrap('register_tensor', null, ['number', 'number', 'number']),
        disposeData: module.cwrap('dispose_data', null, ['number']),
        dispose: module.cwrap('dispose', null, []),
      };
      return module;
    } finally {
      os.cpus = cpus;
      if (timer !== undefined) clearTimeout(timer);
      for (const listener of process.listeners('uncaughtException')) {
        if (!listenersBefore.uncaughtException.includes(listener))
          process.removeListener('uncaughtException', listener);
      }
      for (const listener of process.listeners('unhandledRejection')) {
        if (!listenersBefore.unhandledRejection.includes(listener))
          process.removeListener('unhandledRejection', listener);
      }
    }
  };
}

/** Writes the pthread worker script under the OS temp folder (once per content) and returns its path. */
async function writeWorkerScript(source: string): Promise<string> {
  const { createHash } = await import('node:crypto');
  const fs = await import('node:fs');
  const os = await import('node:os');
  const path = await import('node:path');
  const hash = createHash('sha256').update(source).digest('hex').slice(0, 16);
  const file = path.join(os.tmpdir(), `gan-tfjs-wasm-${hash}.worker.cjs`);
  if (!fs.existsSync(file)) {
    const partial = `${file}.${process.pid}.tmp`;
    fs.writeFileSync(partial, source);
    fs.renameSync(partial, file);
  }
  return file;
}
