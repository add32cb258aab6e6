import * as tf from '@tensorflow/tfjs-core';
import { asWasm, float32View } from '../wasm/internals.js';
import { simdKernelsFor } from '../wasm/simd.js';

/**
 * What a custom kernel needs from a backend: allocate float32 outputs, read and write their
 * values in place, free intermediates, and call the backend's other kernels. One host exists per
 * supported backend (`wasm`, `cpu`); the algorithms in this folder are written against it only.
 */
export interface KernelHost {
  readonly backendName: string;
  readonly backend: tf.KernelBackend;
  /** A new float32 tensor of `shape`; its values are undefined until written. */
  allocate(shape: number[]): tf.TensorInfo;
  /**
   * The values of `info`, as a live view. On wasm, any later `allocate` or kernel call may grow
   * the heap and detach the view: take views after the allocations they follow.
   */
  view(info: tf.TensorInfo): Float32Array;
  /** Releases an intermediate created by `allocate` or `run`. */
  free(info: tf.TensorInfo): void;
  /** Runs another kernel of the same backend directly (no tape, no engine bookkeeping). */
  run(kernelName: string, inputs: tf.NamedTensorInfoMap, attrs: tf.NamedAttrMap): tf.TensorInfo;
  /** The same data under another shape of equal size (no copy; do not free it separately). */
  reshape(info: tf.TensorInfo, shape: number[]): tf.TensorInfo;
  /**
   * A function copying runs of values from `source` to `target` (indices in elements). On wasm it
   * is one `copyWithin` over the heap, with no view created per run. Valid until the next
   * allocation, like a view.
   */
  copier(source: tf.TensorInfo, target: tf.TensorInfo): RunCopier;
  /** wasm only: where `info`'s values start in the backend's heap, in bytes (for the SIMD kernels). */
  byteOffset?(info: tf.TensorInfo): number;
}

/** Copies `length` values from `source[from…]` to `target[to…]`. */
export type RunCopier = (from: number, to: number, length: number) => void;

interface CpuBackendInternals extends tf.KernelBackend {
  data: { get(dataId: tf.DataId): { values: Float32Array } };
  makeTensorInfo(shape: number[], dtype: tf.DataType, values?: Float32Array): tf.TensorInfo;
}

/** Kernel functions a host runs instead of the registered ones (the stock BatchMatMul, say). */
export type KernelOverrides = Readonly<Record<string, tf.KernelFunc>>;

/** Makes the host of one backend (`wasmKernelHost`, `cpuKernelHost`). */
export type HostFactory = (backend: tf.KernelBackend, overrides?: KernelOverrides) => KernelHost;

function runner(backendName: string, backend: tf.KernelBackend, overrides: KernelOverrides) {
  return (kernelName: string, inputs: tf.NamedTensorInfoMap, attrs: tf.NamedAttrMap): tf.TensorInfo => {
    const kernelFunc = overrides[kernelName] ?? tf.getKernel(kernelName, backendName)?.kernelFunc;
    if (kernelFunc === undefined) {
      throw new Error(`Kernel '${kernelName}' is not registered for backend '${backendName}'.`);
    }
    const result = kernelFunc({ inputs, attrs, backend });
    return Array.isArray(result) ? (result[0] as tf.TensorInfo) : (result as tf.TensorInfo);
  };
}

/**
 * A host for the `wasm` backend: tensors live on the WebAssembly heap and views are
 * `Float32Array`s over it. `overrides` pins kernels to specific functions (the stock
 * BatchMatMul, say, so a replaced BatchMatMul does not call itself).
 */
export function wasmKernelHost(backend: tf.KernelBackend, overrides: KernelOverrides = {}): KernelHost {
  const wasm = asWasm(backend);
  return {
    backendName: 'wasm',
    backend,
    allocate: (shape) => wasm.makeOutput(shape, 'float32'),
    view: (info) => float32View(wasm, info),
    free: (info) => {
      wasm.disposeData(info.dataId);
    },
    run: runner('wasm', backend, overrides),
    reshape: (info, shape) => ({ dataId: info.dataId, shape, dtype: info.dtype }),
    byteOffset: (info) => wasm.getMemoryOffset(info.dataId),
    copier: (source, target) => {
      const sourceBase = wasm.getMemoryOffset(source.dataId);
      const targetBase = wasm.getMemoryOffset(target.dataId);
      const simd = simdKernelsFor(backend);
      if (simd !== null) {
        // memory.copy: copyWithin over a shared heap (threaded wasm) copies value by value, which is slow.
        return (from, to, length) => simd.copyBytes(targetBase + to * 4, sourceBase + from * 4, length * 4);
      }
      const heap = new Float32Array(wasm.wasm.HEAPU8.buffer);
      return (from, to, length) => {
        heap.copyWithin(targetBase / 4 + to, sourceBase / 4 + from, sourceBase / 4 + from + length);
      };
    },
  };
}

/** A host for the pure-JS `cpu` backend: tensors are plain `Float32Array`s. */
export function cpuKernelHost(backend: tf.KernelBackend, overrides: KernelOverrides = {}): KernelHost {
  const cpu = backend as CpuBackendInternals;
  return {
    backendName: 'cpu',
    backend,
    allocate: (shape) => cpu.makeTensorInfo(shape, 'float32', new Float32Array(tf.util.sizeFromShape(shape))),
    view: (info) => cpu.data.get(info.dataId).values,
    free: (info) => {
      cpu.disposeData(info.dataId);
    },
    run: runner('cpu', backend, overrides),
    reshape: (info, shape) => ({ dataId: info.dataId, shape, dtype: info.dtype }),
    copier: (source, target) => {
      const from = cpu.data.get(source.dataId).values;
      const to = cpu.data.get(target.dataId).values;
      return (start, at, length) => {
        to.set(from.subarray(start, start + length), at);
      };
    },
  };
}
