import { batchNormGradKernelName } from '@gan/core';
import * as tf from '@tensorflow/tfjs-core';
import { asWasm, float32View, type TfjsWasmBackend } from '../wasm/internals.js';
import { type SimdKernels, simdKernelsFor } from '../wasm/simd.js';
import { previousGradients, type Strategy, strategyKernel } from './training-kernel.js';

// FusedBatchNorm (wasm: the stock kernel is a scalar loop with an index per parameter) and a new gradient kernel,
// GanBatchNormGrad (two WebAssembly SIMD passes where tfjs's gradient makes about fifteen), with the gradient config
// that uses it where it fits.

/** A batch-norm normalization, as its strategies see it. */
interface BatchNormCall {
  backend: TfjsWasmBackend;
  x: tf.TensorInfo;
  mean: tf.TensorInfo;
  variance: tf.TensorInfo;
  offset: tf.TensorInfo | undefined;
  scale: tf.TensorInfo | undefined;
  varianceEpsilon: number;
}

const batchNormStrategies: readonly Strategy<BatchNormCall>[] = [
  {
    name: 'WebAssembly SIMD over channels-last data (channel counts divisible by 4)',
    applies: ({ backend, x, mean, variance, offset, scale }) => {
      const channels = x.shape[x.shape.length - 1] ?? 0;
      const fits = (t: tf.TensorInfo | undefined) => {
        if (t === undefined) return true;
        const size = tf.util.sizeFromShape(t.shape);
        return t.dtype === 'float32' && (size === channels || size === 1);
      };
      return (
        simdKernelsFor(backend) !== null &&
        x.dtype === 'float32' &&
        channels !== 0 &&
        channels % 4 === 0 &&
        tf.util.sizeFromShape(x.shape) !== 0 &&
        [mean, scale, variance, offset].every(fits)
      );
    },
    run: (c) => batchNormBySimd(simdKernelsFor(c.backend)!, c),
  },
];

/**
 * wasm `FusedBatchNorm` (batch-norm's normalization, forward) by {@link batchNormStrategies}; other channel counts and
 * parameter sizes, other dtypes: stock.
 */
export const wasmBatchNorm = strategyKernel<BatchNormCall>({
  kernelName: tf.FusedBatchNorm,
  backendName: 'wasm',
  read: (args) => {
    const { x, mean, variance, offset, scale } = args.inputs as Record<string, tf.TensorInfo | undefined>;
    if (x === undefined || mean === undefined || variance === undefined) return 'missing inputs';
    const { varianceEpsilon } = args.attrs as unknown as { varianceEpsilon: number };
    return { backend: asWasm(args.backend), x, mean, variance, offset, scale, varianceEpsilon };
  },
  strategies: batchNormStrategies,
});

/**
 * The stock kernel's formula `offset + (x − mean)·scale / √(variance + ε)` in float32 (the stock build rounds a quarter
 * of the values differently in the last bit), every parameter of the channel count or one value.
 */
function batchNormBySimd(
  simd: SimdKernels,
  { backend, x, mean, variance, offset, scale, varianceEpsilon }: BatchNormCall,
): tf.TensorInfo {
  const channels = x.shape[x.shape.length - 1]!;
  const count = tf.util.sizeFromShape(x.shape);
  const out = backend.makeOutput([...x.shape], 'float32');
  const table = backend.makeOutput([4 * channels], 'float32'); // μ, s, n, o per channel
  const values = float32View(backend, table);
  const fill = (k: number, t: tf.TensorInfo | undefined, absent: number, map: (v: number) => number) => {
    const source = t === undefined ? null : float32View(backend, t);
    for (let c = 0; c < channels; c++) {
      const v = source === null ? absent : source[source.length === 1 ? 0 : c]!;
      values[k * channels + c] = map(v);
    }
  };
  const f = Math.fround;
  const epsilon = f(varianceEpsilon);
  fill(0, mean, 0, (v) => v);
  fill(1, scale, 1, (v) => v);
  fill(2, variance, 0, (v) => f(Math.sqrt(f(v + epsilon)))); // sqrtf(variance + ε), as the stock kernel
  fill(3, offset, 0, (v) => v);
  simd.batchNorm(
    backend.getMemoryOffset(x.dataId),
    backend.getMemoryOffset(out.dataId),
    count,
    channels,
    backend.getMemoryOffset(table.dataId),
  );
  backend.disposeData(table.dataId);
  return out;
}

/** Whether {@link batchNormGradKernelName} takes these inputs. */
function batchNormGradFits(
  dy: tf.TensorInfo | undefined,
  x: tf.TensorInfo | undefined,
  mean: tf.TensorInfo | undefined,
  variance: tf.TensorInfo | undefined,
  scale: tf.TensorInfo | undefined,
): boolean {
  if (dy === undefined || x === undefined || mean === undefined || variance === undefined) return false;
  const channels = x.shape[x.shape.length - 1] ?? 0;
  const perChannel = (t: tf.TensorInfo) => t.dtype === 'float32' && t.shape.length === 1 && t.shape[0] === channels;
  return (
    dy.dtype === 'float32' &&
    x.dtype === 'float32' &&
    tf.util.arraysEqual(dy.shape, x.shape) &&
    channels > 0 &&
    channels % 4 === 0 &&
    perChannel(mean) &&
    perChannel(variance) &&
    (scale === undefined || perChannel(scale))
  );
}

/** A batch-norm gradient that fits {@link batchNormGradFits}, on a heap with the SIMD kernels. */
interface BatchNormGradCall {
  backend: TfjsWasmBackend;
  simd: SimdKernels;
  dy: tf.TensorInfo;
  x: tf.TensorInfo;
  mean: tf.TensorInfo;
  variance: tf.TensorInfo;
  scale: tf.TensorInfo | undefined;
  varianceEpsilon: number;
}

const batchNormGradStrategies: readonly Strategy<BatchNormGradCall, tf.TensorInfo[]>[] = [
  {
    name: 'one SIMD pass summing Σ dy and Σ dy·(x − μ) per channel (in float64), one scaling dy',
    applies: () => true,
    run: batchNormGradBySimd,
  },
];

/**
 * {@link batchNormGradKernelName} on wasm: the five gradients of `FusedBatchNorm` (channels last, per-channel
 * parameters, channel count divisible by 4) by {@link batchNormGradStrategies}. Inputs `dy`, `x`, `mean`, `variance`,
 * optional `scale`; attr `varianceEpsilon`; outputs `[dx, dMean, dVariance, dScale, dOffset]`, with
 * r = 1/√(variance + ε): dx = dy·scale·r, dMean = −r·scale·Σdy, dVariance = −½r³·scale·Σdy(x−μ), dScale = r·Σdy(x−μ),
 * dOffset = Σdy.
 */
export const wasmBatchNormGrad = strategyKernel<BatchNormGradCall>({
  kernelName: batchNormGradKernelName,
  backendName: 'wasm',
  read: (args) => {
    const { dy, x, mean, variance, scale } = args.inputs as Record<string, tf.TensorInfo | undefined>;
    const backend = asWasm(args.backend);
    const simd = simdKernelsFor(backend);
    if (!batchNormGradFits(dy, x, mean, variance, scale) || simd === null) {
      throw new Error(
        `${batchNormGradKernelName} expects float32 dy and x of one shape, per-channel float32 mean, variance ` +
          '(and scale) with a channel count divisible by 4, and WebAssembly SIMD.',
      );
    }
    const { varianceEpsilon } = args.attrs as unknown as { varianceEpsilon: number };
    return { backend, simd, dy: dy!, x: x!, mean: mean!, variance: variance!, scale, varianceEpsilon };
  },
  strategies: batchNormGradStrategies,
});

function batchNormGradBySimd({
  backend,
  simd,
  dy,
  x,
  mean,
  variance,
  scale,
  varianceEpsilon,
}: BatchNormGradCall): tf.TensorInfo[] {
  const channels = x.shape[x.shape.length - 1]!;
  const count = tf.util.sizeFromShape(x.shape);
  const dx = backend.makeOutput([...x.shape], 'float32');
  const outputs = [0, 1, 2, 3].map(() => backend.makeOutput([...mean.shape], 'float32'));
  const factors = backend.makeOutput([channels], 'float32');
  const scratch = backend.makeOutput([4 * channels], 'float32'); // 2 · channels float64 sums
  const heap = float32View(backend, scratch);
  const sums = new Float64Array(heap.buffer, heap.byteOffset, 2 * channels);
  sums.fill(0);
  const f = Math.fround;
  const epsilon = f(varianceEpsilon);
  const variances = float32View(backend, variance);
  const scales = scale === undefined ? null : float32View(backend, scale);
  const r = Array.from(variances, (v) => f(1 / f(Math.sqrt(f(v + epsilon)))));
  const s = (c: number) => (scales === null ? 1 : scales[c]!);
  const factorValues = float32View(backend, factors);
  for (let c = 0; c < channels; c++) factorValues[c] = f(s(c) * r[c]!);
  const at = (t: tf.TensorInfo) => backend.getMemoryOffset(t.dataId);
  simd.batchNormGradSums(at(dy), at(x), count, channels, at(mean), heap.byteOffset);
  simd.scaleChannels(at(dy), at(dx), count, channels, at(factors));
  const [dMean, dVariance, dScale, dOffset] = outputs.map((t) => float32View(backend, t)) as [
    Float32Array,
    Float32Array,
    Float32Array,
    Float32Array,
  ];
  for (let c = 0; c < channels; c++) {
    const sumDy = sums[c]!;
    const sumDyCentered = sums[channels + c]!;
    const rc = r[c]!;
    dMean[c] = -rc * s(c) * sumDy;
    dVariance[c] = -0.5 * rc * rc * rc * s(c) * sumDyCentered;
    dScale[c] = rc * sumDyCentered;
    dOffset[c] = sumDy;
  }
  backend.disposeData(factors.dataId);
  backend.disposeData(scratch.dataId);
  return [dx, ...outputs];
}

/**
 * `FusedBatchNorm`'s gradient through {@link batchNormGradKernelName} (two passes over the activations) where the
 * current backend has that kernel and the inputs fit it, outside any outer gradient tape (the kernel has no
 * gradient of its own); the gradient it replaced (tfjs's, ~15 passes) otherwise.
 */
export const batchNormGradient: tf.GradConfig = {
  kernelName: tf.FusedBatchNorm,
  inputsToSave: ['x', 'mean', 'variance', 'scale'],
  gradFunc: (dy, saved, attrs) => {
    const [x, mean, variance, scale] = saved as (tf.Tensor | undefined)[];
    const gradient = dy as tf.Tensor;
    const engine = tf.engine() as unknown as { state: { gradientDepth: number } };
    if (
      engine.state.gradientDepth === 0 &&
      tf.getKernel(batchNormGradKernelName, tf.getBackend()) !== undefined &&
      simdKernelsFor(tf.engine().backend) !== null && // the kernel needs WebAssembly SIMD
      batchNormGradFits(gradient, x, mean, variance, scale ?? undefined)
    ) {
      const inputs: tf.NamedTensorMap = { dy: gradient, x: x!, mean: mean!, variance: variance! };
      if (scale != null) inputs.scale = scale;
      const [dx, dMean, dVariance, dScale, dOffset] = tf.engine().runKernel(batchNormGradKernelName, inputs, {
        varianceEpsilon: (attrs as unknown as { varianceEpsilon: number }).varianceEpsilon,
      }) as tf.Tensor[];
      return {
        x: () => dx!,
        mean: () => dMean!,
        variance: () => dVariance!,
        scale: () => dScale!,
        offset: () => dOffset!,
      };
    }
    const previous = previousGradients.get(tf.FusedBatchNorm);
    if (previous?.gradFunc === undefined) {
      throw new Error(
        'FusedBatchNorm has no gradient to fall back to for these inputs: tfjs registers its gradients when ' +
          "@tensorflow/tfjs-layers (or '@tensorflow/tfjs-core/dist/register_all_gradients') is imported; import it " +
          'before calling registerTrainingKernels().',
      );
    }
    return previous.gradFunc(dy, saved, attrs);
  },
};
