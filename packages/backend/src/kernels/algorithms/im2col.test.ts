import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-wasm';
import { createRandom } from '@gan/core';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { cpuKernelHost, type KernelHost, wasmKernelHost } from '../kernel-host.js';
import { type ConvShape, col2im, im2col } from './im2col.js';

// On wasm, im2col and col2im run as one WebAssembly loop (the SIMD module's im2colRows / col2imRows); on cpu, as the
// JavaScript loop. Both must give the same values bit for bit: col2im adds every value in the same order either way.

const random = createRandom(11);

/** A random convolution: 1–9 channels (runs shorter and longer than a vector), strides, dilations, paddings. */
function randomShape(): ConvShape {
  const pick = (values: number[]) => values[Math.floor(random.uniform(1, 0, values.length)[0]!)]!;
  const filterHeight = pick([1, 2, 3, 4, 5]);
  const filterWidth = pick([1, 2, 3, 4]);
  const strideHeight = pick([1, 2, 3]);
  const strideWidth = pick([1, 2]);
  const dilationHeight = pick([1, 1, 2]);
  const dilationWidth = pick([1, 1, 1, 2]);
  const inHeight = pick([5, 7, 8, 11]);
  const inWidth = pick([4, 6, 9, 12]);
  const padTop = pick([0, 1, 2]);
  const padLeft = pick([0, 1, 2]);
  const span = (filter: number, dilation: number) => (filter - 1) * dilation + 1;
  const outHeight = Math.max(
    1,
    Math.floor((inHeight + 2 * padTop - span(filterHeight, dilationHeight)) / strideHeight) + 1,
  );
  const outWidth = Math.max(
    1,
    Math.floor((inWidth + 2 * padLeft - span(filterWidth, dilationWidth)) / strideWidth) + 1,
  );
  return {
    batch: pick([1, 2, 3]),
    inHeight,
    inWidth,
    inChannels: pick([1, 2, 3, 4, 5, 8, 9]),
    outHeight,
    outWidth,
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

describe('im2col and col2im', () => {
  let wasm: KernelHost;
  let cpu: KernelHost;
  beforeAll(async () => {
    await tf.setBackend('cpu');
    cpu = cpuKernelHost(tf.engine().backend);
    await tf.setBackend('wasm');
    wasm = wasmKernelHost(tf.engine().backend);
  });

  it('give the same bits as one WebAssembly loop (wasm) and as the JavaScript loop (cpu), on 60 random shapes', () => {
    for (let trial = 0; trial < 60; trial++) {
      const shape = randomShape();
      const imageShape = [shape.batch, shape.inHeight, shape.inWidth, shape.inChannels];
      const image = random.normal(tf.util.sizeFromShape(imageShape), 0, 1);
      const rows = shape.batch * shape.outHeight * shape.outWidth;
      const width = shape.filterHeight * shape.filterWidth * shape.inChannels;
      const colValues = random.normal(rows * width, 0, 1);
      const results = [wasm, cpu].map((host) => {
        const x = host.allocate(imageShape);
        host.view(x).set(image);
        const cols = im2col(host, x, shape);
        const unrolled = host.view(cols).slice();
        const dcols = host.allocate([rows, width]);
        host.view(dcols).set(colValues);
        const dx = host.allocate(imageShape);
        host.view(dx).fill(Number.NaN); // col2im sets every value, also those no tap reaches
        if (shape.dilationHeight === 1 && shape.dilationWidth === 1) col2im(host, dcols, dx, shape);
        const scattered = host.view(dx).slice();
        for (const info of [x, cols, dcols, dx]) host.free(info);
        return { unrolled, scattered };
      });
      const [ours, reference] = results as [(typeof results)[0], (typeof results)[0]];
      const label = JSON.stringify(shape);
      expect(ours.unrolled.length, label).toBe(rows * width);
      expect(Buffer.from(ours.unrolled.buffer).equals(Buffer.from(reference.unrolled.buffer)), label).toBe(true);
      if (shape.dilationHeight === 1 && shape.dilationWidth === 1) {
        expect(ours.scattered.some(Number.isNaN), label).toBe(false);
        expect(Buffer.from(ours.scattered.buffer).equals(Buffer.from(reference.scattered.buffer)), label).toBe(true);
      }
    }
  });

  it('unrolls a known image: every value of cols is the tap it names, or 0 in the padding', () => {
    const shape: ConvShape = {
      batch: 2,
      inHeight: 5,
      inWidth: 4,
      inChannels: 3,
      outHeight: 3,
      outWidth: 2,
      outChannels: 1,
      filterHeight: 3,
      filterWidth: 2,
      strideHeight: 2,
      strideWidth: 3,
      dilationHeight: 1,
      dilationWidth: 2,
      padTop: 1,
      padLeft: 1,
    };
    const size = 2 * 5 * 4 * 3;
    const x = wasm.allocate([2, 5, 4, 3]);
    wasm.view(x).set(Float32Array.from({ length: size }, (_, i) => i + 1));
    const cols = im2col(wasm, x, shape);
    const values = wasm.view(cols);
    let at = 0;
    for (let n = 0; n < 2; n++) {
      for (let y = 0; y < 3; y++) {
        for (let xo = 0; xo < 2; xo++) {
          for (let i = 0; i < 3; i++) {
            for (let j = 0; j < 2; j++) {
              const h = y * 2 + i - 1;
              const w = xo * 3 + j * 2 - 1;
              for (let c = 0; c < 3; c++, at++) {
                const inside = h >= 0 && h < 5 && w >= 0 && w < 4;
                expect(values[at]).toBe(inside ? ((n * 5 + h) * 4 + w) * 3 + c + 1 : 0);
              }
            }
          }
        }
      }
    }
    wasm.free(x);
    wasm.free(cols);
  });
});
