import type * as tf from '@tensorflow/tfjs-core';
import type { KernelHost } from './kernel-host.js';
import { transpose2d } from './algorithms/transpose.js';

/** Attributes of `BatchMatMul`. */
export interface MatMulAttrs {
  transposeA: boolean;
  transposeB: boolean;
}

/** Whether `shape` is one matrix: rank ≥ 2 with every leading dimension 1. */
export function isSingleMatrix(shape: readonly number[]): boolean {
  return shape.length >= 2 && shape.slice(0, -2).every((d) => d === 1);
}

/**
 * `op(a) · op(b)` through the backend's plain (no-transpose) matrix product, for single matrices
 * (any leading dimensions of size 1). On wasm only that case reaches XNNPACK; with a transpose it
 * takes a scalar loop. Picks the cheaper of two equivalent forms:
 * - transpose the operands that need it, then `op(a) · op(b)`;
 * - compute `cᵀ = op(b)ᵀ · op(a)ᵀ` (which needs the transposes the first form does not), then
 *   transpose `cᵀ`.
 * The plain product also repacks its right operand each call, so that is counted too.
 * Returns `null` for batched products; use the stock kernel then.
 */
export function matMulWithoutTransposes(
  host: KernelHost,
  a: tf.TensorInfo,
  b: tf.TensorInfo,
  attrs: MatMulAttrs,
): tf.TensorInfo | null {
  if (!isSingleMatrix(a.shape) || !isSingleMatrix(b.shape)) return null;
  const { transposeA, transposeB } = attrs;
  const aRows = a.shape[a.shape.length - 2];
  const aCols = a.shape[a.shape.length - 1];
  const bRows = b.shape[b.shape.length - 2];
  const bCols = b.shape[b.shape.length - 1];
  const m = transposeA ? aCols : aRows;
  const n = transposeB ? bRows : bCols;
  const sizeA = aRows * aCols;
  const sizeB = bRows * bCols;
  const outShape = [...(a.shape.length >= b.shape.length ? a.shape : b.shape).slice(0, -2), m, n];

  const direct = (transposeA ? sizeA : 0) + (transposeB ? sizeB : 0) + sizeB;
  const swapped = (transposeA ? 0 : sizeA) + (transposeB ? 0 : sizeB) + m * n + sizeA;

  const asIs = (x: tf.TensorInfo, rows: number, cols: number) => ({
    info: host.reshape(x, [1, rows, cols]),
    owned: false,
  });
  const transposed = (x: tf.TensorInfo, rows: number, cols: number) => {
    const t = host.allocate([1, cols, rows]);
    transpose2d(host.view(x), rows, cols, host.view(t));
    return { info: t, owned: true };
  };

  if (direct <= swapped) {
    const left = transposeA ? transposed(a, aRows, aCols) : asIs(a, aRows, aCols);
    const right = transposeB ? transposed(b, bRows, bCols) : asIs(b, bRows, bCols);
    const product = host.run('BatchMatMul', { a: left.info, b: right.info }, { transposeA: false, transposeB: false });
    if (left.owned) host.free(left.info);
    if (right.owned) host.free(right.info);
    return host.reshape(product, outShape);
  }
  // cᵀ = op(b)ᵀ · op(a)ᵀ; op(b)ᵀ is b itself when transposeB, op(a)ᵀ is a itself when transposeA.
  const left = transposeB ? asIs(b, bRows, bCols) : transposed(b, bRows, bCols);
  const right = transposeA ? asIs(a, aRows, aCols) : transposed(a, aRows, aCols);
  const productT = host.run('BatchMatMul', { a: left.info, b: right.info }, { transposeA: false, transposeB: false });
  if (left.owned) host.free(left.info);
  if (right.owned) host.free(right.info);
  const product = host.allocate(outShape);
  transpose2d(host.view(productT), n, m, host.view(product));
  host.free(productT);
  return product;
}
