import { GanError } from '@gan/core';
import * as tf from '@tensorflow/tfjs-core';
import { newKernelGradients, trainingGradients, trainingKernelsFor } from './kernels/register-all.js';
import { previousGradients, type TrainingKernelBackend } from './kernels/training-kernel.js';

/** Options of {@link registerTrainingKernels}. */
export interface RegisterTrainingKernelsConfig {
  /**
   * The backends to patch. A backend whose package is not loaded yet (no kernels registered for it)
   * is skipped and listed in `skipped`: call again after importing it.
   * Defaults to `['wasm', 'cpu', 'webgpu']`.
   */
  backends?: readonly TrainingKernelBackend[];
}

/** What {@link registerTrainingKernels} did. */
export interface RegisteredTrainingKernels {
  /** `backend/Kernel` for every kernel now replaced (including ones replaced by an earlier call). */
  registered: string[];
  /** Backends that were asked for but have no kernels registered, so nothing was patched there. */
  skipped: TrainingKernelBackend[];
}

interface Replacement {
  stock: tf.KernelConfig | undefined;
  ours: tf.KernelConfig;
}

// Global, like tfjs's own kernel registry, so two copies of this package do not stack patches.
const replacementsKey = Symbol.for('gan.backend.trainingKernels');
const globalScope = globalThis as typeof globalThis & { [replacementsKey]?: Map<string, Replacement> };
if (globalScope[replacementsKey] === undefined) globalScope[replacementsKey] = new Map();
const replacements: Map<string, Replacement> = globalScope[replacementsKey];

const supportedBackends: readonly TrainingKernelBackend[] = ['wasm', 'cpu', 'webgpu'];

function registerGradients(): void {
  // Registered again when something (importing tfjs-layers, say) has put tfjs's back since.
  for (const ours of trainingGradients) {
    const current = tf.getGradient(ours.kernelName);
    if (current === ours) continue;
    if (current !== undefined) previousGradients.set(ours.kernelName, current);
    tf.registerGradient(ours);
  }
  for (const ours of newKernelGradients) if (tf.getGradient(ours.kernelName) !== ours) tf.registerGradient(ours);
}

function unregisterGradients(): void {
  for (const ours of trainingGradients) {
    const previous = previousGradients.get(ours.kernelName);
    if (previous !== undefined && tf.getGradient(ours.kernelName) === ours) tf.registerGradient(previous);
    previousGradients.delete(ours.kernelName);
  }
}

/**
 * Replaces kernels that GAN training needs and the stock backends lack or run slowly:
 * - wasm: `Conv2DBackpropFilter` (missing), `Conv2DBackpropInput` (a scalar loop; also the forward
 *   pass of `conv2dTranspose`), `_FusedMatMul` for big weights (a dense layer's forward pass, without XNNPACK's
 *   weight packing for every fresh weight tensor), `BatchMatMul` with a transposed operand (the gradients of a dense
 *   layer; only the untransposed product reaches XNNPACK), `Sum` / `Mean` over leading axes, `FusedBatchNorm`, `LeakyRelu` and a new
 *   one-pass `GanLeakyReluGrad` and a two-pass `GanBatchNormGrad` (WebAssembly SIMD on the wasm heap), with
 *   LeakyRelu and FusedBatchNorm gradients that use them, and a new `GanBatchNormTraining` (batch norm in training,
 *   statistics included, with its whole gradient in two passes; `@gan/layers`' `BatchNormalization` runs it);
 * - cpu: `Conv2DBackpropFilter` and `Conv2DBackpropInput` (naive loops) as im2col + matrix product;
 * - wasm, cpu and webgpu: `GanAdamUpdate`, a fused Adam step that `@gan/train`'s `adam()` uses (tfjs's Adam is
 *   about ten element-wise kernels per variable; on webgpu it becomes three dispatches).
 *
 * Explicit and idempotent: nothing is patched on import, and calling it again changes nothing.
 * Each replacement falls back to the stock kernel for what it does not handle (non-float32 data,
 * shapes that disagree with the forward convolution, batched products). It keeps the stock
 * kernel's setup, so it may run before or after `tf.setBackend`.
 */
export function registerTrainingKernels(config: RegisterTrainingKernelsConfig = {}): RegisteredTrainingKernels {
  const backends = config.backends ?? supportedBackends;
  const skipped: TrainingKernelBackend[] = [];
  for (const backendName of backends) {
    if (!supportedBackends.includes(backendName)) {
      throw new GanError(
        'INVALID_ARGUMENT',
        `registerTrainingKernels() supports the backends ${supportedBackends.join(', ')}, got "${String(backendName)}".`,
      );
    }
    if (tf.getKernelsForBackend(backendName).length === 0) {
      skipped.push(backendName);
      continue;
    }
    const kernels = trainingKernelsFor(backendName);
    if (backendName === 'wasm') registerGradients();
    const stock: Record<string, tf.KernelConfig | undefined> = {};
    for (const { kernelName } of kernels) {
      const key = `${backendName}/${kernelName}`;
      const current = tf.getKernel(kernelName, backendName);
      const known = replacements.get(key);
      stock[kernelName] = known !== undefined && current === known.ours ? known.stock : current;
    }
    for (const kernel of kernels) {
      const key = `${backendName}/${kernel.kernelName}`;
      const current = tf.getKernel(kernel.kernelName, backendName);
      const known = replacements.get(key);
      if (known !== undefined && current === known.ours) continue;
      const original = stock[kernel.kernelName];
      const ours: tf.KernelConfig = {
        kernelName: kernel.kernelName,
        backendName,
        kernelFunc: kernel.create(stock),
        setupFunc: original?.setupFunc,
        disposeFunc: original?.disposeFunc,
      };
      if (current !== undefined) tf.unregisterKernel(kernel.kernelName, backendName);
      tf.registerKernel(ours);
      replacements.set(key, { stock: original, ours });
    }
  }
  const registered = [...replacements.entries()]
    .filter(([key, { ours }]) => {
      const [backendName, kernelName] = key.split('/') as [string, string];
      return tf.getKernel(kernelName, backendName) === ours;
    })
    .map(([key]) => key);
  return { registered, skipped };
}

/**
 * Puts back the stock kernels that {@link registerTrainingKernels} replaced (and removes the
 * ones it added where the backend had none). Meant for tests and benchmarks that compare both.
 */
export function unregisterTrainingKernels(): void {
  unregisterGradients();
  for (const [key, { stock, ours }] of replacements) {
    const [backendName, kernelName] = key.split('/') as [string, string];
    if (tf.getKernel(kernelName, backendName) === ours) {
      tf.unregisterKernel(kernelName, backendName);
      if (stock !== undefined) tf.registerKernel(stock);
    }
    replacements.delete(key);
  }
}
