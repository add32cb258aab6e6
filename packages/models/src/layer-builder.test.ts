import { createRandom } from '@gan/core';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { layerBuilder } from './layer-builder.js';
import { useCpu, wave } from './testing/helpers.js';

beforeAll(useCpu);

type Image = number[][][]; // [height][width][channels]
type Kernel = number[][][][]; // tfjs layout [kh][kw][a][b]

/** PyTorch `nn.Conv2d(k, stride, padding, bias=False)` on one NHWC image; kernel in tfjs layout [kh][kw][in][out]. */
function torchConv2d(x: Image, kernel: Kernel, stride: number, padding: number): Image {
  const [height, width, k, outChannels] = [x.length, x[0].length, kernel.length, kernel[0][0][0].length];
  const outHeight = Math.floor((height + 2 * padding - k) / stride) + 1;
  const outWidth = Math.floor((width + 2 * padding - k) / stride) + 1;
  const out: Image = [];
  for (let oy = 0; oy < outHeight; oy++) {
    out.push([]);
    for (let ox = 0; ox < outWidth; ox++) {
      const cell = new Array(outChannels).fill(0);
      for (let ky = 0; ky < k; ky++) {
        for (let kx = 0; kx < k; kx++) {
          const [iy, ix] = [oy * stride - padding + ky, ox * stride - padding + kx];
          if (iy < 0 || ix < 0 || iy >= height || ix >= width) continue;
          x[iy][ix].forEach((value, ci) => {
            for (let co = 0; co < outChannels; co++) cell[co] += value * kernel[ky][kx][ci][co];
          });
        }
      }
      out[oy].push(cell);
    }
  }
  return out;
}

/**
 * PyTorch `nn.ConvTranspose2d(k, stride, padding, bias=False)` on one NHWC image: every input pixel scatters
 * `x · w` to output `(iy·s − p + ky, ix·s − p + kx)`; output size `(in − 1)·s − 2p + k`. Kernel in the tfjs
 * conv2dTranspose layout [kh][kw][out][in].
 */
function torchConvTranspose2d(x: Image, kernel: Kernel, stride: number, padding: number): Image {
  const [height, width, k, outChannels] = [x.length, x[0].length, kernel.length, kernel[0][0].length];
  const outHeight = (height - 1) * stride - 2 * padding + k;
  const outWidth = (width - 1) * stride - 2 * padding + k;
  const out: Image = Array.from({ length: outHeight }, () =>
    Array.from({ length: outWidth }, () => new Array(outChannels).fill(0)),
  );
  for (let iy = 0; iy < height; iy++) {
    for (let ix = 0; ix < width; ix++) {
      for (let ky = 0; ky < k; ky++) {
        for (let kx = 0; kx < k; kx++) {
          const [oy, ox] = [iy * stride - padding + ky, ix * stride - padding + kx];
          if (oy < 0 || ox < 0 || oy >= outHeight || ox >= outWidth) continue;
          x[iy][ix].forEach((value, ci) => {
            for (let co = 0; co < outChannels; co++) out[oy][ox][co] += value * kernel[ky][kx][co][ci];
          });
        }
      }
    }
  }
  return out;
}

function expectClose(actual: Image, expected: Image): void {
  expect([actual.length, actual[0].length, actual[0][0].length]).toEqual([
    expected.length,
    expected[0].length,
    expected[0][0].length,
  ]);
  const flat = expected.flat(2);
  for (const [i, value] of actual.flat(2).entries()) expect(value).toBeCloseTo(flat[i], 5);
}

describe('layerBuilder matches PyTorch layers', () => {
  const layers = layerBuilder(createRandom(11));

  it("conv kernel 4, strides 2, 'same' = Conv2d(4, 2, 1) on even sizes", () => {
    const layer = layers.conv({ filters: 3, useBias: false });
    const x = wave([1, 6, 6, 2]);
    const out = (layer.apply(x) as tf.Tensor).arraySync() as Image[];
    const kernel = layer.getWeights()[0].arraySync() as Kernel;
    expectClose(out[0], torchConv2d((x.arraySync() as Image[])[0], kernel, 2, 1));
  });

  it("conv kernel 4, strides 1, 'valid' = Conv2d(4, 1, 0)", () => {
    const layer = layers.conv({ filters: 2, strides: 1, padding: 'valid', useBias: false });
    const x = wave([1, 4, 4, 3]);
    const out = (layer.apply(x) as tf.Tensor).arraySync() as Image[];
    expectClose(out[0], torchConv2d((x.arraySync() as Image[])[0], layer.getWeights()[0].arraySync() as Kernel, 1, 0));
  });

  it("convTranspose kernel 4, strides 2, 'same' = ConvTranspose2d(4, 2, 1)", () => {
    const layer = layers.convTranspose({ filters: 3, useBias: false });
    const x = wave([1, 3, 3, 2]);
    const out = (layer.apply(x) as tf.Tensor).arraySync() as Image[];
    const kernel = layer.getWeights()[0].arraySync() as Kernel;
    expectClose(out[0], torchConvTranspose2d((x.arraySync() as Image[])[0], kernel, 2, 1));
  });

  it("convTranspose kernel 4, strides 1, 'valid' from 1×1 = ConvTranspose2d(4, 1, 0)", () => {
    const layer = layers.convTranspose({ filters: 2, strides: 1, padding: 'valid', useBias: false });
    const x = wave([1, 1, 1, 5]);
    const out = (layer.apply(x) as tf.Tensor).arraySync() as Image[];
    expectClose(
      out[0],
      torchConvTranspose2d((x.arraySync() as Image[])[0], layer.getWeights()[0].arraySync() as Kernel, 1, 0),
    );
  });

  it('batch norm in training normalizes with the batch statistics and epsilon 1e-5, as nn.BatchNorm', () => {
    const layer = layers.batchNorm();
    const x = tf.tensor2d([[1], [2], [4]]);
    const out = (layer.apply(x, { training: true }) as tf.Tensor).dataSync();
    const [gamma] = layer.getWeights()[0].dataSync();
    const mean = 7 / 3;
    const variance = ((1 - mean) ** 2 + (2 - mean) ** 2 + (4 - mean) ** 2) / 3;
    for (const [i, v] of [1, 2, 4].entries()) {
      expect(out[i]).toBeCloseTo((gamma * (v - mean)) / Math.sqrt(variance + 1e-5), 5);
    }
    // Running mean after one step: 0.9 · 0 + 0.1 · mean (PyTorch momentum 0.1).
    expect(layer.getWeights()[2].dataSync()[0]).toBeCloseTo(0.1 * mean, 6);
  });
});
