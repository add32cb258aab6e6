import * as tf from '@tensorflow/tfjs-core';
import { type Gemm, gemmFor } from '../wasm/gemm.js';
import { asWasm, float32View, type TfjsWasmBackend } from '../wasm/internals.js';
import { simdKernelsFor } from '../wasm/simd.js';
import { transpose2d } from './algorithms/transpose.js';
import { type KernelHost, wasmKernelHost } from './kernel-host.js';
import { type KernelArgs, type StockKernels, type Strategy, strategyKernel } from './training-kernel.js';

// Matrix products on wasm: BatchMatMul (the gradients of a dense layer) and _FusedMatMul (its forward pass). Both run
// on the package's WebAssembly SIMD product (wasm/gemm.ts), a transposed operand being a swap of two strides; without
// WebAssembly SIMD they keep the XNNPACK-era strategies below, which feed tfjs's XNNPACK product what it runs well.
// The bias-and-activation pass after a product is shared with FusedConv2D (conv.ts).

/** A product's operands and attributes, as its strategies see them. */
export interface ProductCall {
  backend: TfjsWasmBackend;
  gemm: Gemm | null;
  a: tf.TensorInfo;
  b: tf.TensorInfo;
  transposeA: boolean;
  transposeB: boolean;
  /** How the SIMD product runs it; `null` where it cannot. */
  plan: ProductPlan | null;
  /** The stock BatchMatMul (XNNPACK), which the no-SIMD strategies call. */
  stockBatchMatMul: tf.KernelFunc | undefined;
}

/** A `_FusedMatMul`, as its strategies see it. */
export interface FusedProductCall extends ProductCall {
  bias: tf.TensorInfo | undefined;
  prelu: boolean;
  activation: string;
  alpha: number;
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

function runPlan(gemm: Gemm, backend: TfjsWasmBackend, plan: ProductPlan, a: tf.TensorInfo, b: tf.TensorInfo) {
  const out = backend.makeOutput(plan.outShape, 'float32');
  const aBase = backend.getMemoryOffset(a.dataId);
  const bBase = backend.getMemoryOffset(b.dataId);
  const cBase = backend.getMemoryOffset(out.dataId);
  const { m, n, k, rsA, csA, rsB, csB } = plan;
  for (let i = 0; i < plan.batch; i++) {
    const aAt = aBase + i * plan.aStep;
    const bAt = bBase + i * plan.bStep;
    gemm.run(m, n, k, aAt, rsA, csA, bAt, rsB, csB, cBase + i * m * n * 4, n * 4, false);
  }
  return out;
}

function readProduct(args: KernelArgs, stock: StockKernels): ProductCall | string {
  const { a, b } = args.inputs as Record<string, tf.TensorInfo | undefined>;
  if (a === undefined || b === undefined) return 'missing inputs';
  const { transposeA, transposeB } = args.attrs as unknown as { transposeA: boolean; transposeB: boolean };
  const backend = asWasm(args.backend);
  const gemm = gemmFor(backend);
  return {
    backend,
    gemm,
    a,
    b,
    transposeA,
    transposeB,
    plan: gemm === null ? null : planProduct(a, b, transposeA, transposeB),
    stockBatchMatMul: stock[tf.BatchMatMul]?.kernelFunc,
  };
}

// ---- BatchMatMul ----

const productByGemm: Strategy<ProductCall> = {
  name: 'the SIMD product, transposes as strides, on every thread the heap has',
  applies: (c) => c.plan !== null,
  run: (c) => runPlan(c.gemm!, c.backend, c.plan!, c.a, c.b),
};

const productWithoutTransposes: Strategy<ProductCall> = {
  name: "transposes materialized, so that XNNPACK's plain product runs (no WebAssembly SIMD)",
  applies: (c) =>
    (c.transposeA || c.transposeB) &&
    c.a.dtype === 'float32' &&
    c.b.dtype === 'float32' &&
    isSingleMatrix(c.a.shape) &&
    isSingleMatrix(c.b.shape) &&
    c.stockBatchMatMul !== undefined,
  run: (c) => matMulWithoutTransposes(wasmKernelHost(c.backend, { [tf.BatchMatMul]: c.stockBatchMatMul! }), c),
};

/** Whether `shape` is one matrix: rank ≥ 2 with every leading dimension 1. */
function isSingleMatrix(shape: readonly number[]): boolean {
  return shape.length >= 2 && shape.slice(0, -2).every((d) => d === 1);
}

/**
 * `op(a) · op(b)` of single matrices through the backend's plain (no-transpose) product: on wasm only that case
 * reaches XNNPACK; with a transpose it takes a scalar loop. Picks the cheaper of two equivalent forms:
 * - transpose the operands that need it, then `op(a) · op(b)`;
 * - compute `cᵀ = op(b)ᵀ · op(a)ᵀ` (which needs the transposes the first form does not), then transpose `cᵀ`.
 * The plain product also repacks its right operand each call, so that is counted too.
 */
function matMulWithoutTransposes(
  host: KernelHost,
  { a, b, transposeA, transposeB }: { a: tf.TensorInfo; b: tf.TensorInfo; transposeA: boolean; transposeB: boolean },
): tf.TensorInfo {
  const aRows = a.shape[a.shape.length - 2]!;
  const aCols = a.shape[a.shape.length - 1]!;
  const bRows = b.shape[b.shape.length - 2]!;
  const bCols = b.shape[b.shape.length - 1]!;
  const m = transposeA ? aCols : aRows;
  const n = transposeB ? bRows : bCols;
  const sizeA = aRows * aCols;
  const sizeB = bRows * bCols;
  const outShape = [...(a.shape.length >= b.shape.length ? a.shape : b.shape).slice(0, -2), m, n];

  const direct = (transposeA ? sizeA : 0) + (transposeB ? sizeB : 0) + sizeB;
  const swapped = (transposeA ? 0 : sizeA) + (transposeB ? 0 : sizeB) + m * n + sizeA;

  const asIs = (x: tf.TensorInfo, rows: number, cols: number) => ({
    info: host.reshape(x, [1, rows, cols]),
    owned: false,
  });
  const transposed = (x: tf.TensorInfo, rows: number, cols: number) => {
    const t = host.allocate([1, cols, rows]);
    transpose2d(host.view(x), rows, cols, host.view(t));
    return { info: t, owned: true };
  };
  const plain = { transposeA: false, transposeB: false };

  if (direct <= swapped) {
    const left = transposeA ? transposed(a, aRows, aCols) : asIs(a, aRows, aCols);
    const right = transposeB ? transposed(b, bRows, bCols) : asIs(b, bRows, bCols);
    const product = host.run(tf.BatchMatMul, { a: left.info, b: right.info }, plain);
    if (left.owned) host.free(left.info);
    if (right.owned) host.free(right.info);
    return host.reshape(product, outShape);
  }
  // cᵀ = op(b)ᵀ · op(a)ᵀ; op(b)ᵀ is b itself when transposeB, op(a)ᵀ is a itself when transposeA.
  const left = transposeB ? asIs(b, bRows, bCols) : transposed(b, bRows, bCols);
  const right = transposeA ? asIs(a, aRows, aCols) : transposed(a, aRows, aCols);
  const productT = host.run(tf.BatchMatMul, { a: left.info, b: right.info }, plain);
  if (left.owned) host.free(left.info);
  if (right.owned) host.free(right.info);
  const product = host.allocate(outShape);
  transpose2d(host.view(productT), n, m, host.view(product));
  host.free(productT);
  return product;
}

// ---- _FusedMatMul ----

function readFusedProduct(args: KernelArgs, stock: StockKernels): FusedProductCall | string {
  const product = readProduct(args, stock);
  if (typeof product === 'string') return product;
  const { bias, preluActivationWeights } = args.inputs as Record<string, tf.TensorInfo | undefined>;
  const attrs = args.attrs as unknown as { activation?: string; leakyreluAlpha?: number };
  return {
    ...product,
    bias: bias ?? undefined,
    prelu: preluActivationWeights != null,
    activation: attrs.activation ?? 'linear',
    alpha: attrs.leakyreluAlpha ?? 0.2,
  };
}

const fusedByGemm: Strategy<FusedProductCall> = {
  name: 'the SIMD product, then bias and activation in one pass',
  applies: (c) => {
    if (c.plan === null || c.prelu || !fusedActivations.includes(c.activation)) return false;
    if (c.bias === undefined) return true;
    const biasSize = tf.util.sizeFromShape(c.bias.shape);
    const outSize = tf.util.sizeFromShape(c.plan.outShape);
    const perColumn = biasSize === c.plan.n && c.bias.shape[c.bias.shape.length - 1] === c.plan.n;
    return c.bias.dtype === 'float32' && (biasSize === 1 || biasSize === outSize || perColumn);
  },
  run: (c) => {
    const out = runPlan(c.gemm!, c.backend, c.plan!, c.a, c.b);
    epilogue(c.backend, out, c.plan!.n, c.bias, c.activation, c.alpha);
    return out;
  },
};

/** Options of {@link transposedWeights}. */
export interface TransposedWeightsOptions {
  /** Weights (right operands) with fewer values keep the stock kernel: their packing is cheap. */
  minWeightSize: number;
  /** Products with more rows than this keep the stock kernel (the swapped form repacks the rows on every call). */
  maxRows: number;
}

const transposedWeightsDefaults: TransposedWeightsOptions = { minWeightSize: 1 << 18, maxRows: 256 };

/**
 * A dense layer's forward pass for big weight matrices without XNNPACK's weight packing (no WebAssembly SIMD).
 *
 * The stock kernel hands the weights `W [k, n]` to XNNPACK, which packs them (a single-threaded strided copy) the
 * first time it sees each weight tensor; for a big dense layer (6272 × 1024) that copy takes several times as long
 * as the product itself (bench/RESULTS.md). In training every step brings fresh weights, so every step pays it.
 * This strategy instead computes `yᵀ = Wᵀ · xᵀ`, where XNNPACK packs only the small `xᵀ [k, m]`, from a transposed
 * copy of `W` made once per weight tensor (kept until the weight is disposed). Linear, relu and relu6 with a bias of one value or one per
 * column; untransposed single matrices only, big weights and few rows.
 */
export function transposedWeights(options: Partial<TransposedWeightsOptions> = {}): Strategy<FusedProductCall> {
  const { minWeightSize, maxRows } = { ...transposedWeightsDefaults, ...options };
  return {
    name: 'yᵀ = Wᵀ · xᵀ through XNNPACK from a transposed copy of W kept per weight (no WebAssembly SIMD)',
    applies: ({ a, b, bias, ...c }) => {
      if (
        a.dtype !== 'float32' ||
        b.dtype !== 'float32' ||
        c.transposeA ||
        c.transposeB ||
        c.prelu ||
        !(c.activation === 'linear' || c.activation === 'relu' || c.activation === 'relu6') ||
        !isSingleMatrix(a.shape) ||
        !isSingleMatrix(b.shape) ||
        c.stockBatchMatMul === undefined
      ) {
        return false;
      }
      const m = a.shape[a.shape.length - 2]!;
      const k = a.shape[a.shape.length - 1]!;
      const n = b.shape[b.shape.length - 1]!;
      const biasSize = bias === undefined ? 0 : tf.util.sizeFromShape(bias.shape);
      return (
        b.shape[b.shape.length - 2] === k &&
        k * n >= minWeightSize &&
        m <= maxRows &&
        m < n &&
        (bias === undefined ||
          (bias.dtype === 'float32' && bias.shape.length === 1 && (biasSize === n || biasSize === 1)))
      );
    },
    run: ({ backend, a, b, bias, activation, alpha, stockBatchMatMul }) => {
      const host = wasmKernelHost(backend, { [tf.BatchMatMul]: stockBatchMatMul! });
      const m = a.shape[a.shape.length - 2]!;
      const k = a.shape[a.shape.length - 1]!;
      const n = b.shape[b.shape.length - 1]!;
      const twins = twinsOf(backend);
      // A reshape shares its tensor's data: where the copy kept for this data has another shape, this product takes
      // a copy of its own, freed after it.
      const kept = twins.get(b.dataId);
      let twin = kept;
      if (twin === undefined || twin.shape[1] !== n || twin.shape[2] !== k) {
        twin = host.allocate([1, n, k]);
        transpose2d(host.view(b), k, n, host.view(twin));
        if (kept === undefined) twins.set(b.dataId, twin);
      }
      const xT = host.allocate([1, k, m]);
      transpose2d(host.view(a), m, k, host.view(xT));
      const yT = host.run(tf.BatchMatMul, { a: twin, b: xT }, { transposeA: false, transposeB: false });
      host.free(xT);
      if (kept !== undefined && twin !== kept) host.free(twin);
      const out = host.allocate([...(a.shape.length >= b.shape.length ? a.shape : b.shape).slice(0, -2), m, n]);
      transpose2d(host.view(yT), n, m, host.view(out));
      host.free(yT);
      epilogue(backend, out, n, bias, activation, alpha);
      return out;
    },
  };
}

// One map of twins per backend instance: weight dataId → its transpose. A twin is freed with its weight, through
// the backend's disposeData (wrapped once per backend), as tfjs-wasm frees its own cached XNNPACK operators.
const twinsByBackend = new WeakMap<tf.KernelBackend, Map<tf.DataId, tf.TensorInfo>>();

function twinsOf(backend: TfjsWasmBackend): Map<tf.DataId, tf.TensorInfo> {
  let twins = twinsByBackend.get(backend);
  if (twins !== undefined) return twins;
  const map = new Map<tf.DataId, tf.TensorInfo>();
  twins = map;
  twinsByBackend.set(backend, map);
  const disposeData = backend.disposeData.bind(backend);
  backend.disposeData = (dataId: tf.DataId, force?: boolean) => {
    const disposed = disposeData(dataId, force);
    if (map.size > 0 && !backend.dataIdMap.has(dataId)) {
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

/** The strategies of wasm `_FusedMatMul`, in order; prelu, other activations and bias shapes: stock. */
const fusedMatMulStrategies: readonly Strategy<FusedProductCall>[] = [fusedByGemm, transposedWeights()];

/** wasm `_FusedMatMul` by `strategies` ({@link fusedMatMulStrategies} when registered). */
export function fusedMatMulKernel(strategies: readonly Strategy<FusedProductCall>[] = fusedMatMulStrategies) {
  return strategyKernel({ kernelName: tf._FusedMatMul, backendName: 'wasm', read: readFusedProduct, strategies });
}

export const wasmFusedMatMul = fusedMatMulKernel();

// ---- BatchMatMul, continued: its strategies, which include the dense-layer one above ----

/**
 * {@link transposedWeights} for `BatchMatMul`: a dense layer's forward product without its bias and activation, as
 * `@gan/layers`' `Dense` runs it while a gradient is recorded.
 */
export function transposedWeightsProduct(options: Partial<TransposedWeightsOptions> = {}): Strategy<ProductCall> {
  const fused = transposedWeights(options);
  const lift = (c: ProductCall): FusedProductCall => ({
    ...c,
    bias: undefined,
    prelu: false,
    activation: 'linear',
    alpha: 0,
  });
  return { name: fused.name, applies: (c) => fused.applies(lift(c)), run: (c) => fused.run(lift(c)) };
}

/**
 * The strategies of wasm `BatchMatMul`, in order (the last two for heaps without WebAssembly SIMD); batch broadcasts
 * other than one matrix against many: stock.
 */
const batchMatMulStrategies = (): readonly Strategy<ProductCall>[] => [
  productByGemm,
  transposedWeightsProduct(),
  productWithoutTransposes,
];

/** wasm `BatchMatMul` by `strategies` ({@link batchMatMulStrategies} when registered). */
export function batchMatMulKernel(strategies: readonly Strategy<ProductCall>[] = batchMatMulStrategies()) {
  return strategyKernel({ kernelName: tf.BatchMatMul, backendName: 'wasm', read: readProduct, strategies });
}

export const wasmBatchMatMul = batchMatMulKernel();

// ---- Bias and activation after a product (_FusedMatMul, FusedConv2D) ----

/** The activations applied here after a product. */
export const fusedActivations = ['linear', 'relu', 'relu6', 'leakyrelu', 'sigmoid'];

/** Whether {@link epilogue} takes `bias` for an output of `n` channels: float32, one value or one per channel. */
export function isChannelBias(bias: tf.TensorInfo, n: number): boolean {
  const size = tf.util.sizeFromShape(bias.shape);
  return bias.dtype === 'float32' && (size === 1 || size === n);
}

/** `out` (rows of `n` values on the heap) plus `bias`, then `activation`, in place. */
export function epilogue(
  backend: TfjsWasmBackend,
  out: tf.TensorInfo,
  n: number,
  bias: tf.TensorInfo | undefined,
  activation: string,
  alpha: number,
): void {
  if (bias !== undefined) addBias(backend, out, n, bias);
  applyActivation(float32View(backend, out), activation, alpha);
}

/** `y += bias`, the bias one value, one per column (of `n`; by SIMD when `n` is a multiple of 4), or one per value. */
function addBias(backend: TfjsWasmBackend, out: tf.TensorInfo, n: number, biasInfo: tf.TensorInfo): void {
  const y = float32View(backend, out);
  const bias = float32View(backend, biasInfo);
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
      y[i] = Math.min(Math.max(y[i]!, 0), 6);
    }
  } else if (activation === 'leakyrelu') {
    for (let i = 0; i < y.length; i++) if (y[i]! < 0) y[i] = alpha * y[i]!;
  } else if (activation === 'sigmoid') {
    for (let i = 0; i < y.length; i++) y[i] = 1 / (1 + Math.exp(-y[i]!));
  }
}
