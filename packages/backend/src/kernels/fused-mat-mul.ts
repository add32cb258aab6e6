import * as tf from '@tensorflow/tfjs-core';
import type { KernelHost, KernelOverrides } from './kernel-host.js';
import { type KernelArgs, stockOrThrow, type TrainingKernel } from './kernel-types.js';
import { isSingleMatrix } from './mat-mul.js';
import { transpose2d } from './algorithms/transpose.js';

/** Attributes of `_FusedMatMul`. */
interface FusedMatMulAttrs {
  transposeA: boolean;
  transposeB: boolean;
  activation?: string;
  leakyreluAlpha?: number;
}

/** Options of {@link fusedMatMulWithTransposedWeights}. */
export interface TransposedWeightsOptions {
  /** Weights (right operands) with fewer values keep the stock kernel: their packing is cheap. */
  minWeightSize: number;
  /** Products with more rows than this keep the stock kernel (the swapped form repacks the rows on every call). */
  maxRows: number;
}

const defaultOptions: TransposedWeightsOptions = { minWeightSize: 1 << 18, maxRows: 256 };

interface WasmBackendData extends tf.KernelBackend {
  dataIdMap: { has(dataId: tf.DataId): boolean };
}

// One map of twins per backend instance: weight dataId → its transpose. A twin is freed with its weight, through
// the backend's disposeData (wrapped once per backend), as tfjs-wasm frees its own cached XNNPACK operators.
const twinsByBackend = new WeakMap<tf.KernelBackend, Map<tf.DataId, tf.TensorInfo>>();

function twinsOf(backend: tf.KernelBackend): Map<tf.DataId, tf.TensorInfo> {
  let twins = twinsByBackend.get(backend);
  if (twins !== undefined) return twins;
  const map = new Map<tf.DataId, tf.TensorInfo>();
  twins = map;
  twinsByBackend.set(backend, map);
  const wasm = backend as WasmBackendData;
  const disposeData = wasm.disposeData.bind(wasm);
  wasm.disposeData = (dataId: tf.DataId, force?: boolean) => {
    const disposed = disposeData(dataId, force);
    if (map.size > 0 && !wasm.dataIdMap.has(dataId)) {
      const twin = map.get(dataId);
      if (twin !== undefined) {
        map.delete(dataId);
        disposeData(twin.dataId, true);
      }
    }
    return disposed;
  };
  return map;
}

/** How many transposed weight copies `backend` holds now (for tests). */
export function transposedTwinCount(backend: tf.KernelBackend): number {
  return twinsByBackend.get(backend)?.size ?? 0;
}

/**
 * wasm `_FusedMatMul` (the forward pass of a dense layer) for big weight matrices, without XNNPACK's weight packing.
 *
 * The stock kernel hands the weights `W [k, n]` to XNNPACK, which packs them (a single-threaded strided copy) the
 * first time it sees each weight tensor: 130–180 ms for a 6272 × 1024 matrix on a 2-core Zen 3 VM, against ~35 ms
 * for the product itself. In training every step brings fresh weights, so every step pays it. This kernel instead
 * computes `yᵀ = Wᵀ · xᵀ`, where XNNPACK packs only the small `xᵀ [k, m]`, from a transposed copy of `W` made once
 * per weight tensor (kept until the weight is disposed). Bias and relu / relu6 are applied on the way back to
 * `[m, n]`; other activations, prelu weights, transposed operands, batched products, small weights and many rows
 * take the stock kernel.
 */
export function fusedMatMulWithTransposedWeights(
  makeHost: (backend: tf.KernelBackend, overrides: KernelOverrides) => KernelHost,
  options: Partial<TransposedWeightsOptions> = {},
): TrainingKernel {
  const { minWeightSize, maxRows } = { ...defaultOptions, ...options };
  return {
    kernelName: tf._FusedMatMul,
    create(stock) {
      const original = stockOrThrow(stock, tf._FusedMatMul, 'wasm', 'no stock kernel');
      const stockBatchMatMul = stock[tf.BatchMatMul]?.kernelFunc ?? tf.getKernel(tf.BatchMatMul, 'wasm')?.kernelFunc;
      if (stockBatchMatMul === undefined) return original;
      const overrides = { [tf.BatchMatMul]: stockBatchMatMul };
      return (args: KernelArgs) => {
        const { a, b, bias, preluActivationWeights } = args.inputs as Record<string, tf.TensorInfo | undefined>;
        const attrs = args.attrs as unknown as FusedMatMulAttrs;
        const activation = attrs.activation ?? 'linear';
        if (
          a === undefined ||
          b === undefined ||
          a.dtype !== 'float32' ||
          b.dtype !== 'float32' ||
          attrs.transposeA ||
          attrs.transposeB ||
          preluActivationWeights != null ||
          !(activation === 'linear' || activation === 'relu' || activation === 'relu6') ||
          !isSingleMatrix(a.shape) ||
          !isSingleMatrix(b.shape)
        ) {
          return original(args);
        }
        const m = a.shape[a.shape.length - 2]!;
        const k = a.shape[a.shape.length - 1]!;
        const n = b.shape[b.shape.length - 1]!;
        const biasSize = bias == null ? 0 : tf.util.sizeFromShape(bias.shape);
        if (
          b.shape[b.shape.length - 2] !== k ||
          k * n < minWeightSize ||
          m > maxRows ||
          m >= n ||
          (bias != null && (bias.dtype !== 'float32' || bias.shape.length !== 1 || (biasSize !== n && biasSize !== 1)))
        ) {
          return original(args);
        }
        const backend = args.backend as tf.KernelBackend;
        const host = makeHost(backend, overrides);
        const twins = twinsOf(backend);
        let twin = twins.get(b.dataId);
        if (twin === undefined) {
          twin = host.allocate([1, n, k]);
          transpose2d(host.view(b), k, n, host.view(twin));
          twins.set(b.dataId, twin);
        }
        const xT = host.allocate([1, k, m]);
        transpose2d(host.view(a), m, k, host.view(xT));
        const yT = host.run(tf.BatchMatMul, { a: twin, b: xT }, { transposeA: false, transposeB: false });
        host.free(xT);
        const outShape = [...(a.shape.length >= b.shape.length ? a.shape : b.shape).slice(0, -2), m, n];
        const out = host.allocate(outShape);
        const y = host.view(out);
        transpose2d(host.view(yT), n, m, y);
        host.free(yT);
        if (bias != null) addRowVector(y, m, n, host.view(bias));
        if (activation === 'relu') clamp(y, 0, Infinity);
        else if (activation === 'relu6') clamp(y, 0, 6);
        return out;
      };
    },
  };
}

/** `y[i, j] += v[j]` for a row-major `m × n` matrix (a single value broadcasts). */
function addRowVector(y: Float32Array, m: number, n: number, v: Float32Array): void {
  if (v.length === 1) {
    const value = v[0]!;
    for (let i = 0; i < y.length; i++) y[i] = y[i]! + value;
    return;
  }
  for (let i = 0; i < m; i++) {
    const row = i * n;
    for (let j = 0; j < n; j++) y[row + j] = y[row + j]! + v[j]!;
  }
}

function clamp(y: Float32Array, min: number, max: number): void {
  for (let i = 0; i < y.length; i++) {
    const value = y[i]!;
    y[i] = value < min ? min : value > max ? max : value;
  }
}
