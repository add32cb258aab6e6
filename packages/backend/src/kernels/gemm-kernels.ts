import * as tf from '@tensorflow/tfjs-core';
import { type Gemm, gemmFor } from '../wasm/gemm.js';
import { type ConvShape, geometryOf } from './algorithms/im2col.js';
import { conv2dByGemm } from './gemm-conv.js';
import { wasmKernelHost } from './kernel-host.js';
import { simdKernelsFor } from '../wasm/simd.js';
import { type KernelArgs, type StockKernels, stockOrThrow, type TrainingKernel } from './kernel-types.js';

interface WasmBackendData extends tf.KernelBackend {
  makeOutput(shape: number[], dtype: tf.DataType): tf.TensorInfo;
  typedArrayFromHeap(info: tf.TensorInfo): Float32Array;
  getMemoryOffset(dataId: tf.DataId): number;
}

/** A matrix product's operands, read off `BatchMatMul` / `_FusedMatMul` inputs, or `null` if not handled here. */
interface ProductPlan {
  m: number;
  n: number;
  k: number;
  batch: number;
  /** Per output matrix: the byte offset of its A and B matrices from the tensors' starts. */
  aStep: number;
  bStep: number;
  rsA: number;
  csA: number;
  rsB: number;
  csB: number;
  outShape: number[];
}

function planProduct(a: tf.TensorInfo, b: tf.TensorInfo, transposeA: boolean, transposeB: boolean): ProductPlan | null {
  if (a.dtype !== 'float32' || b.dtype !== 'float32' || a.shape.length < 2 || b.shape.length < 2) return null;
  const aRows = a.shape[a.shape.length - 2]!;
  const aCols = a.shape[a.shape.length - 1]!;
  const bRows = b.shape[b.shape.length - 2]!;
  const bCols = b.shape[b.shape.length - 1]!;
  const m = transposeA ? aCols : aRows;
  const k = transposeA ? aRows : aCols;
  const n = transposeB ? bRows : bCols;
  if ((transposeB ? bCols : bRows) !== k) return null; // the stock kernel says what is wrong
  const aBatchShape = a.shape.slice(0, -2);
  const bBatchShape = b.shape.slice(0, -2);
  let outBatchShape: number[];
  try {
    outBatchShape = tf.broadcast_util.assertAndGetBroadcastShape(aBatchShape, bBatchShape);
  } catch {
    return null;
  }
  const batch = tf.util.sizeFromShape(outBatchShape);
  const aBatch = tf.util.sizeFromShape(aBatchShape);
  const bBatch = tf.util.sizeFromShape(bBatchShape);
  // Only a batch that is one matrix or the whole output batch maps to matrix i simply; other broadcasts: stock.
  if ((aBatch !== 1 && aBatch !== batch) || (bBatch !== 1 && bBatch !== batch)) return null;
  return {
    m,
    n,
    k,
    batch,
    aStep: aBatch === 1 ? 0 : aRows * aCols * 4,
    bStep: bBatch === 1 ? 0 : bRows * bCols * 4,
    rsA: transposeA ? 4 : aCols * 4,
    csA: transposeA ? aCols * 4 : 4,
    rsB: transposeB ? 4 : bCols * 4,
    csB: transposeB ? bCols * 4 : 4,
    outShape: [...outBatchShape, m, n],
  };
}

function runPlan(gemm: Gemm, backend: WasmBackendData, plan: ProductPlan, a: tf.TensorInfo, b: tf.TensorInfo) {
  const out = backend.makeOutput(plan.outShape, 'float32');
  const aBase = backend.getMemoryOffset(a.dataId);
  const bBase = backend.getMemoryOffset(b.dataId);
  const cBase = backend.getMemoryOffset(out.dataId);
  const { m, n, k } = plan;
  for (let i = 0; i < plan.batch; i++) {
    gemm.run(
      m,
      n,
      k,
      aBase + i * plan.aStep,
      plan.rsA,
      plan.csA,
      bBase + i * plan.bStep,
      plan.rsB,
      plan.csB,
      cBase + i * m * n * 4,
      n * 4,
      false,
    );
  }
  return out;
}

/**
 * wasm `BatchMatMul` as the blocked WebAssembly SIMD product of `gemm.ts`, transposes included (they are strides
 * there), on every thread the heap has. Falls back to `fallback` (the transposing XNNPACK kernel) for other
 * dtypes, batch broadcasts other than one matrix against many, and engines without WebAssembly SIMD.
 */
export function gemmBatchMatMul(fallback: TrainingKernel): TrainingKernel {
  return {
    kernelName: tf.BatchMatMul,
    create(stock: StockKernels) {
      const previous = fallback.create(stock);
      return (args: KernelArgs) => {
        const { a, b } = args.inputs as { a: tf.TensorInfo; b: tf.TensorInfo };
        const { transposeA, transposeB } = args.attrs as unknown as { transposeA: boolean; transposeB: boolean };
        const backend = args.backend as WasmBackendData;
        const gemm = gemmFor(backend);
        const plan = gemm === null ? null : planProduct(a, b, transposeA, transposeB);
        if (gemm === null || plan === null) return previous(args);
        return runPlan(gemm, backend, plan, a, b);
      };
    },
  };
}

/** The activations the fused kernels here apply themselves. */
const fusedActivations = ['linear', 'relu', 'relu6', 'leakyrelu', 'sigmoid'];

/** Attributes of `_FusedMatMul`. */
interface FusedMatMulAttrs {
  transposeA: boolean;
  transposeB: boolean;
  activation?: string;
  leakyreluAlpha?: number;
}

/**
 * wasm `_FusedMatMul` (a dense layer's forward pass) as the WebAssembly SIMD product, then bias and activation in
 * one pass over the output. Linear, relu, relu6, leakyrelu and sigmoid, a bias of one value, of one value per
 * column, or of the output's size; other activations, prelu and other broadcasts go to `fallback`.
 */
export function gemmFusedMatMul(fallback: TrainingKernel): TrainingKernel {
  return {
    kernelName: tf._FusedMatMul,
    create(stock: StockKernels) {
      const previous = fallback.create(stock);
      return (args: KernelArgs) => {
        const { a, b, bias, preluActivationWeights } = args.inputs as Record<string, tf.TensorInfo | undefined>;
        const attrs = args.attrs as unknown as FusedMatMulAttrs;
        const activation = attrs.activation ?? 'linear';
        const backend = args.backend as WasmBackendData;
        const gemm = gemmFor(backend);
        if (
          gemm === null ||
          a === undefined ||
          b === undefined ||
          preluActivationWeights != null ||
          !fusedActivations.includes(activation)
        ) {
          return previous(args);
        }
        const plan = planProduct(a, b, attrs.transposeA, attrs.transposeB);
        if (plan === null) return previous(args);
        const outSize = tf.util.sizeFromShape(plan.outShape);
        const biasSize = bias == null ? 0 : tf.util.sizeFromShape(bias.shape);
        if (
          bias != null &&
          (bias.dtype !== 'float32' ||
            !(
              biasSize === 1 ||
              biasSize === outSize ||
              (biasSize === plan.n && bias.shape[bias.shape.length - 1] === plan.n)
            ))
        ) {
          return previous(args);
        }
        const out = runPlan(gemm, backend, plan, a, b);
        if (bias != null) addBias(backend, out, plan.n, bias);
        const y = backend.typedArrayFromHeap(out);
        applyActivation(y, activation, attrs.leakyreluAlpha ?? 0.2);
        return out;
      };
    },
  };
}

/** `y += bias`, the bias one value, one per column (of `n`; by SIMD when `n` is a multiple of 4), or one per value. */
function addBias(backend: WasmBackendData, out: tf.TensorInfo, n: number, biasInfo: tf.TensorInfo): void {
  const y = backend.typedArrayFromHeap(out);
  const bias = backend.typedArrayFromHeap(biasInfo);
  const simd = bias.length === n && n % 4 === 0 ? simdKernelsFor(backend) : null;
  if (simd !== null) {
    const offset = backend.getMemoryOffset(out.dataId);
    simd.addChannels(offset, offset, y.length, n, backend.getMemoryOffset(biasInfo.dataId));
  } else if (bias.length === 1) {
    const value = bias[0]!;
    for (let i = 0; i < y.length; i++) y[i] = y[i]! + value;
  } else if (bias.length === y.length) {
    for (let i = 0; i < y.length; i++) y[i] = y[i]! + bias[i]!;
  } else {
    for (let row = 0; row < y.length; row += n) {
      for (let j = 0; j < n; j++) y[row + j] = y[row + j]! + bias[j]!;
    }
  }
}

function applyActivation(y: Float32Array, activation: string, alpha: number): void {
  if (activation === 'relu') {
    for (let i = 0; i < y.length; i++) if (y[i]! < 0) y[i] = 0;
  } else if (activation === 'relu6') {
    for (let i = 0; i < y.length; i++) {
      const v = y[i]!;
      y[i] = v < 0 ? 0 : v > 6 ? 6 : v;
    }
  } else if (activation === 'leakyrelu') {
    for (let i = 0; i < y.length; i++) if (y[i]! < 0) y[i] = alpha * y[i]!;
  } else if (activation === 'sigmoid') {
    for (let i = 0; i < y.length; i++) y[i] = 1 / (1 + Math.exp(-y[i]!));
  }
}

/** Attributes of `Conv2D` and `FusedConv2D`. */
interface Conv2DAttrs {
  strides: [number, number] | number;
  pad: 'valid' | 'same' | number | tf.backend_util.ExplicitPadding;
  dataFormat?: 'NHWC' | 'NCHW';
  dilations?: [number, number] | number;
  dimRoundingMode?: 'floor' | 'round' | 'ceil';
  activation?: string;
  leakyreluAlpha?: number;
}

/** Convolutions with fewer filter taps × input channels than this keep XNNPACK (im2col would dominate). */
const minGemmConvTaps = 64;

function convShapeOf(x: tf.TensorInfo, filter: tf.TensorInfo, attrs: Conv2DAttrs): ConvShape | null {
  if (x.dtype !== 'float32' || filter.dtype !== 'float32' || x.shape.length !== 4 || filter.shape.length !== 4) {
    return null;
  }
  if (attrs.dataFormat !== undefined && attrs.dataFormat !== 'NHWC') return null;
  let info: tf.backend_util.Conv2DInfo;
  try {
    info = tf.backend_util.computeConv2DInfo(
      x.shape as [number, number, number, number],
      filter.shape as [number, number, number, number],
      attrs.strides,
      attrs.dilations ?? 1,
      attrs.pad,
      attrs.dimRoundingMode,
      false,
      'channelsLast',
    );
  } catch {
    return null; // the stock kernel reports the problem
  }
  if (info.inChannels !== filter.shape[2] || info.filterHeight * info.filterWidth * info.inChannels < minGemmConvTaps) {
    return null;
  }
  return { ...geometryOf(info), dilationHeight: info.dilationHeight, dilationWidth: info.dilationWidth };
}

/**
 * wasm `Conv2D` and `FusedConv2D` (NHWC, any stride, dilation and padding) as im2col and the WebAssembly SIMD
 * product, bias and activation applied in one pass after it (fused: linear, relu, relu6, leakyrelu, sigmoid).
 * Small filters (under {@link minGemmConvTaps} taps × channels), NCHW, prelu and other dtypes keep the stock
 * (XNNPACK) kernel.
 */
export function gemmConv2D(kernelName: typeof tf.Conv2D | typeof tf.FusedConv2D): TrainingKernel {
  return {
    kernelName,
    create(stock: StockKernels) {
      const original = stockOrThrow(stock, kernelName, 'wasm', 'no stock kernel');
      return (args: KernelArgs) => {
        const { x, filter, bias, preluActivationWeights } = args.inputs as Record<string, tf.TensorInfo | undefined>;
        const attrs = args.attrs as unknown as Conv2DAttrs;
        const activation = attrs.activation ?? 'linear';
        const backend = args.backend as WasmBackendData;
        const gemm = gemmFor(backend);
        const shape = gemm === null || x === undefined || filter === undefined ? null : convShapeOf(x, filter, attrs);
        const biasSize = bias == null ? 0 : tf.util.sizeFromShape(bias.shape);
        if (
          shape === null ||
          preluActivationWeights != null ||
          !fusedActivations.includes(activation) ||
          (bias != null && (bias.dtype !== 'float32' || (biasSize !== 1 && biasSize !== shape.outChannels)))
        ) {
          return original(args);
        }
        const host = wasmKernelHost(backend);
        const y = conv2dByGemm(host, gemm!, (t) => backend.getMemoryOffset(t.dataId), x!, filter!, shape);
        if (bias != null) addBias(backend, y, shape.outChannels, bias);
        const values = backend.typedArrayFromHeap(y);
        applyActivation(values, activation, attrs.leakyreluAlpha ?? 0.2);
        return y;
      };
    },
  };
}
