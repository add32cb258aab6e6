import type { Random } from '@gan/core';
import * as tf from '@tensorflow/tfjs-core';
import { expect } from 'vitest';
import { type ConvShape, col2im, im2col } from '../kernels/algorithms/im2col.js';
import type { KernelHost } from '../kernels/kernel-host.js';

// Test helpers for im2col and col2im (not exported by the package): random convolutions, and the check that a wasm
// host (WebAssembly loops, on threads or not) gives the bits of the cpu host (the JavaScript loops).

/** The values each size of a random convolution is drawn from. */
export interface ShapeChoices {
  batch: number[];
  inHeight: number[];
  inWidth: number[];
  inChannels: number[];
  filterHeight: number[];
  filterWidth: number[];
  strideHeight: number[];
  strideWidth: number[];
  dilationHeight: number[];
  dilationWidth: number[];
  padTop: number[];
  padLeft: number[];
}

/** A random convolution of `choices` (at least one output pixel a side). */
export function randomConvShape(random: Random, choices: ShapeChoices): ConvShape {
  const pick = (values: number[]) => values[Math.floor(random.uniform(1, 0, values.length)[0]!)]!;
  const [filterHeight, filterWidth] = [pick(choices.filterHeight), pick(choices.filterWidth)];
  const [strideHeight, strideWidth] = [pick(choices.strideHeight), pick(choices.strideWidth)];
  const [dilationHeight, dilationWidth] = [pick(choices.dilationHeight), pick(choices.dilationWidth)];
  const [inHeight, inWidth] = [pick(choices.inHeight), pick(choices.inWidth)];
  const [padTop, padLeft] = [pick(choices.padTop), pick(choices.padLeft)];
  const out = (size: number, pad: number, filter: number, dilation: number, stride: number) =>
    Math.max(1, Math.floor((size + 2 * pad - ((filter - 1) * dilation + 1)) / stride) + 1);
  return {
    batch: pick(choices.batch),
    inHeight,
    inWidth,
    inChannels: pick(choices.inChannels),
    outHeight: out(inHeight, padTop, filterHeight, dilationHeight, strideHeight),
    outWidth: out(inWidth, padLeft, filterWidth, dilationWidth, strideWidth),
    outChannels: 1,
    filterHeight,
    filterWidth,
    strideHeight,
    strideWidth,
    dilationHeight,
    dilationWidth,
    padTop,
    padLeft,
  };
}

/**
 * Unrolls a random image of `shape` and scatters random columns back (col2im: dilation 1 only) on `wasm` and on `cpu`,
 * and expects the same bits; col2im must also set every value of its output.
 */
export function expectSameBitsAsJavaScript(wasm: KernelHost, cpu: KernelHost, shape: ConvShape, random: Random): void {
  const imageShape = [shape.batch, shape.inHeight, shape.inWidth, shape.inChannels];
  const image = random.normal(tf.util.sizeFromShape(imageShape), 0, 1);
  const rows = shape.batch * shape.outHeight * shape.outWidth;
  const width = shape.filterHeight * shape.filterWidth * shape.inChannels;
  const colValues = random.normal(rows * width, 0, 1);
  const scatter = shape.dilationHeight === 1 && shape.dilationWidth === 1;
  const [ours, reference] = [wasm, cpu].map((host) => {
    const x = host.allocate(imageShape);
    host.view(x).set(image);
    const cols = im2col(host, x, shape);
    const unrolled = host.view(cols).slice();
    const dcols = host.allocate([rows, width]);
    host.view(dcols).set(colValues);
    const dx = host.allocate(imageShape);
    host.view(dx).fill(Number.NaN); // col2im sets every value, also those no tap reaches
    if (scatter) col2im(host, dcols, dx, shape);
    const scattered = host.view(dx).slice();
    for (const info of [x, cols, dcols, dx]) host.free(info);
    return { unrolled, scattered };
  }) as [{ unrolled: Float32Array; scattered: Float32Array }, { unrolled: Float32Array; scattered: Float32Array }];
  const label = JSON.stringify(shape);
  const same = (a: Float32Array, b: Float32Array) => Buffer.from(a.buffer).equals(Buffer.from(b.buffer));
  expect(ours.unrolled.length, label).toBe(rows * width);
  expect(same(ours.unrolled, reference.unrolled), label).toBe(true);
  if (scatter) {
    expect(ours.scattered.some(Number.isNaN), label).toBe(false);
    expect(same(ours.scattered, reference.scattered), label).toBe(true);
  }
}
