import { availableParallelism } from 'node:os';
import '@tensorflow/tfjs-backend-cpu';
import { createRandom } from '@gan/core';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../init-backend.js';
import { expectSameBitsAsJavaScript, randomConvShape, type ShapeChoices } from '../../testing/im2col.js';
import { gemmFor } from '../../wasm/gemm.js';
import { cpuKernelHost, type KernelHost, wasmKernelHost } from '../kernel-host.js';

// On the threaded wasm backend that initBackend sets up in Node, large im2col and col2im calls are split over the
// matrix product's worker threads (pixels for im2col, whole images for col2im). The result must be the bits of the
// JavaScript loop on cpu.

const random = createRandom(12);
/** Convolutions large enough (most of the time) to be split: 4–8 images of 24–40 pixels a side. */
const largeShapes: ShapeChoices = {
  batch: [4, 6, 8],
  inHeight: [24, 33, 40],
  inWidth: [24, 31, 40],
  inChannels: [1, 3, 9, 16, 24],
  filterHeight: [1, 3, 4, 5],
  filterWidth: [2, 4],
  strideHeight: [1, 2],
  strideWidth: [1, 2, 3],
  dilationHeight: [1, 1, 2],
  dilationWidth: [1, 1, 2],
  padTop: [0, 1, 2],
  padLeft: [0, 1],
};

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
      const shape = randomConvShape(random, largeShapes);
      const values = shape.batch * shape.outHeight * shape.outWidth * shape.filterHeight * shape.filterWidth;
      if (values * shape.inChannels >= 1 << 18) split++;
      expectSameBitsAsJavaScript(wasm, cpu, shape, random);
    }
    expect(split).toBeGreaterThan(5);
  });
});
