import type * as tf from '@tensorflow/tfjs-core';
import type { ConvGeometry } from './conv-geometry.js';
import type { Gemm } from '../wasm/gemm.js';
import type { KernelHost } from './kernel-host.js';
import { simdKernelsFor } from '../wasm/simd.js';

// 2-D convolutions (NHWC, filters HWIO) and their gradients as im2col / col2im around the blocked WebAssembly SIMD
// product of gemm.ts. With `cols [pixels, taps]` (a row per output pixel, a column per filter tap and input
// channel) a convolution is `y = cols · W`, its filter gradient `dW = colsᵀ · dy` and its input gradient the
// scatter of `dy · Wᵀ` back to the input pixels; the transposes are strides of the product, never copies.

/** A convolution's sizes, with dilations (1 for the backprop kernels). */
export interface ConvShape extends ConvGeometry {
  dilationHeight: number;
  dilationWidth: number;
}

/** Bytes of `info`'s values from the start of the heap. */
type Offset = (info: tf.TensorInfo) => number;

/** A function zeroing `length` values of `info` from `at`: bulk memory's fill on wasm (TypedArray fill over a shared heap goes value by value). */
function zeroer(host: KernelHost, info: tf.TensorInfo, values: Float32Array): (at: number, length: number) => void {
  const simd = simdKernelsFor(host.backend);
  const base = host.byteOffset?.(info);
  if (simd === null || base === undefined) return (at, length) => values.fill(0, at, at + length);
  return (at, length) => {
    if (length >= shortRun) simd.zeroBytes(base + at * 4, length * 4);
    else values.fill(0, at, at + length);
  };
}

/** Runs shorter than this are copied (or added) value by value rather than by one call. */
const shortRun = 16;

/** `x [n, h, w, c]` unrolled to `[n · outH · outW, fh · fw · c]`, zeros where a tap falls in the padding. */
export function im2col(host: KernelHost, x: tf.TensorInfo, shape: ConvShape): tf.TensorInfo {
  const { batch, inHeight, inWidth, inChannels, outHeight, outWidth, filterHeight, filterWidth } = shape;
  const { strideHeight, strideWidth, dilationHeight, dilationWidth, padTop, padLeft } = shape;
  const taps = filterHeight * filterWidth * inChannels;
  const cols = host.allocate([batch * outHeight * outWidth, taps]);
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

function isPointwise(shape: ConvShape): boolean {
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

/** `y = conv2d(x, filter)` as `cols · W` (a 1 × 1, stride-1 convolution multiplies `x` itself). */
export function conv2dByGemm(
  host: KernelHost,
  gemm: Gemm,
  offset: Offset,
  x: tf.TensorInfo,
  filter: tf.TensorInfo,
  shape: ConvShape,
): tf.TensorInfo {
  const { batch, outHeight, outWidth, outChannels, filterHeight, filterWidth, inChannels } = shape;
  const pixels = batch * outHeight * outWidth;
  const taps = filterHeight * filterWidth * inChannels;
  const cols = isPointwise(shape) ? null : im2col(host, x, shape);
  const y = host.allocate([batch, outHeight, outWidth, outChannels]);
  const a = cols === null ? offset(x) : offset(cols);
  gemm.run(
    pixels,
    outChannels,
    taps,
    a,
    taps * 4,
    4,
    offset(filter),
    outChannels * 4,
    4,
    offset(y),
    outChannels * 4,
    false,
  );
  if (cols !== null) host.free(cols);
  return y;
}

/** The filter gradient `dW [fh, fw, c, co] = colsᵀ · dy`. */
export function filterGradientByGemm(
  host: KernelHost,
  gemm: Gemm,
  offset: Offset,
  x: tf.TensorInfo,
  dy: tf.TensorInfo,
  geometry: ConvGeometry,
): tf.TensorInfo {
  const shape: ConvShape = { ...geometry, dilationHeight: 1, dilationWidth: 1 };
  const { batch, outHeight, outWidth, outChannels, filterHeight, filterWidth, inChannels } = shape;
  const pixels = batch * outHeight * outWidth;
  const taps = filterHeight * filterWidth * inChannels;
  const cols = isPointwise(shape) ? null : im2col(host, x, shape);
  const dW = host.allocate([filterHeight, filterWidth, inChannels, outChannels]);
  const a = cols === null ? offset(x) : offset(cols);
  gemm.run(
    taps,
    outChannels,
    pixels,
    a,
    4,
    taps * 4,
    offset(dy),
    outChannels * 4,
    4,
    offset(dW),
    outChannels * 4,
    false,
  );
  if (cols !== null) host.free(cols);
  return dW;
}

/**
 * The input gradient: `dcols = dy · Wᵀ` (per output pixel, what it sends to each tap and input channel), then
 * added into place (col2im), whole filter rows at a time with the SIMD `accumulate` where they are adjacent.
 */
export function inputGradientByGemm(
  host: KernelHost,
  gemm: Gemm,
  offset: Offset,
  dy: tf.TensorInfo,
  filter: tf.TensorInfo,
  geometry: ConvGeometry,
): tf.TensorInfo {
  const { batch, inHeight, inWidth, inChannels, outHeight, outWidth, outChannels } = geometry;
  const { filterHeight, filterWidth, strideHeight, strideWidth, padTop, padLeft } = geometry;
  const pixels = batch * outHeight * outWidth;
  const taps = filterHeight * filterWidth * inChannels;
  const shape: ConvShape = { ...geometry, dilationHeight: 1, dilationWidth: 1 };
  const dx = host.allocate([batch, inHeight, inWidth, inChannels]);
  if (isPointwise(shape)) {
    gemm.run(
      pixels,
      inChannels,
      outChannels,
      offset(dy),
      outChannels * 4,
      4,
      offset(filter),
      4,
      outChannels * 4,
      offset(dx),
      inChannels * 4,
      false,
    );
    return dx;
  }
  const dcols = host.allocate([pixels, taps]);
  gemm.run(
    pixels,
    taps,
    outChannels,
    offset(dy),
    outChannels * 4,
    4,
    offset(filter),
    4,
    outChannels * 4,
    offset(dcols),
    taps * 4,
    false,
  );
  const simd = simdKernelsFor(host.backend);
  const dxValues = host.view(dx);
  const colValues = host.view(dcols);
  zeroer(host, dx, dxValues)(0, dxValues.length);
  const dxBase = offset(dx);
  const colBase = offset(dcols);
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
  host.free(dcols);
  return dx;
}
