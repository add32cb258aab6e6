import * as tf from '@tensorflow/tfjs-core';
import type { KernelHost, KernelOverrides } from './kernel-host.js';
import type { KernelArgs, TrainingKernel } from './kernel-types.js';
import { type SimdKernels, simdKernelsFor } from '../wasm/simd.js';

/**
 * The name of the fused Adam update kernel. `@gan/train`'s Adam optimizer runs it when the current
 * backend has it (registered by `registerTrainingKernels` for wasm and cpu) and tfjs's own op-by-op
 * update otherwise. Inputs `variable`, `gradient`, `firstMoment`, `secondMoment` (float32, one shape);
 * attrs {@link AdamUpdateAttrs}; outputs `[variable, firstMoment, secondMoment]` updated.
 */
export const adamUpdateKernelName = 'GanAdamUpdate';

/** Attributes of the {@link adamUpdateKernelName} kernel. */
export interface AdamUpdateAttrs {
  learningRate: number;
  beta1: number;
  beta2: number;
  epsilon: number;
  /** 1 − β₁ᵗ for this step's bias correction. */
  biasCorrection1: number;
  /** 1 − β₂ᵗ. */
  biasCorrection2: number;
}

/**
 * One Adam step over flat arrays, the formula of tfjs's `AdamOptimizer` (with float64 intermediates, rounded
 * once to float32, so results differ from tfjs's op-by-op float32 in the last bits; the cpu backend's kernel, and
 * the reference of the wasm one, which runs in float32 SIMD):
 * m ← β₁m + (1−β₁)g, v ← β₂v + (1−β₂)g², w ← w − lr·(m/c₁)/(√(v/c₂) + ε), written to the outputs.
 * tfjs does it in about ten element-wise kernels, each a pass over memory with a new tensor; this is
 * one pass.
 */
export function adamUpdate(
  w: Float32Array,
  g: Float32Array,
  m: Float32Array,
  v: Float32Array,
  attrs: AdamUpdateAttrs,
  wOut: Float32Array,
  mOut: Float32Array,
  vOut: Float32Array,
): void {
  const { learningRate, beta1, beta2, epsilon, biasCorrection1, biasCorrection2 } = attrs;
  const oneMinusBeta1 = 1 - beta1;
  const oneMinusBeta2 = 1 - beta2;
  // lr·(m/c₁)/(√(v/c₂) + ε) with the per-step constants taken out of the loop: one division per value instead
  // of three (the loop is a third faster: 6.4M values in ~60–80 ms instead of ~100 ms on the 2-core VM).
  const stepSize = learningRate / biasCorrection1;
  const inverseCorrection2 = 1 / biasCorrection2;
  const n = w.length;
  for (let i = 0; i < n; i++) {
    const gi = g[i]!;
    const mi = beta1 * m[i]! + oneMinusBeta1 * gi;
    const vi = beta2 * v[i]! + oneMinusBeta2 * gi * gi;
    mOut[i] = mi;
    vOut[i] = vi;
    wOut[i] = w[i]! - (stepSize * mi) / (Math.sqrt(vi * inverseCorrection2) + epsilon);
  }
}

/**
 * The same step in float32 (the rounding of tfjs's own kernels), as WebAssembly SIMD over the wasm heap for all
 * but the last `count % 4` values, which take the same float32 operations here. Several times faster than the
 * JavaScript loop, which is bound by its typed-array loads and stores (6.4M values: ~15 ms against 70–90 ms).
 */
function adamUpdateSimd(
  simd: SimdKernels,
  host: KernelHost,
  inputs: tf.TensorInfo[],
  outputs: tf.TensorInfo[],
  attrs: AdamUpdateAttrs,
): void {
  const { learningRate, beta1, beta2, epsilon, biasCorrection1, biasCorrection2 } = attrs;
  const f = Math.fround;
  const constants = [
    beta1,
    beta2,
    1 - beta1,
    1 - beta2,
    learningRate / biasCorrection1,
    1 / biasCorrection2,
    epsilon,
  ].map(f) as [number, number, number, number, number, number, number];
  const offsets = [...inputs, ...outputs].map((t) => host.byteOffset!(t)) as [
    number,
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  const count = tf.util.sizeFromShape(inputs[0]!.shape);
  const vectorized = count - (count % 4);
  simd.adam(...offsets, vectorized, ...constants);
  if (vectorized === count) return;
  const [b1, b2, o1, o2, stepSize, inverseCorrection2, eps] = constants;
  const [w, g, m, v] = inputs.map((t) => host.view(t)) as [Float32Array, Float32Array, Float32Array, Float32Array];
  const [wOut, mOut, vOut] = outputs.map((t) => host.view(t)) as [Float32Array, Float32Array, Float32Array];
  for (let i = vectorized; i < count; i++) {
    const gi = g[i]!;
    const mi = f(f(b1 * m[i]!) + f(o1 * gi));
    const vi = f(f(b2 * v[i]!) + f(f(o2 * gi) * gi));
    mOut[i] = mi;
    vOut[i] = vi;
    wOut[i] = f(w[i]! - f(f(stepSize * mi) / f(f(Math.sqrt(f(vi * inverseCorrection2))) + eps)));
  }
}

/** The fused Adam update as a kernel of a {@link KernelHost} backend. */
export function adamUpdateKernel(
  makeHost: (backend: tf.KernelBackend, overrides: KernelOverrides) => KernelHost,
): TrainingKernel {
  return {
    kernelName: adamUpdateKernelName,
    create() {
      return (args: KernelArgs): tf.TensorInfo[] => {
        const { variable, gradient, firstMoment, secondMoment } = args.inputs as Record<string, tf.TensorInfo>;
        const inputs = [variable, gradient, firstMoment, secondMoment];
        for (const input of inputs) {
          if (input === undefined || input.dtype !== 'float32' || !tf.util.arraysEqual(input.shape, variable!.shape)) {
            throw new Error(
              `${adamUpdateKernelName} expects float32 variable, gradient, firstMoment and secondMoment of one shape, got ` +
                inputs.map((t) => (t ? `${t.dtype}[${t.shape.join(',')}]` : 'nothing')).join(', '),
            );
          }
        }
        const attrs = args.attrs as unknown as AdamUpdateAttrs;
        for (const key of [
          'learningRate',
          'beta1',
          'beta2',
          'epsilon',
          'biasCorrection1',
          'biasCorrection2',
        ] as const) {
          if (!Number.isFinite(attrs[key]) || (key.startsWith('biasCorrection') && attrs[key] <= 0)) {
            throw new Error(
              `${adamUpdateKernelName} expects a finite ${key}${key.startsWith('bias') ? ' > 0' : ''}, got ${attrs[key]}.`,
            );
          }
        }
        const host = makeHost(args.backend as tf.KernelBackend, {});
        // Read the inputs once first: data on another backend moves here on first read, which allocates.
        for (const input of inputs) host.view(input!);
        const shape = [...variable!.shape];
        const outputs = [host.allocate(shape), host.allocate(shape), host.allocate(shape)];
        const simd = host.byteOffset === undefined ? null : simdKernelsFor(host.backend);
        if (simd !== null) {
          adamUpdateSimd(simd, host, inputs as tf.TensorInfo[], outputs, attrs);
          return outputs;
        }
        // Views after the allocations: on wasm an allocation may grow the heap and detach older views.
        const [wOut, mOut, vOut] = outputs.map((t) => host.view(t)) as [Float32Array, Float32Array, Float32Array];
        adamUpdate(
          host.view(variable!),
          host.view(gradient!),
          host.view(firstMoment!),
          host.view(secondMoment!),
          attrs,
          wOut,
          mOut,
          vOut,
        );
        return outputs;
      };
    },
  };
}
