import * as tf from '@tensorflow/tfjs-core';
import { phase } from '../../phase-timing.js';
import { gemmFor } from '../../wasm/gemm.js';
import { tapLoopArguments } from '../../wasm/im2col-generator.js';
import { type SimdKernels, simdKernelsFor } from '../../wasm/simd.js';
import type { KernelHost } from '../kernel-host.js';

// 2-D convolutions (NHWC, filters HWIO) as matrix products: their sizes, and im2col / col2im, which unroll an input
// into a row per output pixel and add such rows back. Written against a KernelHost, so the cpu and wasm kernels share
// them; on wasm the copies, zeros and additions go through bulk memory and WebAssembly SIMD on the heap.

/** The sizes of a stride/pad 2-D convolution in NHWC, as the backprop kernels need them. */
export interface ConvGeometry {
  batch: number;
  inHeight: number;
  inWidth: number;
  inChannels: number;
  outHeight: number;
  outWidth: number;
  outChannels: number;
  filterHeight: number;
  filterWidth: number;
  strideHeight: number;
  strideWidth: number;
  padTop: number;
  padLeft: number;
}

/** The attributes shared by `Conv2DBackpropFilter` and `Conv2DBackpropInput`. */
export interface ConvBackpropAttrs {
  strides: [number, number] | number;
  pad: 'valid' | 'same' | number | tf.backend_util.ExplicitPadding;
  dataFormat: 'NHWC' | 'NCHW';
  dimRoundingMode?: 'floor' | 'round' | 'ceil';
}

/**
 * The geometry of a convolution from `inputShape` (NHWC) to `outputShape` with a filter of
 * `filterShape`, or `null` when the custom kernels do not handle it (NCHW, or sizes that do not
 * agree with what the forward convolution would produce); callers then use the stock kernel.
 */
export function convGeometry(
  inputShape: readonly number[],
  filterShape: readonly number[],
  outputShape: readonly number[],
  attrs: ConvBackpropAttrs,
): ConvGeometry | null {
  if (attrs.dataFormat !== undefined && attrs.dataFormat !== 'NHWC') return null;
  const info = tf.backend_util.computeConv2DInfo(
    inputShape as [number, number, number, number],
    filterShape as [number, number, number, number],
    attrs.strides,
    1,
    attrs.pad,
    attrs.dimRoundingMode,
    false,
    'channelsLast',
  );
  const [batch, outHeight, outWidth, outChannels] = outputShape;
  if (
    info.batchSize !== batch ||
    info.outHeight !== outHeight ||
    info.outWidth !== outWidth ||
    info.outChannels !== outChannels ||
    info.inChannels !== inputShape[3]
  ) {
    return null;
  }
  return geometryOf(info);
}

/** The sizes of a convolution that tfjs's `computeConv2DInfo` worked out. */
export function geometryOf(info: tf.backend_util.Conv2DInfo): ConvGeometry {
  return {
    batch: info.batchSize,
    inHeight: info.inHeight,
    inWidth: info.inWidth,
    inChannels: info.inChannels,
    outHeight: info.outHeight,
    outWidth: info.outWidth,
    outChannels: info.outChannels,
    filterHeight: info.filterHeight,
    filterWidth: info.filterWidth,
    strideHeight: info.strideHeight,
    strideWidth: info.strideWidth,
    padTop: info.padInfo.top,
    padLeft: info.padInfo.left,
  };
}

/** A convolution's sizes with its dilations (the backprop kernels' are 1). */
export interface ConvShape extends ConvGeometry {
  dilationHeight: number;
  dilationWidth: number;
}

/** `geometry` with dilations of 1, as the gradients have. */
export function undilated(geometry: ConvGeometry): ConvShape {
  return { ...geometry, dilationHeight: 1, dilationWidth: 1 };
}

/** Whether the convolution is 1 × 1 with stride 1 and no padding: its im2col is the input itself. */
export function isPointwise(shape: ConvGeometry): boolean {
  return (
    shape.filterHeight === 1 &&
    shape.filterWidth === 1 &&
    shape.strideHeight === 1 &&
    shape.strideWidth === 1 &&
    shape.padTop === 0 &&
    shape.padLeft === 0 &&
    shape.outHeight === shape.inHeight &&
    shape.outWidth === shape.inWidth
  );
}

/** Runs shorter than this are copied (or added) value by value rather than by one call. */
const shortRun = 16;

/**
 * A function zeroing `length` values of `info` from `at`: bulk memory's fill on wasm with WebAssembly SIMD (a
 * TypedArray fill over a shared heap goes value by value), `fill` elsewhere.
 */
function zeroer(host: KernelHost, info: tf.TensorInfo, values: Float32Array): (at: number, length: number) => void {
  const simd = simdKernelsFor(host.backend);
  const base = host.byteOffset?.(info);
  if (simd === null || base === undefined) return (at, length) => values.fill(0, at, at + length);
  return (at, length) => {
    if (length >= shortRun) simd.zeroBytes(base + at * 4, length * 4);
    else values.fill(0, at, at + length);
  };
}

/**
 * `x [n, h, w, c]` unrolled to `cols [n · outH · outW, fh · fw · c]` (a row per output pixel, a column per filter tap
 * and input channel), zeros where a tap falls in the padding. Then a convolution is `y = cols · W`, its filter
 * gradient `dW = colsᵀ · dy`.
 */
export function im2col(host: KernelHost, x: tf.TensorInfo, shape: ConvShape): tf.TensorInfo {
  return phase('im2col', () => im2colUntimed(host, x, shape));
}

/**
 * Below this many values of `cols`, im2col and col2im stay on the calling thread (waking a worker costs more than it
 * saves); above, they run on the matrix product's threads too, each on its share of the pixels (col2im: of the images,
 * whose sums are then each one thread's).
 */
const minSplitValues = 1 << 18;

/**
 * Runs the WebAssembly `kind` over `units` (pixels, or whole images for col2im) of `pixelsPerUnit` output pixels each,
 * `image` and `cols` being heap offsets: on the product's worker threads too when there are any and the call is large.
 */
function tapLoop(
  host: KernelHost,
  simd: SimdKernels,
  kind: 'im2colRows' | 'col2imRows',
  [image, cols]: [number, number],
  [units, pixelsPerUnit]: [number, number],
  shape: ConvShape,
): void {
  const width = shape.filterHeight * shape.filterWidth * shape.inChannels;
  const argumentsOf = (unit: number, count: number) =>
    tapLoopArguments(
      image,
      cols + unit * pixelsPerUnit * width * 4,
      unit * pixelsPerUnit,
      count * pixelsPerUnit,
      shape,
    );
  const gemm = units > 1 && units * pixelsPerUnit * width >= minSplitValues ? gemmFor(host.backend) : null;
  if (gemm !== null && gemm.threads > 1) gemm.split(kind, units, argumentsOf);
  else simd[kind](...argumentsOf(0, units));
}

function im2colUntimed(host: KernelHost, x: tf.TensorInfo, shape: ConvShape): tf.TensorInfo {
  const { batch, inHeight, inWidth, inChannels, outHeight, outWidth, filterHeight, filterWidth } = shape;
  const { strideHeight, strideWidth, dilationHeight, dilationWidth, padTop, padLeft } = shape;
  const taps = filterHeight * filterWidth * inChannels;
  const cols = host.allocate([batch * outHeight * outWidth, taps]);
  const simd = simdKernelsFor(host.backend);
  if (simd !== null && host.byteOffset !== undefined) {
    // the whole loop in WebAssembly: one call per thread, instead of one per run of values
    tapLoop(host, simd, 'im2colRows', [host.byteOffset(x), host.byteOffset(cols)], [cols.shape[0]!, 1], shape);
    return cols;
  }
  const values = host.view(cols);
  const source = host.view(x);
  const heapCopy = host.copier(x, cols);
  const zero = zeroer(host, cols, values);
  // Short runs (few input channels) as a plain loop: a copyWithin call costs more than moving a few values.
  const copy = (from: number, at: number, length: number) => {
    if (length >= shortRun) heapCopy(from, at, length);
    else for (let c = 0; c < length; c++) values[at + c] = source[from + c]!;
  };
  const rowRun = filterWidth * inChannels; // one filter row, when its taps are adjacent and inside the image
  let to = 0;
  for (let n = 0; n < batch; n++) {
    for (let y = 0; y < outHeight; y++) {
      for (let xOut = 0; xOut < outWidth; xOut++) {
        const left = xOut * strideWidth - padLeft;
        const right = left + (filterWidth - 1) * dilationWidth;
        const wholeRows = dilationWidth === 1 && left >= 0 && right < inWidth;
        for (let i = 0; i < filterHeight; i++) {
          const h = y * strideHeight + i * dilationHeight - padTop;
          if (h < 0 || h >= inHeight) {
            zero(to, rowRun);
            to += rowRun;
            continue;
          }
          const rowStart = (n * inHeight + h) * inWidth;
          if (wholeRows) {
            copy((rowStart + left) * inChannels, to, rowRun);
            to += rowRun;
            continue;
          }
          for (let j = 0; j < filterWidth; j++, to += inChannels) {
            const w = left + j * dilationWidth;
            if (w < 0 || w >= inWidth) zero(to, inChannels);
            else copy((rowStart + w) * inChannels, to, inChannels);
          }
        }
      }
    }
  }
  return cols;
}

/**
 * The inverse scatter of {@link im2col} (dilation 1): `dx` becomes the sum, over every output pixel and filter tap,
 * of the row of `cols [pixels, taps]` that tap sends to its input pixel (an input gradient from `dy · Wᵀ`). Whole
 * filter rows at a time where their pixels are adjacent, by WebAssembly SIMD on wasm; every value gets its additions
 * in one order (pixel, then tap), whichever way it is added.
 */
export function col2im(host: KernelHost, cols: tf.TensorInfo, dx: tf.TensorInfo, geometry: ConvGeometry): void {
  phase('col2im', () => col2imUntimed(host, cols, dx, geometry));
}

function col2imUntimed(host: KernelHost, cols: tf.TensorInfo, dx: tf.TensorInfo, geometry: ConvGeometry): void {
  const { batch, inHeight, inWidth, inChannels, outHeight, outWidth } = geometry;
  const { filterHeight, filterWidth, strideHeight, strideWidth, padTop, padLeft } = geometry;
  const taps = filterHeight * filterWidth * inChannels;
  const simd = simdKernelsFor(host.backend);
  const dxValues = host.view(dx);
  zeroer(host, dx, dxValues)(0, dxValues.length);
  if (simd !== null && host.byteOffset !== undefined) {
    const shape = { ...geometry, dilationHeight: 1, dilationWidth: 1 };
    tapLoop(
      host,
      simd,
      'col2imRows',
      [host.byteOffset(dx), host.byteOffset(cols)],
      [batch, outHeight * outWidth],
      shape,
    );
    return;
  }
  const colValues = host.view(cols);
  const dxBase = host.byteOffset?.(dx) ?? 0;
  const colBase = host.byteOffset?.(cols) ?? 0;
  const add = (from: number, to: number, length: number) => {
    const vectorized = simd === null || length < shortRun ? 0 : length - (length % 4);
    if (vectorized > 0) simd!.accumulate(colBase + from * 4, dxBase + to * 4, vectorized);
    for (let c = vectorized; c < length; c++) dxValues[to + c] = dxValues[to + c]! + colValues[from + c]!;
  };
  const rowRun = filterWidth * inChannels;
  let row = 0;
  for (let n = 0; n < batch; n++) {
    for (let y = 0; y < outHeight; y++) {
      for (let xOut = 0; xOut < outWidth; xOut++, row += taps) {
        const left = xOut * strideWidth - padLeft;
        const wholeRows = left >= 0 && left + filterWidth <= inWidth;
        for (let i = 0; i < filterHeight; i++) {
          const h = y * strideHeight + i - padTop;
          if (h < 0 || h >= inHeight) continue;
          const rowStart = (n * inHeight + h) * inWidth;
          const from = row + i * rowRun;
          if (wholeRows) {
            add(from, (rowStart + left) * inChannels, rowRun);
            continue;
          }
          for (let j = 0; j < filterWidth; j++) {
            const w = left + j;
            if (w >= 0 && w < inWidth) add(from + j * inChannels, (rowStart + w) * inChannels, inChannels);
          }
        }
      }
    }
  }
}
