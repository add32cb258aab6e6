import type * as tf from '@tensorflow/tfjs-core';
import type { ConvGeometry } from './algorithms/im2col.js';
import type { KernelHost } from './kernel-host.js';
import { transpose2d } from './algorithms/transpose.js';

/** How the input pixels of one residue class (mod the stride) along one axis are produced. */
interface PhasePlan {
  /** The residue: this class holds input positions `stride · m + residue`. */
  residue: number;
  /** How many such positions the input has. */
  count: number;
  /** The first filter tap that reaches this class; the others follow every `stride`. */
  firstTap: number;
  /** How many filter taps reach this class. */
  taps: number;
  /** Padding of the stride-1 convolution that produces the class (each ≥ 0). */
  padBefore: number;
  padAfter: number;
  /** Leading outputs of that convolution to skip (when the exact padding would be negative). */
  skip: number;
}

function phasePlans(inSize: number, outSize: number, filterSize: number, stride: number, pad: number): PhasePlan[] {
  const plans: PhasePlan[] = [];
  for (let residue = 0; residue < stride; residue++) {
    const count = Math.ceil((inSize - residue) / stride);
    const firstTap = (residue + pad) % stride;
    const taps = firstTap < filterSize ? Math.ceil((filterSize - firstTap) / stride) : 0;
    const before = taps - 1 - Math.floor((residue + pad) / stride);
    const after = count - outSize - before + taps - 1;
    plans.push({
      residue,
      count,
      firstTap,
      taps,
      padBefore: Math.max(0, before),
      padAfter: Math.max(0, after),
      skip: Math.max(0, -before),
    });
  }
  return plans;
}

/**
 * The input gradient (and the forward pass of a transposed convolution) as `strideH · strideW`
 * stride-1 convolutions of `dy`, one per output phase, with the taps of the filter that reach that
 * phase, spatially flipped and with in/out channels swapped. No multiply touches an inserted zero,
 * and the backend's own (XNNPACK, on wasm) Conv2D does the work. Returns `null` when a phase would
 * need an empty convolution (tiny inputs); use {@link inputGradientByMatMul} then.
 */
export function inputGradientByPhases(
  host: KernelHost,
  dy: tf.TensorInfo,
  filter: tf.TensorInfo,
  geometry: ConvGeometry,
): tf.TensorInfo | null {
  const { batch, inHeight, inWidth, inChannels, outHeight, outWidth, outChannels } = geometry;
  const { filterHeight, filterWidth, strideHeight, strideWidth, padTop, padLeft } = geometry;
  const rowPlans = phasePlans(inHeight, outHeight, filterHeight, strideHeight, padTop);
  const colPlans = phasePlans(inWidth, outWidth, filterWidth, strideWidth, padLeft);
  const usable = (plan: PhasePlan, outSize: number) =>
    plan.count <= 0 || plan.taps === 0 || outSize + plan.padBefore + plan.padAfter - plan.taps + 1 > 0;
  if (!rowPlans.every((p) => usable(p, outHeight)) || !colPlans.every((p) => usable(p, outWidth))) return null;

  const dx = host.allocate([batch, inHeight, inWidth, inChannels]);
  let covered = true;
  for (const rows of rowPlans) {
    for (const cols of colPlans) {
      if (rows.count <= 0 || cols.count <= 0) continue;
      if (rows.taps === 0 || cols.taps === 0) {
        covered = false;
        continue;
      }
      // Sub-filter [tapsH, tapsW, Co, C]: flipped taps, in/out channels swapped.
      const subFilter = host.allocate([rows.taps, cols.taps, outChannels, inChannels]);
      const filterValues = host.view(filter);
      const subValues = host.view(subFilter);
      for (let u = 0; u < rows.taps; u++) {
        const i = rows.firstTap + strideHeight * (rows.taps - 1 - u);
        for (let v = 0; v < cols.taps; v++) {
          const j = cols.firstTap + strideWidth * (cols.taps - 1 - v);
          transpose2d(
            filterValues,
            inChannels,
            outChannels,
            subValues,
            (i * filterWidth + j) * inChannels * outChannels,
            (u * cols.taps + v) * outChannels * inChannels,
          );
        }
      }
      const phase = host.run(
        'Conv2D',
        { x: dy, filter: subFilter },
        {
          strides: [1, 1],
          dilations: [1, 1],
          pad: [
            [0, 0],
            [rows.padBefore, rows.padAfter],
            [cols.padBefore, cols.padAfter],
            [0, 0],
          ],
          dataFormat: 'NHWC',
        },
      );
      host.free(subFilter);
      const phaseRows = phase.shape[1];
      const phaseCols = phase.shape[2];
      const copy = host.copier(phase, dx); // one copy per pixel, with no view made for it
      for (let n = 0; n < batch; n++) {
        for (let m = 0; m < rows.count; m++) {
          const h = strideHeight * m + rows.residue;
          let from = ((n * phaseRows + m + rows.skip) * phaseCols + cols.skip) * inChannels;
          let to = ((n * inHeight + h) * inWidth + cols.residue) * inChannels;
          for (let k = 0; k < cols.count; k++) {
            copy(from, to, inChannels);
            from += inChannels;
            to += strideWidth * inChannels;
          }
        }
      }
      host.free(phase);
    }
  }
  if (!covered) zeroUncovered(host.view(dx), geometry, rowPlans, colPlans);
  return dx;
}

function zeroUncovered(dx: Float32Array, geometry: ConvGeometry, rowPlans: PhasePlan[], colPlans: PhasePlan[]): void {
  const { batch, inHeight, inWidth, inChannels, strideHeight, strideWidth } = geometry;
  for (let n = 0; n < batch; n++) {
    for (let h = 0; h < inHeight; h++) {
      const rowTaps = rowPlans[h % strideHeight].taps;
      for (let w = 0; w < inWidth; w++) {
        if (rowTaps === 0 || colPlans[w % strideWidth].taps === 0) {
          const at = ((n * inHeight + h) * inWidth + w) * inChannels;
          dx.fill(0, at, at + inChannels);
        }
      }
    }
  }
}

/**
 * The input gradient as one matrix product and a scatter: `cols = dy · Wᵀ` gives, per output pixel,
 * its contribution to every filter tap and input channel, which is then added into place
 * ("col2im"). Best when the input has few channels (a generator's last transposed convolution).
 */
export function inputGradientByMatMul(
  host: KernelHost,
  dy: tf.TensorInfo,
  filter: tf.TensorInfo,
  geometry: ConvGeometry,
): tf.TensorInfo {
  const { batch, inHeight, inWidth, inChannels, outHeight, outWidth, outChannels } = geometry;
  const { filterHeight, filterWidth, strideHeight, strideWidth, padTop, padLeft } = geometry;
  const pixels = batch * outHeight * outWidth;
  const taps = filterHeight * filterWidth * inChannels;

  const filterT = host.allocate([1, outChannels, taps]);
  transpose2d(host.view(filter), taps, outChannels, host.view(filterT));
  const columns = host.run(
    'BatchMatMul',
    { a: host.reshape(dy, [1, pixels, outChannels]), b: filterT },
    { transposeA: false, transposeB: false },
  );
  host.free(filterT);

  const dx = host.allocate([batch, inHeight, inWidth, inChannels]);
  const columnValues = host.view(columns);
  const dxValues = host.view(dx);
  dxValues.fill(0);
  let row = 0;
  for (let n = 0; n < batch; n++) {
    for (let y = 0; y < outHeight; y++) {
      for (let xOut = 0; xOut < outWidth; xOut++, row += taps) {
        for (let i = 0; i < filterHeight; i++) {
          const h = y * strideHeight + i - padTop;
          if (h < 0 || h >= inHeight) continue;
          for (let j = 0; j < filterWidth; j++) {
            const w = xOut * strideWidth + j - padLeft;
            if (w < 0 || w >= inWidth) continue;
            const to = ((n * inHeight + h) * inWidth + w) * inChannels;
            const from = row + (i * filterWidth + j) * inChannels;
            for (let c = 0; c < inChannels; c++) dxValues[to + c] += columnValues[from + c];
          }
        }
      }
    }
  }
  host.free(columns);
  return dx;
}
