import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-wasm';
import { createRandom } from '@gan/core';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { expectSameBitsAsJavaScript, randomConvShape, type ShapeChoices } from '../../testing/im2col.js';
import { cpuKernelHost, type KernelHost, wasmKernelHost } from '../kernel-host.js';
import { type ConvShape, im2col } from './im2col.js';

// On wasm, im2col and col2im run as one WebAssembly loop (the SIMD module's im2colRows / col2imRows); on cpu, as the
// JavaScript loop. Both must give the same values bit for bit: col2im adds every value in the same order either way.

const random = createRandom(11);

/** Convolutions with 1–9 channels (runs shorter and longer than a vector), strides, dilations, paddings. */
const smallShapes: ShapeChoices = {
  batch: [1, 2, 3],
  inHeight: [5, 7, 8, 11],
  inWidth: [4, 6, 9, 12],
  inChannels: [1, 2, 3, 4, 5, 8, 9],
  filterHeight: [1, 2, 3, 4, 5],
  filterWidth: [1, 2, 3, 4],
  strideHeight: [1, 2, 3],
  strideWidth: [1, 2],
  dilationHeight: [1, 1, 2],
  dilationWidth: [1, 1, 1, 2],
  padTop: [0, 1, 2],
  padLeft: [0, 1, 2],
};

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
      expectSameBitsAsJavaScript(wasm, cpu, randomConvShape(random, smallShapes), random);
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
