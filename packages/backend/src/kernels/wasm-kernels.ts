import * as tf from '@tensorflow/tfjs-core';
import type { KernelHost, KernelOverrides } from './kernel-host.js';
import { type KernelArgs, stockOrThrow, type TrainingKernel } from './kernel-types.js';
import { type MatMulAttrs, matMulWithoutTransposes } from './mat-mul.js';
import { leadingAxesCount, reduceLeadingAxes } from './algorithms/reduce.js';
import { tileInto } from './algorithms/tile.js';
import { type SimdKernels, simdKernelsFor } from '../wasm/simd.js';

/**
 * wasm `BatchMatMul` with a transposed operand (dense-layer gradients): the transposes are
 * materialized so the product takes XNNPACK's path (see `matMulWithoutTransposes`).
 */
export function batchMatMul(
  makeHost: (backend: tf.KernelBackend, overrides: KernelOverrides) => KernelHost,
): TrainingKernel {
  return {
    kernelName: tf.BatchMatMul,
    create(stock) {
      const original = stockOrThrow(stock, tf.BatchMatMul, 'wasm', 'no stock kernel');
      const overrides = { [tf.BatchMatMul]: original };
      const kernelFunc = (args: KernelArgs): tf.TensorInfo => {
        const { a, b } = args.inputs as { a: tf.TensorInfo; b: tf.TensorInfo };
        const attrs = args.attrs as unknown as MatMulAttrs;
        if ((attrs.transposeA || attrs.transposeB) && a.dtype === 'float32' && b.dtype === 'float32') {
          const result = matMulWithoutTransposes(makeHost(args.backend as tf.KernelBackend, overrides), a, b, attrs);
          if (result !== null) return result;
        }
        return original(args) as tf.TensorInfo;
      };
      return kernelFunc;
    },
  };
}

interface WasmBackendData extends tf.KernelBackend {
  incRef(dataId: tf.DataId): void;
  makeOutput(shape: number[], dtype: tf.DataType): tf.TensorInfo;
  typedArrayFromHeap(info: tf.TensorInfo): Float32Array | Int32Array | Uint8Array;
  getMemoryOffset(dataId: tf.DataId): number;
}

/**
 * wasm `Identity` copies its input; the engine calls it (through `clone`) for every tensor it saves
 * for the backward pass, including whole weight matrices. Tensors are immutable, so this shares the
 * data instead, as the cpu backend and wasm's own Reshape do.
 */
export function sharedIdentity(): TrainingKernel {
  return {
    kernelName: tf.Identity,
    create(stock) {
      const original = stockOrThrow(stock, tf.Identity, 'wasm', 'no stock kernel');
      return (args) => {
        const { x } = args.inputs as { x: tf.TensorInfo };
        if (x.dtype === 'string') return original(args);
        (args.backend as WasmBackendData).incRef(x.dataId);
        return { dataId: x.dataId, shape: [...x.shape], dtype: x.dtype };
      };
    },
  };
}

/**
 * wasm `Cast` to the dtype the tensor already has (tfjs's ReLU gradient casts its float32 `Step` to float32) shares
 * the data, as the cpu backend does; the stock kernel copies it value by value (a TypedArray `set` over the shared
 * heap of threaded wasm).
 */
export function sharedCast(): TrainingKernel {
  return {
    kernelName: tf.Cast,
    create(stock) {
      const original = stockOrThrow(stock, tf.Cast, 'wasm', 'no stock kernel');
      return (args) => {
        const { x } = args.inputs as { x: tf.TensorInfo };
        const { dtype } = args.attrs as unknown as { dtype: tf.DataType };
        if (x.dtype !== dtype || dtype === 'string' || dtype === 'complex64') return original(args);
        (args.backend as WasmBackendData).incRef(x.dataId);
        return { dataId: x.dataId, shape: [...x.shape], dtype };
      };
    },
  };
}

/** wasm `Tile` by block copies (batch-norm gradients tile per-channel vectors to whole activations). */
export function blockTile(): TrainingKernel {
  return {
    kernelName: tf.Tile,
    create(stock) {
      const original = stockOrThrow(stock, tf.Tile, 'wasm', 'no stock kernel');
      return (args) => {
        const { x } = args.inputs as { x: tf.TensorInfo };
        const { reps } = args.attrs as unknown as { reps: number[] };
        if (x.dtype === 'string' || x.dtype === 'complex64' || reps.length !== x.shape.length) return original(args);
        const backend = args.backend as WasmBackendData;
        const out = backend.makeOutput(
          x.shape.map((d, i) => d * reps[i]),
          x.dtype,
        );
        tileInto(backend.typedArrayFromHeap(x), x.shape, reps, backend.typedArrayFromHeap(out));
        return out;
      };
    },
  };
}

/**
 * wasm `Sum` / `Mean` over leading axes (batch-norm statistics and their gradients, bias gradients
 * of NHWC activations) by adding whole rows; the stock kernels transpose the input first.
 */
export function leadingAxesReduction(kernelName: typeof tf.Sum | typeof tf.Mean): TrainingKernel {
  return {
    kernelName,
    create(stock) {
      const original = stockOrThrow(stock, kernelName, 'wasm', 'no stock kernel');
      return (args) => {
        const { x } = args.inputs as { x: tf.TensorInfo };
        const { axis, keepDims } = args.attrs as unknown as { axis: number | number[]; keepDims: boolean };
        const rank = x.shape.length;
        const axes = tf.util.parseAxisParam(axis, x.shape);
        const leading = x.dtype === 'float32' ? leadingAxesCount(axes, rank) : -1;
        if (leading === -1) return original(args);
        const rows = tf.util.sizeFromShape(x.shape.slice(0, leading));
        const kept = x.shape.slice(leading);
        const backend = args.backend as WasmBackendData;
        const out = backend.makeOutput(
          keepDims ? [...x.shape.slice(0, leading).map(() => 1), ...kept] : kept,
          'float32',
        );
        const scale = kernelName === tf.Mean ? 1 / rows : 1;
        const columns = tf.util.sizeFromShape(kept);
        const simd = columns % 4 === 0 ? simdKernelsFor(backend) : null;
        if (simd !== null) {
          sumRowsSimd(simd, backend, x, rows, columns, scale, out);
          return out;
        }
        reduceLeadingAxes(
          backend.typedArrayFromHeap(x) as Float32Array,
          rows,
          columns,
          scale,
          backend.typedArrayFromHeap(out) as Float32Array,
        );
        return out;
      };
    },
  };
}

/** {@link reduceLeadingAxes} with the rows added by WebAssembly SIMD into float64 sums (`columns` a multiple of 4). */
function sumRowsSimd(
  simd: SimdKernels,
  backend: WasmBackendData,
  x: tf.TensorInfo,
  rows: number,
  columns: number,
  scale: number,
  out: tf.TensorInfo,
): void {
  const scratch = backend.makeOutput([2 * columns], 'float32'); // columns float64 sums
  const scratchView = backend.typedArrayFromHeap(scratch) as Float32Array;
  const sums = new Float64Array(scratchView.buffer, scratchView.byteOffset, columns);
  sums.fill(0);
  simd.sumRows(backend.getMemoryOffset(x.dataId), rows * columns, columns, scratchView.byteOffset);
  const target = backend.typedArrayFromHeap(out) as Float32Array;
  for (let c = 0; c < columns; c++) target[c] = sums[c]! * scale;
  backend.disposeData(scratch.dataId);
}

/** The name of the LeakyReLU gradient kernel: `dy` where `x > 0`, else `alpha · dy` (tfjs's formula, one pass). */
export const leakyReluGradKernelName = 'GanLeakyReluGrad';

/**
 * An element-wise float32 kernel: `simd` over the first `count − count % 4` values with the heap byte offsets of the
 * inputs and the output, `rest(from, views)` for the others (all of them, from 0, where SIMD is unavailable).
 */
function elementwise(
  args: KernelArgs,
  inputs: tf.TensorInfo[],
  simd: (kernels: SimdKernels, offsets: number[], count: number) => void,
  rest: (from: number, views: Float32Array[]) => void,
): tf.TensorInfo {
  const backend = args.backend as WasmBackendData;
  const kernels = simdKernelsFor(backend);
  const out = backend.makeOutput([...inputs[0]!.shape], 'float32');
  const count = tf.util.sizeFromShape(inputs[0]!.shape);
  const vectorized = kernels === null ? 0 : count - (count % 4);
  if (kernels !== null) {
    simd(
      kernels,
      [...inputs, out].map((t) => backend.getMemoryOffset(t.dataId)),
      vectorized,
    );
  }
  if (vectorized < count)
    rest(
      vectorized,
      [...inputs, out].map((t) => backend.typedArrayFromHeap(t) as Float32Array),
    );
  return out;
}

/** wasm `LeakyRelu` as WebAssembly SIMD (the stock kernel is a scalar loop). */
export function simdLeakyRelu(): TrainingKernel {
  return {
    kernelName: tf.LeakyRelu,
    create(stock) {
      const original = stockOrThrow(stock, tf.LeakyRelu, 'wasm', 'no stock kernel');
      return (args) => {
        const { x } = args.inputs as { x: tf.TensorInfo };
        const alpha = (args.attrs as unknown as { alpha: number }).alpha;
        if (x.dtype !== 'float32' || simdKernelsFor(args.backend as tf.KernelBackend) === null) return original(args);
        return elementwise(
          args,
          [x],
          (simd, [from, to], count) => simd.leakyRelu(from!, to!, count, alpha),
          (from, [xs, ys]) => {
            const a = Math.fround(alpha); // as the SIMD loop: float32 α
            for (let i = from; i < xs!.length; i++) ys![i] = xs![i]! < 0 ? Math.fround(a * xs![i]!) : xs![i]!;
          },
        );
      };
    },
  };
}

/**
 * {@link leakyReluGradKernelName} on wasm, as WebAssembly SIMD: replaces `Greater`, `Multiply` and `Select`, each a
 * pass over the activations (the first two through tfjs-wasm's broadcasting loops).
 */
export function simdLeakyReluGrad(): TrainingKernel {
  return {
    kernelName: leakyReluGradKernelName,
    create() {
      return (args) => {
        const { dy, x } = args.inputs as { dy: tf.TensorInfo; x: tf.TensorInfo };
        const alpha = (args.attrs as unknown as { alpha: number }).alpha;
        if (!tf.util.arraysEqual(dy.shape, x.shape)) {
          throw new Error(
            `${leakyReluGradKernelName} expects dy and x of one shape, got [${dy.shape}] and [${x.shape}].`,
          );
        }
        if (dy.dtype !== 'float32' || x.dtype !== 'float32') {
          throw new Error(`${leakyReluGradKernelName} expects float32 dy and x, got ${dy.dtype} and ${x.dtype}.`);
        }
        return elementwise(
          args,
          [dy, x],
          (simd, [dyAt, xAt, outAt], count) => simd.leakyReluGrad(dyAt!, xAt!, outAt!, count, alpha),
          (from, [dys, xs, out]) => {
            const a = Math.fround(alpha);
            for (let i = from; i < xs!.length; i++) out![i] = xs![i]! > 0 ? dys![i]! : Math.fround(a * dys![i]!);
          },
        );
      };
    },
  };
}

/**
 * wasm `FusedBatchNorm` (batch-norm's normalization, forward) as WebAssembly SIMD, with the stock kernel's
 * formula `offset + (x − mean)·scale / √(variance + ε)` in float32 (the stock build rounds a quarter of the values
 * differently in the last bit).
 * Needs channels last (every parameter of the channel count, or one value) and a channel count divisible by 4.
 */
export function simdBatchNorm(): TrainingKernel {
  return {
    kernelName: tf.FusedBatchNorm,
    create(stock) {
      const original = stockOrThrow(stock, tf.FusedBatchNorm, 'wasm', 'no stock kernel');
      return (args) => {
        const { x, mean, variance, offset, scale } = args.inputs as Record<string, tf.TensorInfo | undefined>;
        const { varianceEpsilon } = args.attrs as unknown as { varianceEpsilon: number };
        const backend = args.backend as WasmBackendData;
        if (x === undefined || mean === undefined || variance === undefined) return original(args);
        const channels = x.shape[x.shape.length - 1] ?? 0;
        const parameters = [mean, scale, variance, offset];
        const count = tf.util.sizeFromShape(x.shape);
        const fits = (t: tf.TensorInfo | undefined) => {
          if (t === undefined) return true;
          const size = tf.util.sizeFromShape(t.shape);
          return t.dtype === 'float32' && (size === channels || size === 1);
        };
        const simd = simdKernelsFor(backend);
        if (
          simd === null ||
          x.dtype !== 'float32' ||
          channels === 0 ||
          channels % 4 !== 0 ||
          count === 0 ||
          !parameters.every(fits)
        ) {
          return original(args);
        }
        const out = backend.makeOutput([...x.shape], 'float32');
        const table = backend.makeOutput([4 * channels], 'float32'); // μ, s, n, o per channel
        const values = backend.typedArrayFromHeap(table) as Float32Array;
        const fill = (k: number, t: tf.TensorInfo | undefined, absent: number, map: (v: number) => number) => {
          const source = t === undefined ? null : (backend.typedArrayFromHeap(t) as Float32Array);
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
      };
    },
  };
}

/** The name of the fused batch-norm gradient kernel (see {@link simdBatchNormGrad}). */
export const batchNormGradKernelName = 'GanBatchNormGrad';

/**
 * {@link batchNormGradKernelName} on wasm: the five gradients of `FusedBatchNorm` (channels last, per-channel
 * parameters, channel count divisible by 4) from one WebAssembly SIMD pass that sums Σ dy and Σ dy·(x − μ) per
 * channel (in float64) and one that scales dy per channel; tfjs's own gradient makes about fifteen passes over the
 * activations. Inputs `dy`, `x`, `mean`, `variance`, optional `scale`; attr `varianceEpsilon`; outputs
 * `[dx, dMean, dVariance, dScale, dOffset]`, with r = 1/√(variance + ε):
 * dx = dy·scale·r, dMean = −r·scale·Σdy, dVariance = −½r³·scale·Σdy(x−μ), dScale = r·Σdy(x−μ), dOffset = Σdy.
 */
export function simdBatchNormGrad(): TrainingKernel {
  return {
    kernelName: batchNormGradKernelName,
    create() {
      return (args) => {
        const { dy, x, mean, variance, scale } = args.inputs as Record<string, tf.TensorInfo | undefined>;
        const { varianceEpsilon } = args.attrs as unknown as { varianceEpsilon: number };
        const backend = args.backend as WasmBackendData;
        const simd = simdKernelsFor(backend);
        if (!batchNormGradFits(dy, x, mean, variance, scale) || simd === null) {
          throw new Error(
            `${batchNormGradKernelName} expects float32 dy and x of one shape, per-channel float32 mean, variance ` +
              '(and scale) with a channel count divisible by 4, and WebAssembly SIMD.',
          );
        }
        const channels = x!.shape[x!.shape.length - 1]!;
        const count = tf.util.sizeFromShape(x!.shape);
        const dx = backend.makeOutput([...x!.shape], 'float32');
        const outputs = [0, 1, 2, 3].map(() => backend.makeOutput([...mean!.shape], 'float32'));
        const factors = backend.makeOutput([channels], 'float32');
        const scratch = backend.makeOutput([4 * channels], 'float32'); // 2 · channels float64 sums
        const heap = backend.typedArrayFromHeap(scratch) as Float32Array;
        const sums = new Float64Array(heap.buffer, heap.byteOffset, 2 * channels);
        sums.fill(0);
        const f = Math.fround;
        const epsilon = f(varianceEpsilon);
        const variances = backend.typedArrayFromHeap(variance!) as Float32Array;
        const scales = scale === undefined ? null : (backend.typedArrayFromHeap(scale) as Float32Array);
        const r = Array.from(variances, (v) => f(1 / f(Math.sqrt(f(v + epsilon)))));
        const s = (c: number) => (scales === null ? 1 : scales[c]!);
        const factorValues = backend.typedArrayFromHeap(factors) as Float32Array;
        for (let c = 0; c < channels; c++) factorValues[c] = f(s(c) * r[c]!);
        simd.batchNormGradSums(
          backend.getMemoryOffset(dy!.dataId),
          backend.getMemoryOffset(x!.dataId),
          count,
          channels,
          backend.getMemoryOffset(mean!.dataId),
          heap.byteOffset,
        );
        simd.scaleChannels(
          backend.getMemoryOffset(dy!.dataId),
          backend.getMemoryOffset(dx.dataId),
          count,
          channels,
          backend.getMemoryOffset(factors.dataId),
        );
        const [dMean, dVariance, dScale, dOffset] = outputs.map(
          (t) => backend.typedArrayFromHeap(t) as Float32Array,
        ) as [Float32Array, Float32Array, Float32Array, Float32Array];
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
      };
    },
  };
}

/** Whether {@link batchNormGradKernelName} takes these inputs. */
export function batchNormGradFits(
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

/** `outer` (the product of the dimensions before `axis`) and each input's row length from `axis` on. */
function rowsOf(shapes: readonly number[][], axis: number): { outer: number; rows: number[] } {
  const outer = (shapes[0] as number[]).slice(0, axis).reduce((a, b) => a * b, 1);
  return { outer, rows: shapes.map((shape) => shape.slice(axis).reduce((a, b) => a * b, 1)) };
}

/**
 * wasm `Concat` of float32 tensors along an inner axis (label maps joined to image channels, z joined to labels) by a
 * loop over rows; the stock kernel makes one TypedArray `set` per row and input, which at a few channels per row is
 * most of a conditional discriminator's time.
 */
export function rowConcat(): TrainingKernel {
  return {
    kernelName: tf.Concat,
    create(stock) {
      const original = stockOrThrow(stock, tf.Concat, 'wasm', 'no stock kernel');
      return (args) => {
        const inputs = args.inputs as unknown as tf.TensorInfo[];
        const first = inputs[0];
        if (first === undefined || inputs.length < 2 || inputs.some((x) => x.dtype !== 'float32'))
          return original(args);
        const rank = first.shape.length;
        const axis = tf.util.parseAxisParam((args.attrs as unknown as { axis: number }).axis, first.shape)[0] as number;
        if (axis === 0 || inputs.some((x) => x.shape.length !== rank)) return original(args);
        const { outer, rows } = rowsOf(
          inputs.map((x) => x.shape),
          axis,
        );
        const total = rows.reduce((a, b) => a + b, 0);
        const backend = args.backend as WasmBackendData;
        const shape = [...first.shape];
        shape[axis] = inputs.reduce((sum, x) => sum + (x.shape[axis] as number), 0);
        const out = backend.makeOutput(shape, 'float32');
        const target = backend.typedArrayFromHeap(out) as Float32Array;
        let offset = 0;
        for (const [i, x] of inputs.entries()) {
          const source = backend.typedArrayFromHeap(x) as Float32Array;
          const row = rows[i] as number;
          for (let o = 0; o < outer; o++) {
            const from = o * row;
            const to = o * total + offset;
            for (let j = 0; j < row; j++) target[to + j] = source[from + j] as number;
          }
          offset += row;
        }
        return out;
      };
    },
  };
}

/** wasm `SplitV` of a float32 tensor along an inner axis (the gradient of {@link rowConcat}) by a loop over rows. */
export function rowSplit(): TrainingKernel {
  return {
    kernelName: tf.SplitV,
    create(stock) {
      const original = stockOrThrow(stock, tf.SplitV, 'wasm', 'no stock kernel');
      return (args) => {
        const { x } = args.inputs as { x: tf.TensorInfo };
        const attrs = args.attrs as unknown as { numOrSizeSplits: number | number[]; axis: number };
        if (x.dtype !== 'float32') return original(args);
        const axis = tf.util.parseAxisParam(attrs.axis, x.shape)[0] as number;
        if (axis === 0) return original(args);
        const sizes = tf.backend_util.prepareSplitSize(x, attrs.numOrSizeSplits, axis);
        const shapes = sizes.map((size) => x.shape.map((d, i) => (i === axis ? size : d)));
        const { outer, rows } = rowsOf(shapes, axis);
        const total = rows.reduce((a, b) => a + b, 0);
        const backend = args.backend as WasmBackendData;
        const outs = shapes.map((shape) => backend.makeOutput(shape, 'float32'));
        // Views after every allocation: an allocation may grow the heap and detach earlier views.
        const source = backend.typedArrayFromHeap(x) as Float32Array;
        let offset = 0;
        for (const [i, out] of outs.entries()) {
          const target = backend.typedArrayFromHeap(out) as Float32Array;
          const row = rows[i] as number;
          for (let o = 0; o < outer; o++) {
            const from = o * total + offset;
            const to = o * row;
            for (let j = 0; j < row; j++) target[to + j] = source[from + j] as number;
          }
          offset += row;
        }
        return outs;
      };
    },
  };
}
