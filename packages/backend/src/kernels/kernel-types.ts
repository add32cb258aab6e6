import type * as tf from '@tensorflow/tfjs-core';

/** The backends `registerTrainingKernels` knows how to speed up. */
export type TrainingKernelBackend = 'wasm' | 'cpu' | 'webgpu';

/** The stock kernels a replacement may fall back to, by kernel name (absent when the backend has none). */
export type StockKernels = Readonly<Record<string, tf.KernelConfig | undefined>>;

/** A replacement kernel: `create` receives the stock kernels it replaces or calls. */
export interface TrainingKernel {
  kernelName: string;
  create(stock: StockKernels): tf.KernelFunc;
}

export type KernelArgs = Parameters<tf.KernelFunc>[0];

export function stockOrThrow(stock: StockKernels, kernelName: string, backendName: string, why: string): tf.KernelFunc {
  const kernel = stock[kernelName];
  if (kernel === undefined) {
    throw new Error(`${kernelName} on '${backendName}': ${why}, and the backend has no stock kernel to fall back to.`);
  }
  return kernel.kernelFunc;
}
