import type * as tf from '@tensorflow/tfjs-core';
import type { ConvGeometry } from './algorithms/im2col.js';
import type { KernelHost } from './kernel-host.js';
import { swapOuterPair, transpose2d } from './algorithms/transpose.js';

/**
 * The filter gradient as one forward convolution: with the batch moved into the channels,
 * `dW[i, j, c, o] = Σ_{n,y,x} x[n, y·s + i − top, x·s + j − left, c] · dy[n, y, x, o]` is a
 * convolution of `x` laid out as `[C, H, W, N]` with `dy` laid out as the filter `[Ho, Wo, N, Co]`,
 * dilated by the stride. The backend's own (XNNPACK, on wasm) Conv2D then does all the work.
 * Best when `inChannels · filterHeight · filterWidth` is large.
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

/**
 * The filter gradient as one matrix product: `dWᵀ = dyᵀ · cols`, where `cols` has a row per output pixel and a
 * column per filter tap and input channel (im2col). Best when the filter has few input channels (the first layer
 * of a discriminator, the last of a generator). XNNPACK packs the right operand of every product it is given,
 * single-threaded and strided; `cols` (taps wide) is the small operand here, `dy` (out-channels wide, streamed
 * as the left operand after one transpose) the big one: packing `dy` instead took 25 of the 33 ms of a batch of
 * 128 MNIST images on the 2-core VM.
 */
export function filterGradientByMatMul(
  host: KernelHost,
  x: tf.TensorInfo,
  dy: tf.TensorInfo,
  geometry: ConvGeometry,
): tf.TensorInfo {
  const { batch, inHeight, inWidth, inChannels, outHeight, outWidth, outChannels } = geometry;
  const { filterHeight, filterWidth, strideHeight, strideWidth, padTop, padLeft } = geometry;
  const pixels = batch * outHeight * outWidth;
  const taps = filterHeight * filterWidth * inChannels;

  const columns = host.allocate([1, pixels, taps]);
  const dyT = host.allocate([1, outChannels, pixels]);
  const xValues = host.view(x);
  const columnValues = host.view(columns);
  columnValues.fill(0);
  let to = 0;
  for (let n = 0; n < batch; n++) {
    for (let y = 0; y < outHeight; y++) {
      for (let xOut = 0; xOut < outWidth; xOut++) {
        for (let i = 0; i < filterHeight; i++) {
          const h = y * strideHeight + i - padTop;
          if (h < 0 || h >= inHeight) {
            to += filterWidth * inChannels;
            continue;
          }
          for (let j = 0; j < filterWidth; j++, to += inChannels) {
            const w = xOut * strideWidth + j - padLeft;
            if (w < 0 || w >= inWidth) continue;
            const from = ((n * inHeight + h) * inWidth + w) * inChannels;
            for (let c = 0; c < inChannels; c++) columnValues[to + c] = xValues[from + c]!;
          }
        }
      }
    }
  }
  transpose2d(host.view(dy), pixels, outChannels, host.view(dyT));
  const productT = host.run('BatchMatMul', { a: dyT, b: columns }, { transposeA: false, transposeB: false });
  host.free(columns);
  host.free(dyT);
  const result = host.allocate([filterHeight, filterWidth, inChannels, outChannels]);
  transpose2d(host.view(productT), outChannels, taps, host.view(result));
  host.free(productT);
  return result;
}
