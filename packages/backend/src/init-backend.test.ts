import '@tensorflow/tfjs-core/dist/register_all_gradients';
import { GanError } from '@gan/core';
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { initBackend } from './init-backend.js';
import { adamCase } from './testing/adam.js';
import { gemmFor, setGemmEnabled } from './wasm/gemm.js';

// tfjs-node is not installed in this repository, this is Node (no WebGL), and WebGPU either is not
// installed or finds no hardware adapter here: `auto` must end on wasm, with threads and the kernels.
describe('initBackend', () => {
  it('picks wasm here, says why, and registers the training kernels', async () => {
    const lines: string[] = [];
    const choice = await initBackend({ log: (line) => lines.push(line) });
    expect(choice.name).toBe('wasm');
    expect(tf.getBackend()).toBe('wasm');
    const threads =
      /^wasm \(XNNPACK SIMD, (\d+) threads?; matrix products: (?:FMA|SIMD) on (\d+) threads?, 22 training kernels\)/.exec(
        choice.reason,
      );
    expect(threads, choice.reason).not.toBeNull();
    // In Node the products get as many threads as XNNPACK (their workers start with the threaded backend).
    expect(threads?.[2], choice.reason).toBe(threads?.[1]);
    expect(choice.reason).toContain(
      'tensorflow: Backend "tensorflow" is not available (@tensorflow/tfjs-node-gpu not installed; @tensorflow/tfjs-node not installed)',
    );
    expect(choice.reason).toMatch(
      /webgpu: (Cannot import "webgpu"|WebGPU found no adapter|WebGPU adapter .* is a software renderer)/,
    );
    expect(choice.reason).toContain('webgl: Backend "webgl" is not available outside a browser');
    expect(choice.summary).toMatch(/^wasm \(XNNPACK SIMD, .*training kernels\)$/);
    expect(choice.reason.startsWith(`${choice.summary}; tried first: `)).toBe(true);
    expect(choice.kernels).toEqual(
      expect.arrayContaining(['wasm/Conv2DBackpropFilter', 'wasm/Conv2DBackpropInput', 'wasm/BatchMatMul']),
    );
    expect(lines.at(-1)).toBe(`chose ${choice.reason}`);
    // Asked again while wasm is current: the same answer, without probing again.
    const again = await initBackend({ log: (line) => lines.push(line) });
    expect(again).toEqual(choice);
    expect(lines.at(-1)).toBe(`kept ${choice.reason}`);
    // The chosen backend trains: a conv2d filter gradient needs the registered kernel on wasm.
    const grad = tf.tidy(() => {
      const x = tf.ones([1, 4, 4, 1]);
      return tf.grad((f) => tf.sum(tf.conv2d(x as tf.Tensor4D, f as tf.Tensor4D, 1, 'valid')))(tf.ones([2, 2, 1, 1]));
    });
    expect(Array.from(grad.dataSync())).toEqual([9, 9, 9, 9]); // each tap sees 3×3 ones
    grad.dispose();
  });

  it("runs Adam's update on the matrix product's worker threads, with the bits of one thread (a big variable, split)", async () => {
    await initBackend(); // the threaded wasm backend, with the products' workers
    expect(gemmFor(tf.engine().backend)?.threads).toBe(2);
    // 90,601 values: split over two threads, and one value past the last vector
    const c = adamCase([301, 301], 5, 2);
    const threaded = c.run();
    setGemmEnabled(false); // the SIMD module's loop on this thread
    const single = c.run();
    setGemmEnabled(true);
    for (let k = 0; k < 3; k++) expect(await threaded[k]!.data()).toEqual(await single[k]!.data());
    tf.dispose([...threaded, ...single]);
    c.dispose();
  });

  it('names the package to install when tensorflow is forced but absent', async () => {
    const error = await initBackend({ prefer: 'tensorflow' }).catch((e: unknown) => e);
    expect(GanError.isInstance(error)).toBe(true);
    expect((error as GanError).code).toBe('MISSING_DEPENDENCY');
    expect((error as GanError).message).toContain(
      'Install "@tensorflow/tfjs-node" (CPU) or "@tensorflow/tfjs-node-gpu" (CUDA)',
    );
  });

  it('refuses webgl outside a browser, and webgpu without a hardware adapter, saying what it needs', async () => {
    await expect(initBackend({ prefer: 'webgl' })).rejects.toMatchObject({ code: 'UNSUPPORTED' });
    const error = await initBackend({ prefer: 'webgpu' }).catch((e: unknown) => e);
    expect(GanError.isInstance(error)).toBe(true);
    expect(['MISSING_DEPENDENCY', 'UNSUPPORTED']).toContain((error as GanError).code);
    expect((error as GanError).message).toMatch(
      /npm install webgpu @tensorflow\/tfjs-backend-webgpu|allowSoftwareAdapter: true/,
    );
    expect((globalThis as { navigator?: { gpu?: unknown } }).navigator?.gpu).toBeUndefined(); // no Dawn instance left behind
  });

  it('uses cpu when asked, and rejects unknown names', async () => {
    const choice = await initBackend({ prefer: 'cpu' });
    expect(choice.name).toBe('cpu');
    expect(tf.getBackend()).toBe('cpu');
    expect(choice.kernels.sort()).toEqual(['cpu/Conv2DBackpropFilter', 'cpu/Conv2DBackpropInput', 'cpu/GanAdamUpdate']);
    await expect(initBackend({ prefer: 'metal' as 'cpu' })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
  });
});
