import * as tf from '@tensorflow/tfjs-core';

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
