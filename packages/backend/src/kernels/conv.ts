import * as tf from '@tensorflow/tfjs-core';
import { type Gemm, gemmFor } from '../wasm/gemm.js';
import { asWasm, type TfjsWasmBackend } from '../wasm/internals.js';
import {
  type ConvBackpropAttrs,
  type ConvGeometry,
  type ConvShape,
  col2im,
  convGeometry,
  geometryOf,
  im2col,
  isPointwise,
  undilated,
} from './algorithms/im2col.js';
import { swapOuterPair, transpose2d } from './algorithms/transpose.js';
import { cpuKernelHost, type HostFactory, type KernelHost, wasmKernelHost } from './kernel-host.js';
import { epilogue, fusedActivations, isChannelBias } from './mat-mul.js';
import {
  firstApplying,
  type KernelArgs,
  type StockKernels,
  type Strategy,
  stockOrThrow,
  strategyKernel,
  type TrainingKernel,
} from './training-kernel.js';

// 2-D convolutions: Conv2D and FusedConv2D (wasm) and both gradients, Conv2DBackpropFilter and Conv2DBackpropInput
// (wasm and cpu; the input gradient is also conv2dTranspose's forward pass). With `cols [pixels, taps]` (im2col: a
// row per output pixel, a column per filter tap and input channel) a convolution is `y = cols · W`, its filter
// gradient `dW = colsᵀ · dy` and its input gradient the scatter (col2im) of `dy · Wᵀ`. On wasm the products are the
// package's WebAssembly SIMD product (wasm/gemm.ts), transposes being strides of it; where that cannot run (no
// WebAssembly SIMD) the gradients keep the XNNPACK-era strategies below, and the forward pass tfjs's XNNPACK kernel.

// ---- Conv2D and FusedConv2D (wasm) ----

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

/** A forward convolution, as its strategies see it. */
interface ForwardCall {
  backend: TfjsWasmBackend;
  gemm: Gemm | null;
  x: tf.TensorInfo;
  filter: tf.TensorInfo;
  bias: tf.TensorInfo | undefined;
  prelu: boolean;
  activation: string;
  alpha: number;
  /** Its sizes (NHWC, float32: `readForward` leaves anything else to the stock kernel). */
  shape: ConvShape;
}

/** Convolutions with fewer filter taps × input channels than this keep XNNPACK (im2col would dominate). */
const minGemmConvTaps = 64;

const taps = (shape: ConvGeometry) => shape.filterHeight * shape.filterWidth * shape.inChannels;

function readForward(args: KernelArgs): ForwardCall | string {
  const { x, filter, bias, preluActivationWeights } = args.inputs as Record<string, tf.TensorInfo | undefined>;
  const attrs = args.attrs as unknown as Conv2DAttrs;
  if (x === undefined || filter === undefined) return 'missing inputs';
  if (x.dtype !== 'float32' || filter.dtype !== 'float32' || x.shape.length !== 4 || filter.shape.length !== 4) {
    return 'not a float32 convolution of rank 4';
  }
  if (attrs.dataFormat !== undefined && attrs.dataFormat !== 'NHWC') return 'NCHW';
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
    return 'inconsistent sizes'; // the stock kernel reports the problem
  }
  if (info.inChannels !== filter.shape[2]) return 'inconsistent channels';
  const backend = asWasm(args.backend);
  return {
    backend,
    gemm: gemmFor(backend),
    x,
    filter,
    bias: bias ?? undefined,
    prelu: preluActivationWeights != null,
    activation: attrs.activation ?? 'linear',
    alpha: attrs.leakyreluAlpha ?? 0.2,
    shape: { ...geometryOf(info), dilationHeight: info.dilationHeight, dilationWidth: info.dilationWidth },
  };
}

const forwardStrategies: readonly Strategy<ForwardCall>[] = [
  {
    name: 'im2col fused into the SIMD product, chunk by chunk, then bias and activation in one pass (≥ 64 taps × in-channels)',
    applies: (c) =>
      c.gemm !== null &&
      taps(c.shape) >= minGemmConvTaps &&
      !c.prelu &&
      fusedActivations.includes(c.activation) &&
      (c.bias === undefined || isChannelBias(c.bias, c.shape.outChannels)),
    run: (c) => {
      const y = conv2dByGemm(wasmKernelHost(c.backend), c.gemm!, c.x, c.filter, c.shape);
      epilogue(c.backend, y, c.shape.outChannels, c.bias, c.activation, c.alpha);
      return y;
    },
  },
  // Otherwise tfjs's XNNPACK kernel: smaller filters (faster there), NCHW, prelu, no WebAssembly SIMD.
];

/** wasm `Conv2D` (NHWC, any stride, dilation and padding) by {@link forwardStrategies}. */
export const wasmConv2D = strategyKernel({
  kernelName: tf.Conv2D,
  backendName: 'wasm',
  read: readForward,
  strategies: forwardStrategies,
});

/** wasm `FusedConv2D` (bias and linear, relu, relu6, leakyrelu or sigmoid) by {@link forwardStrategies}. */
export const wasmFusedConv2D = strategyKernel({
  kernelName: tf.FusedConv2D,
  backendName: 'wasm',
  read: readForward,
  strategies: forwardStrategies,
});

/**
 * `y = conv2d(x, filter)` as `cols · W` by the SIMD product: chunk by chunk with `cols` never in memory where the
 * packed filter is small enough ({@link Gemm.fuses}), else `cols` whole (a 1 × 1, stride-1 convolution
 * multiplies `x` itself).
 */
function conv2dByGemm(
  host: KernelHost,
  gemm: Gemm,
  x: tf.TensorInfo,
  filter: tf.TensorInfo,
  shape: ConvShape,
): tf.TensorInfo {
  const { batch, outHeight, outWidth, outChannels } = shape;
  const pixels = batch * outHeight * outWidth;
  const k = taps(shape);
  const y = host.allocate([batch, outHeight, outWidth, outChannels]);
  const at = host.byteOffset!;
  if (!isPointwise(shape) && gemm.fuses(outChannels, k)) {
    gemm.im2colProduct(at(x), at(filter), at(y), pixels, outChannels, shape); // cols never in memory
    return y;
  }
  const cols = isPointwise(shape) ? null : im2col(host, x, shape);
  gemm.run(
    pixels,
    outChannels,
    k,
    at(cols ?? x),
    k * 4,
    4,
    at(filter),
    outChannels * 4,
    4,
    at(y),
    outChannels * 4,
    false,
  );
  if (cols !== null) host.free(cols);
  return y;
}

// ---- Conv2DBackpropFilter and Conv2DBackpropInput (wasm, cpu) ----

/** A filter gradient, as its strategies see it. */
interface FilterGradientCall {
  host: KernelHost;
  gemm: Gemm | null;
  x: tf.TensorInfo;
  dy: tf.TensorInfo;
  geometry: ConvGeometry;
}

/** An input gradient, as its strategies see it. */
interface InputGradientCall {
  host: KernelHost;
  gemm: Gemm | null;
  dy: tf.TensorInfo;
  filter: tf.TensorInfo;
  geometry: ConvGeometry;
}

/** From this many filter taps × input channels, the no-SIMD filter gradient runs as one XNNPACK convolution. */
const convolutionFilterGradientMinTaps = 256;
/** From this many input channels, the no-SIMD input gradient runs as per-phase XNNPACK convolutions. */
const phaseInputGradientMinChannels = 8;

const filterByGemm: Strategy<FilterGradientCall> = {
  name: 'dW = colsᵀ · dy by the SIMD product',
  applies: (c) => c.gemm !== null,
  run: (c) => filterGradientByGemm(c.host, c.gemm!, c.x, c.dy, c.geometry),
};
const filterByConvolution: Strategy<FilterGradientCall> = {
  name: 'one XNNPACK convolution of x with dy as its filter (no WebAssembly SIMD, ≥ 256 taps × in-channels)',
  applies: (c) => taps(c.geometry) >= convolutionFilterGradientMinTaps,
  run: (c) => filterGradientByConvolution(c.host, c.x, c.dy, c.geometry),
};
const filterByMatMul: Strategy<FilterGradientCall> = {
  name: "dWᵀ = dyᵀ · cols by the backend's BatchMatMul",
  applies: () => true,
  run: (c) => filterGradientByMatMul(c.host, c.x, c.dy, c.geometry),
};

const inputByGemm: Strategy<InputGradientCall> = {
  name: 'dy · Wᵀ by the SIMD product, then col2im',
  applies: (c) => c.gemm !== null,
  run: (c) => inputGradientByGemm(c.host, c.gemm!, c.dy, c.filter, c.geometry),
};
const inputByPhases: Strategy<InputGradientCall> = {
  name: 'stride² stride-1 XNNPACK convolutions of dy, one per output phase (no WebAssembly SIMD, ≥ 8 in-channels)',
  applies: (c) => c.geometry.inChannels >= phaseInputGradientMinChannels && phasePlansOf(c.geometry) !== null,
  run: (c) => inputGradientByPhases(c.host, c.dy, c.filter, c.geometry)!,
};
const inputByMatMul: Strategy<InputGradientCall> = {
  name: "dy · Wᵀ by the backend's BatchMatMul, then col2im",
  applies: () => true,
  run: (c) => inputGradientByMatMul(c.host, c.dy, c.filter, c.geometry),
};

/** The strategies of the gradients, by backend, in the order they are tried. */
const filterGradientStrategies = {
  wasm: [filterByGemm, filterByConvolution, filterByMatMul],
  cpu: [filterByMatMul],
} as const;
const inputGradientStrategies = {
  wasm: [inputByGemm, inputByPhases, inputByMatMul],
  cpu: [inputByMatMul],
} as const;

/** Hosts whose BatchMatMul is the stock one, so a replaced BatchMatMul never calls back into these kernels. */
function hostMaker(makeHost: HostFactory, stock: StockKernels) {
  const overrides: Record<string, tf.KernelFunc> = {};
  if (stock[tf.BatchMatMul]) overrides[tf.BatchMatMul] = stock[tf.BatchMatMul].kernelFunc;
  return (backend: tf.KernelBackend) => makeHost(backend, overrides);
}

function nchwToNhwc(host: KernelHost, info: tf.TensorInfo): tf.TensorInfo {
  return host.run('Transpose', { x: info }, { perm: [0, 2, 3, 1] });
}

function conv2dBackpropFilter(
  backendName: 'wasm' | 'cpu',
  makeHost: HostFactory,
  strategies: readonly Strategy<FilterGradientCall>[],
): TrainingKernel {
  return {
    kernelName: tf.Conv2DBackpropFilter,
    backendName,
    create(stock) {
      const hostOf = hostMaker(makeHost, stock);
      const toStock = (args: KernelArgs, why: string) =>
        stockOrThrow(stock, tf.Conv2DBackpropFilter, backendName, why)(args) as tf.TensorInfo;
      const kernelFunc = (args: KernelArgs): tf.TensorInfo => {
        const { x, dy } = args.inputs as { x: tf.TensorInfo; dy: tf.TensorInfo };
        const attrs = args.attrs as unknown as ConvBackpropAttrs & { filterShape: number[] };
        const host = hostOf(args.backend as tf.KernelBackend);
        if (x.dtype !== 'float32' || dy.dtype !== 'float32') return toStock(args, 'inputs are not float32');
        if (attrs.dataFormat === 'NCHW') {
          const xNhwc = nchwToNhwc(host, x);
          const dyNhwc = nchwToNhwc(host, dy);
          const result = kernelFunc({
            inputs: { x: xNhwc, dy: dyNhwc },
            attrs: { ...attrs, dataFormat: 'NHWC' } as unknown as tf.NamedAttrMap,
            backend: args.backend,
          });
          host.free(xNhwc);
          host.free(dyNhwc);
          return result;
        }
        const geometry = convGeometry(x.shape, attrs.filterShape, dy.shape, attrs);
        if (geometry === null) return toStock(args, 'unsupported layout or shapes');
        const call = { host, gemm: gemmFor(host.backend), x, dy, geometry };
        const strategy = firstApplying(strategies, call);
        return strategy === undefined ? toStock(args, 'no strategy applies') : strategy.run(call);
      };
      return kernelFunc;
    },
  };
}

function conv2dBackpropInput(
  backendName: 'wasm' | 'cpu',
  makeHost: HostFactory,
  strategies: readonly Strategy<InputGradientCall>[],
): TrainingKernel {
  return {
    kernelName: tf.Conv2DBackpropInput,
    backendName,
    create(stock) {
      const hostOf = hostMaker(makeHost, stock);
      const toStock = (args: KernelArgs, why: string) =>
        stockOrThrow(stock, tf.Conv2DBackpropInput, backendName, why)(args) as tf.TensorInfo;
      const kernelFunc = (args: KernelArgs): tf.TensorInfo => {
        const { dy, filter } = args.inputs as { dy: tf.TensorInfo; filter: tf.TensorInfo };
        const attrs = args.attrs as unknown as ConvBackpropAttrs & { inputShape: number[] };
        const host = hostOf(args.backend as tf.KernelBackend);
        const float32 = dy.dtype === 'float32' && filter.dtype === 'float32';
        if (attrs.dataFormat === 'NCHW' && float32) {
          const [batch, channels, height, width] = attrs.inputShape;
          const dyNhwc = nchwToNhwc(host, dy);
          const dxNhwc = kernelFunc({
            inputs: { dy: dyNhwc, filter },
            attrs: {
              ...attrs,
              dataFormat: 'NHWC',
              inputShape: [batch, height, width, channels],
            } as unknown as tf.NamedAttrMap,
            backend: args.backend,
          });
          host.free(dyNhwc);
          const dx = host.run('Transpose', { x: dxNhwc }, { perm: [0, 3, 1, 2] });
          host.free(dxNhwc);
          return dx;
        }
        const geometry = float32 ? convGeometry(attrs.inputShape, filter.shape, dy.shape, attrs) : null;
        if (geometry === null) return toStock(args, 'unsupported layout or shapes');
        const call = { host, gemm: gemmFor(host.backend), dy, filter, geometry };
        const strategy = firstApplying(strategies, call);
        return strategy === undefined ? toStock(args, 'no strategy applies') : strategy.run(call);
      };
      return kernelFunc;
    },
  };
}

/** wasm `Conv2DBackpropFilter` (the stock backend has none) by {@link filterGradientStrategies}. */
export const wasmConv2DBackpropFilter = conv2dBackpropFilter('wasm', wasmKernelHost, filterGradientStrategies.wasm);
/** cpu `Conv2DBackpropFilter` (a naive 7-deep loop in tfjs) as im2col and the cpu matrix product. */
export const cpuConv2DBackpropFilter = conv2dBackpropFilter('cpu', cpuKernelHost, filterGradientStrategies.cpu);
/** wasm `Conv2DBackpropInput` (a scalar loop in tfjs) by {@link inputGradientStrategies}. */
export const wasmConv2DBackpropInput = conv2dBackpropInput('wasm', wasmKernelHost, inputGradientStrategies.wasm);
/** cpu `Conv2DBackpropInput` (a naive loop in tfjs) as the cpu matrix product and col2im. */
export const cpuConv2DBackpropInput = conv2dBackpropInput('cpu', cpuKernelHost, inputGradientStrategies.cpu);

// ---- The strategies' algorithms ----

/** The filter gradient `dW [fh, fw, c, co] = colsᵀ · dy` by the SIMD product, `cols` read transposed by its strides. */
function filterGradientByGemm(
  host: KernelHost,
  gemm: Gemm,
  x: tf.TensorInfo,
  dy: tf.TensorInfo,
  geometry: ConvGeometry,
): tf.TensorInfo {
  const shape = undilated(geometry);
  const { batch, outHeight, outWidth, outChannels, filterHeight, filterWidth, inChannels } = shape;
  const pixels = batch * outHeight * outWidth;
  const k = taps(shape);
  const dW = host.allocate([filterHeight, filterWidth, inChannels, outChannels]);
  const at = host.byteOffset!;
  if (!isPointwise(shape) && gemm.fusesFilterGradient(filterWidth * inChannels)) {
    gemm.filterGradientProduct(at(x), at(dy), at(dW), pixels, outChannels, shape); // cols never in memory
    return dW;
  }
  const cols = isPointwise(shape) ? null : im2col(host, x, shape);
  const a = at(cols ?? x);
  gemm.run(k, outChannels, pixels, a, 4, k * 4, at(dy), outChannels * 4, 4, at(dW), outChannels * 4, false);
  if (cols !== null) host.free(cols);
  return dW;
}

/**
 * The input gradient: `dcols = dy · Wᵀ` by the SIMD product (per output pixel, what it sends to each tap and input
 * channel), then added into place by {@link col2im}; a 1 × 1 stride-1 convolution's is the product itself.
 */
function inputGradientByGemm(
  host: KernelHost,
  gemm: Gemm,
  dy: tf.TensorInfo,
  filter: tf.TensorInfo,
  geometry: ConvGeometry,
): tf.TensorInfo {
  const { batch, inHeight, inWidth, inChannels, outHeight, outWidth, outChannels } = geometry;
  const pixels = batch * outHeight * outWidth;
  const k = taps(geometry);
  const at = host.byteOffset!;
  const dx = host.allocate([batch, inHeight, inWidth, inChannels]);
  const rowBytes = outChannels * 4;
  if (isPointwise(geometry)) {
    gemm.run(
      pixels,
      inChannels,
      outChannels,
      at(dy),
      rowBytes,
      4,
      at(filter),
      4,
      rowBytes,
      at(dx),
      inChannels * 4,
      false,
    );
    return dx;
  }
  if (gemm.fuses(k, outChannels)) {
    gemm.col2imProduct(at(dy), at(filter), at(dx), batch, outChannels, undilated(geometry)); // dcols never in memory
    return dx;
  }
  const dcols = host.allocate([pixels, k]);
  gemm.run(pixels, k, outChannels, at(dy), rowBytes, 4, at(filter), 4, rowBytes, at(dcols), k * 4, false);
  col2im(host, dcols, dx, geometry);
  host.free(dcols);
  return dx;
}

/**
 * The filter gradient as one matrix product through the backend's `BatchMatMul`: `dWᵀ = dyᵀ · cols`. XNNPACK (the
 * wasm BatchMatMul) packs the right operand of every product, single-threaded and strided: `cols` (taps wide) is the
 * small operand here, `dy` (out-channels wide, streamed as the left operand after one transpose) the big one. Packing
 * `dy` instead made most of the first discriminator layer's gradient (figures in bench/RESULTS.md).
 */
export function filterGradientByMatMul(
  host: KernelHost,
  x: tf.TensorInfo,
  dy: tf.TensorInfo,
  geometry: ConvGeometry,
): tf.TensorInfo {
  const { batch, outHeight, outWidth, outChannels, filterHeight, filterWidth, inChannels } = geometry;
  const pixels = batch * outHeight * outWidth;
  const k = taps(geometry);
  const cols = im2col(host, x, undilated(geometry));
  const dyT = host.allocate([1, outChannels, pixels]);
  transpose2d(host.view(dy), pixels, outChannels, host.view(dyT));
  const productT = host.run(
    'BatchMatMul',
    { a: dyT, b: host.reshape(cols, [1, pixels, k]) },
    { transposeA: false, transposeB: false },
  );
  host.free(cols);
  host.free(dyT);
  const result = host.allocate([filterHeight, filterWidth, inChannels, outChannels]);
  transpose2d(host.view(productT), outChannels, k, host.view(result));
  host.free(productT);
  return result;
}

/**
 * The input gradient as one matrix product through the backend's `BatchMatMul`, `cols = dy · Wᵀ`, then added into
 * place by {@link col2im}.
 */
export function inputGradientByMatMul(
  host: KernelHost,
  dy: tf.TensorInfo,
  filter: tf.TensorInfo,
  geometry: ConvGeometry,
): tf.TensorInfo {
  const { batch, inHeight, inWidth, inChannels, outHeight, outWidth, outChannels } = geometry;
  const pixels = batch * outHeight * outWidth;
  const k = taps(geometry);
  const filterT = host.allocate([1, outChannels, k]);
  transpose2d(host.view(filter), k, outChannels, host.view(filterT));
  const cols = host.run(
    'BatchMatMul',
    { a: host.reshape(dy, [1, pixels, outChannels]), b: filterT },
    { transposeA: false, transposeB: false },
  );
  host.free(filterT);
  const dx = host.allocate([batch, inHeight, inWidth, inChannels]);
  col2im(host, cols, dx, geometry);
  host.free(cols);
  return dx;
}

/**
 * The filter gradient as one forward convolution through the backend's `Conv2D` (XNNPACK, on wasm): with the batch
 * moved into the channels, `dW[i, j, c, o] = Σ_{n,y,x} x[n, y·s + i − top, x·s + j − left, c] · dy[n, y, x, o]` is a
 * convolution of `x` laid out as `[C, H, W, N]` with `dy` laid out as the filter `[Ho, Wo, N, Co]`, dilated by the
 * stride. Best when `inChannels · filterHeight · filterWidth` is large.
 */
export function filterGradientByConvolution(
  host: KernelHost,
  x: tf.TensorInfo,
  dy: tf.TensorInfo,
  geometry: ConvGeometry,
): tf.TensorInfo {
  const { batch, inHeight, inWidth, inChannels, outHeight, outWidth, outChannels } = geometry;
  const { filterHeight, filterWidth, strideHeight, strideWidth, padTop, padLeft } = geometry;
  // Rows past the last window never meet dy: crop them (a pad cannot be negative).
  const padBottom = (outHeight - 1) * strideHeight + filterHeight - inHeight - padTop;
  const padRight = (outWidth - 1) * strideWidth + filterWidth - inWidth - padLeft;
  const rows = inHeight + Math.min(0, padBottom);
  const cols = inWidth + Math.min(0, padRight);

  const input = host.allocate([inChannels, rows, cols, batch]);
  const kernel = host.allocate([outHeight, outWidth, batch, outChannels]);
  const xValues = host.view(x);
  const inputValues = host.view(input);
  // Per pixel, the [batch, channels] block of x becomes a [channels, batch] block of the input.
  const plane = rows * cols * batch;
  const imageSize = inHeight * inWidth * inChannels;
  for (let h = 0; h < rows; h++) {
    for (let w = 0; w < cols; w++) {
      const from = (h * inWidth + w) * inChannels;
      const to = (h * cols + w) * batch;
      transpose2d(xValues, batch, inChannels, inputValues, from, to, imageSize, plane);
    }
  }
  swapOuterPair(host.copier(dy, kernel), batch, outHeight * outWidth, outChannels);

  const gradient = host.run(
    'Conv2D',
    { x: input, filter: kernel },
    {
      strides: [1, 1],
      dilations: [strideHeight, strideWidth],
      pad: [
        [0, 0],
        [padTop, Math.max(0, padBottom)],
        [padLeft, Math.max(0, padRight)],
        [0, 0],
      ],
      dataFormat: 'NHWC',
    },
  );
  host.free(input);
  host.free(kernel);

  // [C, kh, kw, Co] → [kh, kw, C, Co]
  const result = host.allocate([filterHeight, filterWidth, inChannels, outChannels]);
  swapOuterPair(host.copier(gradient, result), inChannels, filterHeight * filterWidth, outChannels);
  host.free(gradient);
  return result;
}

/** How the input pixels of one residue class (mod the stride) along one axis are produced. */
interface PhasePlan {
  /** The residue: this class holds input positions `stride · m + residue`. */
  residue: number;
  /** How many such positions the input has. */
  count: number;
  /** The first filter tap that reaches this class; the others follow every `stride`. */
  firstTap: number;
  /** How many filter taps reach this class. */
  taps: number;
  /** Padding of the stride-1 convolution that produces the class (each ≥ 0). */
  padBefore: number;
  padAfter: number;
  /** Leading outputs of that convolution to skip (when the exact padding would be negative). */
  skip: number;
}

function phasePlans(inSize: number, outSize: number, filterSize: number, stride: number, pad: number): PhasePlan[] {
  const plans: PhasePlan[] = [];
  for (let residue = 0; residue < stride; residue++) {
    const count = Math.ceil((inSize - residue) / stride);
    const firstTap = (residue + pad) % stride;
    const taps = firstTap < filterSize ? Math.ceil((filterSize - firstTap) / stride) : 0;
    const before = taps - 1 - Math.floor((residue + pad) / stride);
    const after = count - outSize - before + taps - 1;
    plans.push({
      residue,
      count,
      firstTap,
      taps,
      padBefore: Math.max(0, before),
      padAfter: Math.max(0, after),
      skip: Math.max(0, -before),
    });
  }
  return plans;
}

/** The phases of an input gradient along rows and columns, or `null` when one would need an empty convolution. */
function phasePlansOf(geometry: ConvGeometry): { rowPlans: PhasePlan[]; colPlans: PhasePlan[] } | null {
  const { inHeight, inWidth, outHeight, outWidth, filterHeight, filterWidth } = geometry;
  const rowPlans = phasePlans(inHeight, outHeight, filterHeight, geometry.strideHeight, geometry.padTop);
  const colPlans = phasePlans(inWidth, outWidth, filterWidth, geometry.strideWidth, geometry.padLeft);
  const usable = (plan: PhasePlan, outSize: number) =>
    plan.count <= 0 || plan.taps === 0 || outSize + plan.padBefore + plan.padAfter - plan.taps + 1 > 0;
  if (!rowPlans.every((p) => usable(p, outHeight)) || !colPlans.every((p) => usable(p, outWidth))) return null;
  return { rowPlans, colPlans };
}

/**
 * The input gradient (and the forward pass of a transposed convolution) as `strideH · strideW` stride-1
 * convolutions of `dy` through the backend's `Conv2D` (XNNPACK, on wasm), one per output phase, with the taps of the
 * filter that reach that phase, spatially flipped and with in/out channels swapped: no multiply touches an inserted
 * zero. Returns `null` when a phase would need an empty convolution (tiny inputs).
 */
export function inputGradientByPhases(
  host: KernelHost,
  dy: tf.TensorInfo,
  filter: tf.TensorInfo,
  geometry: ConvGeometry,
): tf.TensorInfo | null {
  const { batch, inHeight, inWidth, inChannels, outChannels } = geometry;
  const { filterWidth, strideHeight, strideWidth } = geometry;
  const plans = phasePlansOf(geometry);
  if (plans === null) return null;
  const { rowPlans, colPlans } = plans;

  const dx = host.allocate([batch, inHeight, inWidth, inChannels]);
  let covered = true;
  for (const rows of rowPlans) {
    for (const cols of colPlans) {
      if (rows.count <= 0 || cols.count <= 0) continue;
      if (rows.taps === 0 || cols.taps === 0) {
        covered = false;
        continue;
      }
      // Sub-filter [tapsH, tapsW, Co, C]: flipped taps, in/out channels swapped.
      const subFilter = host.allocate([rows.taps, cols.taps, outChannels, inChannels]);
      const filterValues = host.view(filter);
      const subValues = host.view(subFilter);
      for (let u = 0; u < rows.taps; u++) {
        const i = rows.firstTap + strideHeight * (rows.taps - 1 - u);
        for (let v = 0; v < cols.taps; v++) {
          const j = cols.firstTap + strideWidth * (cols.taps - 1 - v);
          transpose2d(
            filterValues,
            inChannels,
            outChannels,
            subValues,
            (i * filterWidth + j) * inChannels * outChannels,
            (u * cols.taps + v) * outChannels * inChannels,
          );
        }
      }
      const phase = host.run(
        'Conv2D',
        { x: dy, filter: subFilter },
        {
          strides: [1, 1],
          dilations: [1, 1],
          pad: [
            [0, 0],
            [rows.padBefore, rows.padAfter],
            [cols.padBefore, cols.padAfter],
            [0, 0],
          ],
          dataFormat: 'NHWC',
        },
      );
      host.free(subFilter);
      const phaseRows = phase.shape[1];
      const phaseCols = phase.shape[2];
      const copy = host.copier(phase, dx); // one copy per pixel, with no view made for it
      for (let n = 0; n < batch; n++) {
        for (let m = 0; m < rows.count; m++) {
          const h = strideHeight * m + rows.residue;
          let from = ((n * phaseRows + m + rows.skip) * phaseCols + cols.skip) * inChannels;
          let to = ((n * inHeight + h) * inWidth + cols.residue) * inChannels;
          for (let k = 0; k < cols.count; k++) {
            copy(from, to, inChannels);
            from += inChannels;
            to += strideWidth * inChannels;
          }
        }
      }
      host.free(phase);
    }
  }
  if (!covered) zeroUncovered(host.view(dx), geometry, rowPlans, colPlans);
  return dx;
}

function zeroUncovered(dx: Float32Array, geometry: ConvGeometry, rowPlans: PhasePlan[], colPlans: PhasePlan[]): void {
  const { batch, inHeight, inWidth, inChannels, strideHeight, strideWidth } = geometry;
  for (let n = 0; n < batch; n++) {
    for (let h = 0; h < inHeight; h++) {
      const rowTaps = rowPlans[h % strideHeight]!.taps;
      for (let w = 0; w < inWidth; w++) {
        if (rowTaps === 0 || colPlans[w % strideWidth]!.taps === 0) {
          const at = ((n * inHeight + h) * inWidth + w) * inChannels;
          dx.fill(0, at, at + inChannels);
        }
      }
    }
  }
}
