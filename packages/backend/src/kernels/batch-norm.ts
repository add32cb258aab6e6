import { batchNormGradKernelName, batchNormTrainingKernelName } from '@gan/core';
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

// ---- GanBatchNormTraining: batch normalization in training, whole, with its whole gradient ----

/** The gradient kernel of {@link batchNormTrainingKernelName} (run by its gradient config only). */
export const batchNormTrainingGradKernelName = 'GanBatchNormTrainingGrad';

/** A training batch norm, as its strategies see it. */
interface BatchNormTrainingCall {
  backend: TfjsWasmBackend;
  x: tf.TensorInfo;
  scale: tf.TensorInfo;
  offset: tf.TensorInfo;
  varianceEpsilon: number;
}

/** Whether `t` is a float32 vector of `channels` values. */
const perChannelOf = (channels: number) => (t: tf.TensorInfo | undefined) =>
  t !== undefined && t.dtype === 'float32' && t.shape.length === 1 && t.shape[0] === channels;

/** Per channel Σ x and Σ x² in float64: by the SIMD pass where it fits, a JavaScript loop otherwise. */
function sumsAndSquares(backend: TfjsWasmBackend, x: tf.TensorInfo, channels: number): Float64Array {
  const count = tf.util.sizeFromShape(x.shape);
  const simd = simdKernelsFor(backend);
  if (simd !== null && channels % 4 === 0 && count > 0) {
    const scratch = backend.makeOutput([4 * channels], 'float32');
    const heap = float32View(backend, scratch);
    const sums = new Float64Array(heap.buffer, heap.byteOffset, 2 * channels);
    sums.fill(0);
    simd.sumRowsSquares(backend.getMemoryOffset(x.dataId), count, channels, heap.byteOffset);
    const copy = sums.slice();
    backend.disposeData(scratch.dataId);
    return copy;
  }
  const values = float32View(backend, x);
  const sums = new Float64Array(2 * channels);
  for (let i = 0; i < values.length; i++) {
    const c = i % channels;
    const v = values[i]!;
    sums[c] += v;
    sums[channels + c] += v * v;
  }
  return sums;
}

/**
 * `[y, mean, variance]`: the batch's mean and biased variance per channel (float64 sums of x and x²), then tfjs's
 * normalization formula `offset + (x − mean)·scale / √(variance + ε)` (by the SIMD pass of `FusedBatchNorm` where the
 * channel count is divisible by 4).
 */
function batchNormTraining({ backend, x, scale, offset, varianceEpsilon }: BatchNormTrainingCall): tf.TensorInfo[] {
  const channels = x.shape[x.shape.length - 1]!;
  const n = tf.util.sizeFromShape(x.shape) / channels;
  const sums = sumsAndSquares(backend, x, channels);
  const mean = backend.makeOutput([channels], 'float32');
  const variance = backend.makeOutput([channels], 'float32');
  const means = float32View(backend, mean);
  const variances = float32View(backend, variance);
  for (let c = 0; c < channels; c++) {
    const m = sums[c]! / n;
    means[c] = m;
    variances[c] = Math.max(0, sums[channels + c]! / n - m * m);
  }
  const call = { backend, x, mean, variance, offset, scale, varianceEpsilon };
  const y = batchNormStrategies[0]!.applies(call)
    ? batchNormBySimd(simdKernelsFor(backend)!, call)
    : batchNormByLoop(call);
  return [y, mean, variance];
}

/** {@link batchNormBySimd}'s formula as a JavaScript loop, for any channel count. */
function batchNormByLoop({ backend, x, mean, variance, offset, scale, varianceEpsilon }: BatchNormCall): tf.TensorInfo {
  const channels = x.shape[x.shape.length - 1]!;
  const out = backend.makeOutput([...x.shape], 'float32');
  const [xs, ys, means, variances] = [x, out, mean, variance].map((t) => float32View(backend, t)) as Float32Array[];
  const offsets = offset === undefined ? null : float32View(backend, offset);
  const scales = scale === undefined ? null : float32View(backend, scale);
  const f = Math.fround;
  const norms = Array.from(variances!, (v) => f(Math.sqrt(f(v + f(varianceEpsilon)))));
  for (let i = 0; i < xs!.length; i++) {
    const c = i % channels;
    const s = scales === null ? 1 : scales[c]!;
    const o = offsets === null ? 0 : offsets[c]!;
    ys![i] = f(o + f(f(f(xs![i]! - means![c]!) * s) / norms[c]!));
  }
  return out;
}

/** wasm {@link batchNormTrainingKernelName}: channels last, per-channel float32 scale and offset, any channel count. */
export const wasmBatchNormTraining = strategyKernel<BatchNormTrainingCall>({
  kernelName: batchNormTrainingKernelName,
  backendName: 'wasm',
  read: (args) => {
    const { x, scale, offset } = args.inputs as Record<string, tf.TensorInfo | undefined>;
    const channels = x?.shape[x.shape.length - 1] ?? 0;
    const perChannel = perChannelOf(channels);
    if (
      x === undefined ||
      x.dtype !== 'float32' ||
      x.shape.length < 2 ||
      channels === 0 ||
      !perChannel(scale) ||
      !perChannel(offset)
    ) {
      throw new Error(
        `${batchNormTrainingKernelName} expects a float32 x of rank ≥ 2 (channels last) and float32 scale and offset of ` +
          `its channel count; got x ${x === undefined ? 'none' : `${x.dtype} [${x.shape}]`}.`,
      );
    }
    const { varianceEpsilon } = args.attrs as unknown as { varianceEpsilon: number };
    return { backend: asWasm(args.backend), x, scale: scale!, offset: offset!, varianceEpsilon };
  },
  strategies: [
    {
      name: 'float64 sums of x and x² (one SIMD pass where channels % 4 = 0), then the normalization pass',
      applies: () => true,
      run: batchNormTraining,
    },
  ],
});

/** The gradient call: dy, the saved x, scale, mean and variance, and the gradients reaching mean and variance. */
interface BatchNormTrainingGradCall {
  backend: TfjsWasmBackend;
  dy: tf.TensorInfo;
  x: tf.TensorInfo;
  scale: tf.TensorInfo;
  mean: tf.TensorInfo;
  variance: tf.TensorInfo;
  dMean: tf.TensorInfo | undefined;
  dVariance: tf.TensorInfo | undefined;
  varianceEpsilon: number;
}

/**
 * `[dx, dScale, dOffset]` of a training batch norm, with r = 1/√(variance + ε), S₁ = Σdy, S₂ = Σdy·(x − μ) per channel
 * over its n values: dx = γr·dy − γr³S₂/n·(x − μ) − γrS₁/n (+ dMean/n + 2·dVariance/n·(x − μ) where the statistics
 * themselves have gradients), dScale = r·S₂, dOffset = S₁. One pass for the sums, one for dx.
 */
function batchNormTrainingGrad(call: BatchNormTrainingGradCall): tf.TensorInfo[] {
  const { backend, dy, x, scale, mean, variance, dMean, dVariance, varianceEpsilon } = call;
  const channels = x.shape[x.shape.length - 1]!;
  const count = tf.util.sizeFromShape(x.shape);
  const n = count / channels;
  const simd = channels % 4 === 0 && count > 0 ? simdKernelsFor(backend) : null;
  // Every allocation before the first view: an allocation may grow the wasm memory, and growing a heap that is not
  // shared (tfjs's builds without threads) detaches the typed arrays made before it.
  const scratch = simd === null ? null : backend.makeOutput([4 * channels], 'float32');
  const params = backend.makeOutput([4 * channels], 'float32');
  const dScale = backend.makeOutput([channels], 'float32');
  const dOffset = backend.makeOutput([channels], 'float32');
  const dx = backend.makeOutput([...x.shape], 'float32');
  const [means, variances, scales] = [mean, variance, scale].map((t) => float32View(backend, t)) as Float32Array[];
  const dMeans = dMean === undefined ? null : float32View(backend, dMean);
  const dVariances = dVariance === undefined ? null : float32View(backend, dVariance);
  // S₁ and S₂ per channel, in float64
  let sums: Float64Array;
  if (simd !== null && scratch !== null) {
    const heap = float32View(backend, scratch);
    const view = new Float64Array(heap.buffer, heap.byteOffset, 2 * channels);
    view.fill(0);
    const at = (t: tf.TensorInfo) => backend.getMemoryOffset(t.dataId);
    simd.batchNormGradSums(at(dy), at(x), count, channels, at(mean), heap.byteOffset);
    sums = view.slice();
    backend.disposeData(scratch.dataId);
  } else {
    const [dys, xs] = [dy, x].map((t) => float32View(backend, t)) as Float32Array[];
    sums = new Float64Array(2 * channels);
    for (let i = 0; i < count; i++) {
      const c = i % channels;
      sums[c] += dys![i]!;
      sums[channels + c] += dys![i]! * (xs![i]! - means![c]!);
    }
  }
  // dx = a·dy + b·(x − μ) + c per channel
  const table = float32View(backend, params);
  const [dScales, dOffsets] = [dScale, dOffset].map((t) => float32View(backend, t)) as Float32Array[];
  for (let c = 0; c < channels; c++) {
    const r = 1 / Math.sqrt(variances![c]! + varianceEpsilon);
    const gamma = scales![c]!;
    const s1 = sums[c]!;
    const s2 = sums[channels + c]!;
    table[c] = gamma * r;
    table[channels + c] = (-gamma * r * r * r * s2) / n + (dVariances === null ? 0 : (2 * dVariances[c]!) / n);
    table[2 * channels + c] = means![c]!;
    table[3 * channels + c] = (-gamma * r * s1) / n + (dMeans === null ? 0 : dMeans[c]! / n);
    dScales![c] = r * s2;
    dOffsets![c] = s1;
  }
  if (simd !== null) {
    const at = (t: tf.TensorInfo) => backend.getMemoryOffset(t.dataId);
    simd.batchNormTrainingDx(at(dy), at(x), at(dx), count, channels, at(params));
  } else {
    const [dys, xs, dxs] = [dy, x, dx].map((t) => float32View(backend, t)) as Float32Array[];
    for (let i = 0; i < count; i++) {
      const c = i % channels;
      dxs![i] =
        table[c]! * dys![i]! + table[channels + c]! * (xs![i]! - table[2 * channels + c]!) + table[3 * channels + c]!;
    }
  }
  backend.disposeData(params.dataId);
  return [dx, dScale, dOffset];
}

/** wasm {@link batchNormTrainingGradKernelName}: inputs `dy`, `x`, `scale`, `mean`, `variance`, optional `dMean`, `dVariance`. */
export const wasmBatchNormTrainingGrad = strategyKernel<BatchNormTrainingGradCall>({
  kernelName: batchNormTrainingGradKernelName,
  backendName: 'wasm',
  read: (args) => {
    const { dy, x, scale, mean, variance, dMean, dVariance } = args.inputs as Record<string, tf.TensorInfo | undefined>;
    const channels = x?.shape[x.shape.length - 1] ?? 0;
    const perChannel = perChannelOf(channels);
    if (
      dy === undefined ||
      x === undefined ||
      dy.dtype !== 'float32' ||
      x.dtype !== 'float32' ||
      !tf.util.arraysEqual(dy.shape, x.shape) ||
      ![scale, mean, variance].every(perChannel) ||
      (dMean !== undefined && !perChannel(dMean)) ||
      (dVariance !== undefined && !perChannel(dVariance))
    ) {
      throw new Error(
        `${batchNormTrainingGradKernelName} expects float32 dy and x of one shape and float32 scale, mean, variance ` +
          '(and dMean, dVariance) of its channel count.',
      );
    }
    const { varianceEpsilon } = args.attrs as unknown as { varianceEpsilon: number };
    return {
      backend: asWasm(args.backend),
      dy,
      x,
      scale: scale!,
      mean: mean!,
      variance: variance!,
      dMean,
      dVariance,
      varianceEpsilon,
    };
  },
  strategies: [
    {
      name: 'float64 sums of dy and dy·(x − μ) (one SIMD pass where channels % 4 = 0), then one pass for dx',
      applies: () => true,
      run: batchNormTrainingGrad,
    },
  ],
});

/**
 * The gradient of {@link batchNormTrainingKernelName}: by {@link batchNormTrainingGradKernelName} (two passes) where
 * the current backend has it and no outer tape records this gradient, otherwise by tfjs ops (differentiable again, for
 * gradient penalties; and on backends without the kernel). The gradients reaching the `mean` and `variance` outputs
 * are included.
 */
export const batchNormTrainingGradient: tf.GradConfig = {
  kernelName: batchNormTrainingKernelName,
  inputsToSave: ['x', 'scale'],
  outputsToSave: [false, true, true],
  gradFunc: (dys, saved, attrs) => {
    // tfjs passes null for an output the loss does not reach (usually the statistics).
    const [dyOrNull, dMeanOrNull, dVarianceOrNull] = dys as (tf.Tensor | null)[];
    const [x, scale, mean, variance] = saved as [tf.Tensor, tf.Tensor, tf.Tensor, tf.Tensor];
    const dy = dyOrNull ?? tf.zerosLike(x);
    const dMean = dMeanOrNull ?? undefined;
    const dVariance = dVarianceOrNull ?? undefined;
    const { varianceEpsilon } = attrs as unknown as { varianceEpsilon: number };
    const engine = tf.engine() as unknown as { state: { gradientDepth: number } };
    if (
      engine.state.gradientDepth === 0 &&
      tf.getKernel(batchNormTrainingGradKernelName, tf.getBackend()) !== undefined
    ) {
      const inputs: tf.NamedTensorMap = { dy, x, scale, mean, variance };
      if (dMean !== undefined) inputs.dMean = dMean;
      if (dVariance !== undefined) inputs.dVariance = dVariance;
      const [dx, dScale, dOffset] = tf.engine().runKernel(batchNormTrainingGradKernelName, inputs, {
        varianceEpsilon,
      }) as tf.Tensor[];
      return { x: () => dx!, scale: () => dScale!, offset: () => dOffset! };
    }
    const grads = tf.tidy(() => {
      const axes = x.shape.slice(0, -1).map((_, i) => i);
      const n = x.size / x.shape[x.shape.length - 1]!;
      // The statistics again from x, so that an outer tape sees how this gradient depends on x through them (the
      // saved outputs are copies that the tape does not connect to the forward kernel).
      const { mean, variance } = tf.moments(x, axes);
      const centered = tf.sub(x, mean);
      const r = tf.rsqrt(tf.add(variance, varianceEpsilon));
      const s1 = tf.sum(dy, axes);
      const s2 = tf.sum(tf.mul(dy, centered), axes);
      const gammaR = tf.mul(scale, r);
      let b = tf.div(tf.mul(tf.neg(tf.mul(gammaR, tf.square(r))), s2), n);
      let c = tf.div(tf.neg(tf.mul(gammaR, s1)), n);
      if (dVariance !== undefined) b = tf.add(b, tf.div(tf.mul(dVariance, 2), n));
      if (dMean !== undefined) c = tf.add(c, tf.div(dMean, n));
      const dx = tf.add(tf.add(tf.mul(gammaR, dy), tf.mul(b, centered)), c);
      return [dx, tf.mul(r, s2), s1];
    });
    return { x: () => grads[0]!, scale: () => grads[1]!, offset: () => grads[2]! };
  },
};
