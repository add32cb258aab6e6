import type * as tf from '@tensorflow/tfjs-core';

// The parts of tfjs-backend-wasm 4.x that this package reaches into, declared once. None of them is tfjs's public
// API: `BackendWasm` keeps tensor data on its Emscripten heap, and the kernels here read and write it in place,
// instantiate their own WebAssembly modules on that heap, and (wasm/threads.ts) build the backend from tfjs's
// threaded Emscripten module themselves. Code that may meet another backend checks what it uses (`wasmMemoryOf`).

/** tfjs-backend-wasm's Emscripten module (`backend.wasm`). */
export interface TfjsWasmModule {
  HEAPU8: Uint8Array;
  /** The heap: `wasmMemory` in tfjs 4.x's builds, `asm.memory` in older Emscripten output. */
  wasmMemory?: WebAssembly.Memory;
  asm?: { memory?: WebAssembly.Memory };
  _malloc?: (bytes: number) => number;
  _free?: (pointer: number) => void;
  cwrap(name: string, returnType: string | null, argTypes: string[]): (...args: unknown[]) => unknown;
  /** The threaded build's pthread pool. */
  PThread?: { runningWorkers?: { unref?: () => void }[] };
  /** The exports `BackendWasm` calls, wrapped by tfjs's own loader (wasm/threads.ts wraps them for its build). */
  tfjs?: Record<string, unknown>;
}

/** tfjs-backend-wasm's `BackendWasm`, as far as this package uses it. */
export interface TfjsWasmBackend extends tf.KernelBackend {
  wasm: TfjsWasmModule;
  /** Data ids with live data (a disposed id leaves the map once no tensor shares it). */
  dataIdMap: { has(dataId: tf.DataId): boolean };
  /** A new tensor on the heap; its values are undefined until written. */
  makeOutput(shape: number[], dtype: tf.DataType): tf.TensorInfo;
  /** The values of `info`, as a view of the heap: any later allocation may grow the heap and detach it. */
  typedArrayFromHeap(info: tf.TensorInfo): Float32Array | Int32Array | Uint8Array;
  /** Where the data of `dataId` starts on the heap, in bytes. */
  getMemoryOffset(dataId: tf.DataId): number;
  /** One more tensor shares the data of `dataId`. */
  incRef(dataId: tf.DataId): void;
}

/** `backend` as the wasm backend: only for code that runs as a wasm kernel. */
export function asWasm(backend: object): TfjsWasmBackend {
  return backend as TfjsWasmBackend;
}

/** The float32 values of `info` on the heap (a live view; see `typedArrayFromHeap`). */
export function float32View(backend: TfjsWasmBackend, info: tf.TensorInfo): Float32Array {
  return backend.typedArrayFromHeap(info) as Float32Array;
}

/** The heap of a wasm `backend`, or `null` for any other backend (or a build whose heap is not reachable). */
export function wasmMemoryOf(backend: tf.KernelBackend): WebAssembly.Memory | null {
  const module = (backend as Partial<TfjsWasmBackend>).wasm;
  const memory = module?.wasmMemory ?? module?.asm?.memory;
  return memory instanceof WebAssembly.Memory ? memory : null;
}

/** Whether `memory` is shared (tfjs-wasm's threaded build), so workers can run on it. */
export function isShared(memory: WebAssembly.Memory): boolean {
  return typeof SharedArrayBuffer !== 'undefined' && memory.buffer instanceof SharedArrayBuffer;
}
