import type * as tf from '@tensorflow/tfjs-core';
import { type ConvGeometry, type ConvShape, col2im, im2col, isPointwise } from './algorithms/im2col.js';
import type { Gemm } from '../wasm/gemm.js';
import type { KernelHost } from './kernel-host.js';

// 2-D convolutions (NHWC, filters HWIO) and their gradients as im2col / col2im around the blocked WebAssembly SIMD
// product of gemm.ts. With `cols [pixels, taps]` (a row per output pixel, a column per filter tap and input
// channel) a convolution is `y = cols · W`, its filter gradient `dW = colsᵀ · dy` and its input gradient the
// scatter of `dy · Wᵀ` back to the input pixels; the transposes are strides of the product, never copies.

/** Bytes of `info`'s values from the start of the heap. */
type Offset = (info: tf.TensorInfo) => number;

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
  col2im(host, dcols, dx, geometry);
  host.free(dcols);
  return dx;
}
