import { availableParallelism } from 'node:os';
import '@tensorflow/tfjs-backend-cpu';
import { createRandom } from '@gan/core';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../init-backend.js';
import { gemmFor } from '../../wasm/gemm.js';
import { cpuKernelHost, type KernelHost, wasmKernelHost } from '../kernel-host.js';
import { type ConvShape, col2im, im2col } from './im2col.js';

// On the threaded wasm backend that initBackend sets up in Node, large im2col and col2im calls are split over the
// matrix product's worker threads (pixels for im2col, whole images for col2im). The result must be the bits of the
// JavaScript loop on cpu.

const random = createRandom(12);
const pick = (values: number[]) => values[Math.floor(random.uniform(1, 0, values.length)[0]!)]!;

/** A random convolution large enough (most of the time) to be split: 4–8 images of 24–40 pixels a side. */
function largeShape(): ConvShape {
  const [filterHeight, filterWidth] = [pick([1, 3, 4, 5]), pick([2, 4])];
  const [strideHeight, strideWidth] = [pick([1, 2]), pick([1, 2, 3])];
  const [dilationHeight, dilationWidth] = [pick([1, 1, 2]), pick([1, 1, 2])];
  const [inHeight, inWidth] = [pick([24, 33, 40]), pick([24, 31, 40])];
  const [padTop, padLeft] = [pick([0, 1, 2]), pick([0, 1])];
  const span = (filter: number, dilation: number) => (filter - 1) * dilation + 1;
  return {
    batch: pick([4, 6, 8]),
    inHeight,
    inWidth,
    inChannels: pick([1, 3, 9, 16, 24]),
    outHeight: Math.floor((inHeight + 2 * padTop - span(filterHeight, dilationHeight)) / strideHeight) + 1,
    outWidth: Math.floor((inWidth + 2 * padLeft - span(filterWidth, dilationWidth)) / strideWidth) + 1,
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

describe('im2col and col2im on the product threads', () => {
  let wasm: KernelHost;
  let cpu: KernelHost;
  beforeAll(async () => {
    await tf.setBackend('cpu');
    cpu = cpuKernelHost(tf.engine().backend);
    await initBackend({ prefer: 'wasm' });
    wasm = wasmKernelHost(tf.engine().backend);
  });

  it('give the bits of the JavaScript loop, split over the threads', (context) => {
    const cores = availableParallelism();
    context.skip(cores < 2, `${cores} core: initBackend starts no product threads, so nothing is split`);
    expect(gemmFor(wasm.backend)?.threads).toBeGreaterThan(1);
    let split = 0;
    for (let trial = 0; trial < 24; trial++) {
      const shape = largeShape();
      const imageShape = [shape.batch, shape.inHeight, shape.inWidth, shape.inChannels];
      const rows = shape.batch * shape.outHeight * shape.outWidth;
      const width = shape.filterHeight * shape.filterWidth * shape.inChannels;
      if (rows * width >= 1 << 18) split++;
      const image = random.normal(tf.util.sizeFromShape(imageShape), 0, 1);
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
        if (scatter) col2im(host, dcols, dx, shape);
        const scattered = host.view(dx).slice();
        for (const info of [x, cols, dcols, dx]) host.free(info);
        return { unrolled, scattered };
      }) as [{ unrolled: Float32Array; scattered: Float32Array }, { unrolled: Float32Array; scattered: Float32Array }];
      const label = JSON.stringify(shape);
      expect(Buffer.from(ours.unrolled.buffer).equals(Buffer.from(reference.unrolled.buffer)), label).toBe(true);
      if (scatter) {
        expect(Buffer.from(ours.scattered.buffer).equals(Buffer.from(reference.scattered.buffer)), label).toBe(true);
      }
    }
    expect(split).toBeGreaterThan(5);
  });
});
