import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-wasm';
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import { createRandom } from '@gan/core';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registerTrainingKernels, unregisterTrainingKernels } from '../register-training-kernels.js';
import { setGemmEnabled } from '../wasm/gemm.js';
import { convGeometry } from './algorithms/im2col.js';
import {
  filterGradientByConvolution,
  filterGradientByMatMul,
  inputGradientByMatMul,
  inputGradientByPhases,
} from './conv.js';
import { cpuKernelHost, type KernelHost, wasmKernelHost } from './kernel-host.js';
import {
  batchMatMulKernel,
  fusedMatMulKernel,
  transposedTwinCount,
  transposedWeights,
  transposedWeightsProduct,
} from './mat-mul.js';

type Pad = 'same' | 'valid' | number | [[number, number], [number, number], [number, number], [number, number]];

interface ConvCase {
  name: string;
  input: [number, number, number, number]; // NHWC
  filter: [number, number]; // kh, kw
  outChannels: number;
  strides: [number, number];
  pad: Pad;
}

// Odd and even sizes, strides 1–3, every padding kind, batch 1, one and several channels, and the
// MNIST DCGAN's own layers (small batch).
const convCases: ConvCase[] = [
  {
    name: 'k4 s2 same, 1 channel (D first layer)',
    input: [2, 28, 28, 1],
    filter: [4, 4],
    outChannels: 8,
    strides: [2, 2],
    pad: 'same',
  },
  {
    name: 'k4 s2 same, many channels (D second layer)',
    input: [2, 14, 14, 16],
    filter: [4, 4],
    outChannels: 24,
    strides: [2, 2],
    pad: 'same',
  },
  { name: 'k3 s2 same, odd size', input: [3, 9, 7, 5], filter: [3, 3], outChannels: 4, strides: [2, 2], pad: 'same' },
  { name: 'k3 s2 valid, odd size', input: [2, 9, 7, 3], filter: [3, 3], outChannels: 5, strides: [2, 2], pad: 'valid' },
  { name: 'k3 s1 same, batch 1', input: [1, 8, 8, 9], filter: [3, 3], outChannels: 10, strides: [1, 1], pad: 'same' },
  { name: 'k3 s1 valid', input: [2, 6, 7, 2], filter: [3, 3], outChannels: 3, strides: [1, 1], pad: 'valid' },
  {
    name: 'k4 s3 same (pads the bottom more)',
    input: [1, 10, 11, 12],
    filter: [4, 4],
    outChannels: 3,
    strides: [3, 3],
    pad: 'same',
  },
  {
    name: 'k4 s3 valid (unused rows)',
    input: [2, 10, 11, 2],
    filter: [4, 4],
    outChannels: 9,
    strides: [3, 3],
    pad: 'valid',
  },
  {
    name: 'k1 s2 same (some phases get no tap)',
    input: [1, 8, 8, 9],
    filter: [1, 1],
    outChannels: 3,
    strides: [2, 2],
    pad: 'same',
  },
  {
    name: 'k5x3 s(2,1) explicit pads',
    input: [2, 9, 8, 10],
    filter: [5, 3],
    outChannels: 4,
    strides: [2, 1],
    pad: [
      [0, 0],
      [2, 1],
      [0, 2],
      [0, 0],
    ],
  },
  { name: 'k3 s2 numeric pad 1', input: [2, 7, 7, 8], filter: [3, 3], outChannels: 6, strides: [2, 2], pad: 1 },
  {
    name: 'k2 s2 valid, exact tiling',
    input: [2, 8, 6, 16],
    filter: [2, 2],
    outChannels: 8,
    strides: [2, 2],
    pad: 'valid',
  },
  {
    name: 'k4 s3 valid, many channels (crops unused rows)',
    input: [2, 10, 11, 20],
    filter: [4, 4],
    outChannels: 6,
    strides: [3, 3],
    pad: 'valid',
  },
  {
    name: 'k3 s2 same, many channels, odd size',
    input: [2, 9, 7, 32],
    filter: [3, 3],
    outChannels: 5,
    strides: [2, 2],
    pad: 'same',
  },
  {
    name: 'k5x3 s(2,1) explicit pads, many channels',
    input: [1, 9, 8, 30],
    filter: [5, 3],
    outChannels: 7,
    strides: [2, 1],
    pad: [
      [0, 0],
      [2, 1],
      [0, 2],
      [0, 0],
    ],
  },
  {
    name: 'k2 s2 pads wider than the filter',
    input: [1, 8, 9, 8],
    filter: [2, 2],
    outChannels: 3,
    strides: [2, 2],
    pad: [
      [0, 0],
      [2, 1],
      [3, 2],
      [0, 0],
    ],
  },
];

const random = createRandom(7);

function randomTensor(shape: number[]): tf.Tensor {
  return tf.tensor(random.normal(tf.util.sizeFromShape(shape), 0, 1), shape);
}

/**
 * Puts a wrapper around the stock wasm kernel `name` (training kernels off, so that registering them later makes the
 * wrapper their fallback): `onCall` sees each call that reaches the stock kernel. `restore()` takes the training
 * kernels off and puts the stock kernel back.
 */
function watchStockKernel(name: string, onCall: (args: Parameters<tf.KernelFunc>[0]) => void): () => void {
  unregisterTrainingKernels();
  const stock = tf.getKernel(name, 'wasm')!;
  tf.unregisterKernel(name, 'wasm');
  tf.registerKernel({
    ...stock,
    kernelFunc: (args) => {
      onCall(args);
      return stock.kernelFunc(args);
    },
  });
  return () => {
    unregisterTrainingKernels();
    tf.unregisterKernel(name, 'wasm');
    tf.registerKernel(stock);
  };
}

/** Largest absolute difference, relative to the largest absolute reference value. */
function relativeError(actual: tf.Tensor, expected: tf.Tensor): number {
  expect(actual.shape).toEqual(expected.shape);
  const a = actual.dataSync();
  const e = expected.dataSync();
  let diff = 0;
  let scale = 0;
  for (let i = 0; i < e.length; i++) {
    diff = Math.max(diff, Math.abs(a[i] - e[i]));
    scale = Math.max(scale, Math.abs(e[i]));
  }
  return diff / Math.max(scale, 1e-12);
}

/** Runs `compute` on the cpu backend with its stock kernels, with inputs copied there. */
async function onStockCpu(inputs: tf.Tensor[], compute: (...xs: tf.Tensor[]) => tf.Tensor): Promise<tf.Tensor> {
  const current = tf.getBackend();
  const values = inputs.map((t) => ({ values: t.dataSync().slice(), shape: t.shape }));
  unregisterTrainingKernels();
  await tf.setBackend('cpu');
  const copies = values.map((v) => tf.tensor(v.values, v.shape));
  const result = compute(...copies);
  const detached = tf.tensor(result.dataSync().slice(), result.shape);
  tf.dispose([...copies, result]);
  await tf.setBackend(current);
  return detached;
}

function outShape(c: ConvCase): number[] {
  const info = tf.backend_util.computeConv2DInfo(
    c.input,
    [...c.filter, c.input[3], c.outChannels],
    c.strides,
    1,
    c.pad,
  );
  return info.outShape;
}

// The same suite on each backend that registerTrainingKernels patches.
describe.each(['wasm', 'cpu'] as const)('training kernels on %s', (backend) => {
  beforeAll(async () => {
    await tf.setBackend(backend);
  });
  afterAll(() => {
    unregisterTrainingKernels();
  });

  describe.each(convCases)('$name', (c) => {
    const filterShape = [...c.filter, c.input[3], c.outChannels] as [number, number, number, number];

    it('gives conv2d the filter and input gradients of the stock cpu kernels', async () => {
      const x = randomTensor(c.input);
      const filter = randomTensor(filterShape);
      const dy = randomTensor(outShape(c));
      const grads = (xs: tf.Tensor, fs: tf.Tensor, dys: tf.Tensor) =>
        tf.grads((a: tf.Tensor, b: tf.Tensor) =>
          tf.sum(tf.mul(tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, c.strides, c.pad), dys)),
        )([xs, fs]);
      const expectedDx = await onStockCpu([x, filter, dy], (a, b, d) => grads(a, b, d)[0]);
      const expectedDw = await onStockCpu([x, filter, dy], (a, b, d) => grads(a, b, d)[1]);
      registerTrainingKernels({ backends: [backend] });
      const [dx, dw] = grads(x, filter, dy);
      expect(relativeError(dw, expectedDw)).toBeLessThan(1e-4);
      expect(relativeError(dx, expectedDx)).toBeLessThan(1e-4);
      tf.dispose([x, filter, dy, dx, dw, expectedDx, expectedDw]);
    });

    it('runs conv2dTranspose forward like the stock cpu kernel', async () => {
      const y = randomTensor(outShape(c));
      const filter = randomTensor(filterShape);
      const pad = typeof c.pad === 'number' || Array.isArray(c.pad) ? 'same' : c.pad; // conv2dTranspose takes only same/valid
      const inShape = c.input;
      const info = tf.backend_util.computeConv2DInfo(inShape, filterShape, c.strides, 1, pad);
      if (info.outHeight !== y.shape[1] || info.outWidth !== y.shape[2]) {
        tf.dispose([y, filter]);
        return;
      }
      const transposed = (a: tf.Tensor, b: tf.Tensor) =>
        tf.conv2dTranspose(a as tf.Tensor4D, b as tf.Tensor4D, inShape, c.strides, pad);
      const expected = await onStockCpu([y, filter], transposed);
      registerTrainingKernels({ backends: [backend] });
      const actual = transposed(y, filter);
      expect(relativeError(actual, expected)).toBeLessThan(1e-4);
      tf.dispose([y, filter, actual, expected]);
    });
  });

  it('computes NCHW gradients by way of NHWC', async () => {
    const x = randomTensor([2, 3, 9, 8]);
    const dy = randomTensor([2, 5, 5, 4]);
    const filter = randomTensor([3, 3, 3, 5]);
    const attrs = { strides: [2, 2], pad: 'same', dataFormat: 'NCHW' };
    const filterGrad = (a: tf.Tensor, d: tf.Tensor) =>
      tf
        .engine()
        .runKernel('Conv2DBackpropFilter', { x: a, dy: d }, { ...attrs, filterShape: [3, 3, 3, 5] }) as tf.Tensor;
    const inputGrad = (d: tf.Tensor, f: tf.Tensor) =>
      tf
        .engine()
        .runKernel('Conv2DBackpropInput', { dy: d, filter: f }, { ...attrs, inputShape: [2, 3, 9, 8] }) as tf.Tensor;
    const expectedDw = await onStockCpu([x, dy], filterGrad);
    const expectedDx = await onStockCpu([dy, filter], inputGrad);
    registerTrainingKernels({ backends: [backend] });
    const dw = filterGrad(x, dy);
    const dx = inputGrad(dy, filter);
    expect(relativeError(dw, expectedDw)).toBeLessThan(1e-4);
    expect(relativeError(dx, expectedDx)).toBeLessThan(1e-4);
    tf.dispose([x, dy, filter, dw, dx, expectedDw, expectedDx]);
  });

  it('frees every intermediate it allocates', () => {
    registerTrainingKernels({ backends: [backend] });
    const x = randomTensor([2, 9, 9, 6]);
    const filter = randomTensor([3, 3, 6, 4]);
    const dy = randomTensor([2, 5, 5, 4]);
    const engineBackend = tf.engine().backend;
    const before = engineBackend.numDataIds();
    const outputs = tf.grads((a: tf.Tensor, b: tf.Tensor) =>
      tf.sum(tf.mul(tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, 2, 'same'), dy)),
    )([x, filter]);
    const transposed = tf.conv2dTranspose(dy as tf.Tensor4D, filter as tf.Tensor4D, [2, 9, 9, 6], 2, 'same');
    const a = randomTensor([5, 7]);
    const b = randomTensor([6, 7]);
    const product = tf.matMul(a, b, false, true);
    tf.dispose([...outputs, transposed, product, a, b]);
    expect(engineBackend.numDataIds()).toBe(before);
    tf.dispose([x, filter, dy]);
  });
});

// Each algorithm on every case, whichever one the kernels would pick for it.
describe.each(['wasm', 'cpu'] as const)('conv gradient algorithms on %s', (backend) => {
  let host: KernelHost;
  beforeAll(async () => {
    unregisterTrainingKernels();
    await tf.setBackend(backend);
    host = (backend === 'wasm' ? wasmKernelHost : cpuKernelHost)(tf.engine().backend);
  });

  const attrsOf = (c: ConvCase) => ({ strides: c.strides, pad: c.pad, dataFormat: 'NHWC' as const });

  it.each(convCases)('filter gradient: $name', async (c) => {
    const filterShape = [...c.filter, c.input[3], c.outChannels];
    const x = randomTensor(c.input);
    const dy = randomTensor(outShape(c));
    const expected = await onStockCpu(
      [x, dy],
      (a, d) =>
        tf.engine().runKernel('Conv2DBackpropFilter', { x: a, dy: d }, { ...attrsOf(c), filterShape }) as tf.Tensor,
    );
    const geometry = convGeometry(c.input, filterShape, dy.shape, attrsOf(c))!;
    for (const algorithm of backend === 'wasm'
      ? [filterGradientByConvolution, filterGradientByMatMul]
      : [filterGradientByMatMul]) {
      const actual = tf.engine().makeTensorFromTensorInfo(algorithm(host, x, dy, geometry));
      expect(relativeError(actual, expected), algorithm.name).toBeLessThan(1e-4);
      actual.dispose();
    }
    tf.dispose([x, dy, expected]);
  });

  it.each(convCases)('input gradient: $name', async (c) => {
    const filterShape = [...c.filter, c.input[3], c.outChannels];
    const filter = randomTensor(filterShape);
    const dy = randomTensor(outShape(c));
    const expected = await onStockCpu(
      [dy, filter],
      (d, f) =>
        tf
          .engine()
          .runKernel('Conv2DBackpropInput', { dy: d, filter: f }, { ...attrsOf(c), inputShape: c.input }) as tf.Tensor,
    );
    const geometry = convGeometry(c.input, filterShape, dy.shape, attrsOf(c))!;
    const viaPhases = inputGradientByPhases(host, dy, filter, geometry);
    expect(viaPhases, 'phases apply to every case here').not.toBeNull();
    for (const info of [viaPhases!, inputGradientByMatMul(host, dy, filter, geometry)]) {
      const actual = tf.engine().makeTensorFromTensorInfo(info);
      expect(relativeError(actual, expected)).toBeLessThan(1e-4);
      actual.dispose();
    }
    tf.dispose([dy, filter, expected]);
  });
});

describe('training kernels on wasm only', () => {
  beforeAll(async () => {
    await tf.setBackend('wasm');
  });
  afterAll(() => {
    unregisterTrainingKernels();
  });

  it.each([
    [7, 5, 9, false, true],
    [7, 5, 9, true, false],
    [7, 5, 9, true, true],
    [64, 300, 33, false, true],
    [300, 64, 33, true, false],
    [1, 40, 1, true, true],
  ])('multiplies %i×%i by %i×… with transposeA=%s, transposeB=%s like cpu', async (m, k, n, transposeA, transposeB) => {
    const a = randomTensor(transposeA ? [k, m] : [m, k]);
    const b = randomTensor(transposeB ? [n, k] : [k, n]);
    const product = (x: tf.Tensor, y: tf.Tensor) =>
      tf.matMul(x as tf.Tensor2D, y as tf.Tensor2D, transposeA, transposeB);
    const expected = await onStockCpu([a, b], product);
    registerTrainingKernels({ backends: ['wasm'] });
    const actual = product(a, b);
    expect(actual.shape).toEqual([m, n]);
    expect(relativeError(actual, expected)).toBeLessThan(1e-5);
    tf.dispose([a, b, actual, expected]);
  });

  it('adds a bias along the last axis itself, with the bits of the stock kernels, and hands other adds to them', async () => {
    let stockCalls = 0;
    const restore = watchStockKernel(tf.Add, () => stockCalls++);
    try {
      // [x shape, bias shape, handled here]
      const cases: [number[], number[], boolean][] = [
        [[2, 3, 5, 8], [8], true],
        [[8], [6, 8], true], // the bias first
        [[3, 12], [1, 12], true],
        [[4, 3, 3, 64], [64], true],
        [[3, 6], [6], false], // 6 channels: not a multiple of 4
        [[3, 8], [3, 8], false], // no broadcast
        [[3, 8], [3, 1], false], // along the first axis
        [[2, 8], [1, 1, 8], false], // the bias of higher rank
        [[0, 8], [8], false], // empty
      ];
      for (const [aShape, bShape, ours] of cases) {
        const [a, b] = [randomTensor(aShape), randomTensor(bShape)];
        const expected = await onStockCpu([a, b], (x, y) => tf.add(x, y));
        registerTrainingKernels({ backends: ['wasm'] });
        stockCalls = 0;
        const actual = tf.add(a, b);
        expect(stockCalls).toBe(ours ? 0 : 1);
        expect(actual.shape).toEqual(expected.shape);
        expect(Array.from(actual.dataSync())).toEqual(Array.from(expected.dataSync()));
        tf.dispose([a, b, actual, expected]);
      }
    } finally {
      restore();
    }
  });

  it.each([true, false])(
    'multiplies batched and transposed products itself (SIMD product on: %s), else hands them to XNNPACK',
    async (gemmOn) => {
      const seen: { transposeA: boolean; transposeB: boolean; rank: number }[] = [];
      const restore = watchStockKernel('BatchMatMul', (args) => {
        const attrs = args.attrs as unknown as { transposeA: boolean; transposeB: boolean };
        seen.push({
          transposeA: attrs.transposeA,
          transposeB: attrs.transposeB,
          rank: (args.inputs.a as tf.TensorInfo).shape.length,
        });
      });
      setGemmEnabled(gemmOn);
      try {
        registerTrainingKernels({ backends: ['wasm'] });
        const a = randomTensor([3, 4, 5]);
        const b = randomTensor([3, 6, 5]);
        const batched = tf.matMul(a as tf.Tensor3D, b as tf.Tensor3D, false, true);
        const expected = await onStockCpu([a, b], (x, y) => tf.matMul(x as tf.Tensor3D, y as tf.Tensor3D, false, true));
        expect(relativeError(batched, expected)).toBeLessThan(1e-5);
        if (gemmOn) expect(seen).toEqual([]);
        else expect(seen).toContainEqual({ transposeA: false, transposeB: true, rank: 3 }); // the stock kernel
        seen.length = 0;
        registerTrainingKernels({ backends: ['wasm'] }); // onStockCpu took them off
        const left = randomTensor([4, 5]);
        const right = randomTensor([6, 5]);
        const single = tf.matMul(left as tf.Tensor2D, right as tf.Tensor2D, false, true);
        const seenSingle = [...seen];
        const expectedSingle = await onStockCpu([left, right], (x, y) =>
          tf.matMul(x as tf.Tensor2D, y as tf.Tensor2D, false, true),
        );
        expect(relativeError(single, expectedSingle)).toBeLessThan(1e-5);
        if (gemmOn) expect(seenSingle).toEqual([]);
        else {
          expect(seenSingle.every((s) => !s.transposeA && !s.transposeB)).toBe(true); // transposes materialized
          expect(seenSingle.length).toBeGreaterThan(0);
        }
        tf.dispose([a, b, batched, expected, left, right, single, expectedSingle]);
      } finally {
        setGemmEnabled(true);
        restore();
      }
    },
  );

  it('falls back to the stock Conv2DBackpropInput for shapes that disagree with the forward conv', () => {
    let stockCalls = 0;
    const restore = watchStockKernel('Conv2DBackpropInput', () => stockCalls++);
    try {
      registerTrainingKernels({ backends: ['wasm'] });
      const filter = randomTensor([3, 3, 2, 3]);
      const run = (dy: tf.Tensor, inputShape: number[]) =>
        tf
          .engine()
          .runKernel(
            'Conv2DBackpropInput',
            { dy, filter },
            { strides: [2, 2], pad: 'same', dataFormat: 'NHWC', inputShape },
          ) as tf.Tensor;
      // 9×9 with 'same' and stride 2 gives 5×5: handled by the custom kernel.
      const consistent = randomTensor([1, 5, 5, 3]);
      tf.dispose(run(consistent, [1, 9, 9, 2]));
      expect(stockCalls).toBe(0);
      // A 4×4 dy does not come from a 9×9 input: only the stock kernel is asked to cope.
      const inconsistent = randomTensor([1, 4, 4, 3]);
      const result = run(inconsistent, [1, 9, 9, 2]);
      expect(stockCalls).toBe(1);
      expect(result.shape).toEqual([1, 9, 9, 2]);
      tf.dispose([filter, consistent, inconsistent, result]);
    } finally {
      restore();
    }
  });

  it('explains what Conv2DBackpropFilter cannot do on wasm instead of failing obscurely', () => {
    registerTrainingKernels({ backends: ['wasm'] });
    const x = randomTensor([1, 9, 9, 2]);
    const dy = randomTensor([1, 4, 4, 3]);
    const attrs = { strides: [2, 2], pad: 'same', dataFormat: 'NHWC', filterShape: [3, 3, 2, 3] };
    expect(() => tf.engine().runKernel('Conv2DBackpropFilter', { x, dy }, attrs)).toThrow(
      /Conv2DBackpropFilter on 'wasm': unsupported layout or shapes/,
    );
    tf.dispose([x, dy]);
  });

  it('concatenates and splits along inner axes like the stock kernels (label maps, z with labels), int32 by the stock kernel', () => {
    const ramp = (shape: number[], dtype: 'float32' | 'int32' = 'float32', start = 0) =>
      tf.tensor(
        Array.from({ length: tf.util.sizeFromShape(shape) }, (_, i) => start + i),
        shape,
        dtype,
      );
    for (const [shapes, axis, dtype] of [
      [
        [
          [4, 5, 5, 1],
          [4, 5, 5, 6],
        ],
        3,
        'float32',
      ],
      [
        [
          [4, 5, 5, 1],
          [4, 5, 5, 6],
        ],
        -1,
        'float32',
      ],
      [
        [
          [3, 7],
          [3, 2],
          [3, 1],
        ],
        1,
        'float32',
      ],
      [
        [
          [2, 3, 4],
          [2, 1, 4],
        ],
        1,
        'float32',
      ],
      [
        [
          [2, 3],
          [4, 3],
        ],
        0,
        'float32',
      ],
      [
        [
          [2, 3],
          [2, 5],
        ],
        1,
        'int32',
      ],
    ] as const) {
      const xs = shapes.map((shape, i) => ramp([...shape], dtype, 100 * i));
      unregisterTrainingKernels();
      const stock = tf.concat(xs, axis);
      const stockParts = tf.split(
        stock,
        shapes.map((shape) => shape.at(axis) as number),
        axis,
      );
      registerTrainingKernels({ backends: ['wasm'] });
      const ours = tf.concat(xs, axis);
      const ourParts = tf.split(
        ours,
        shapes.map((shape) => shape.at(axis) as number),
        axis,
      );
      expect(ours.shape).toEqual(stock.shape);
      expect(ours.dtype).toBe(dtype);
      expect(Array.from(ours.dataSync())).toEqual(Array.from(stock.dataSync()));
      for (const [i, part] of ourParts.entries()) {
        expect(part.shape).toEqual(stockParts[i]?.shape);
        expect(Array.from(part.dataSync())).toEqual(Array.from(xs[i]?.dataSync() ?? []));
      }
      tf.dispose([...xs, stock, ours, ...stockParts, ...ourParts]);
    }
    // The gradient of a concatenation splits dy the same way.
    const [a, b] = [ramp([2, 3, 3, 1]), ramp([2, 3, 3, 2], 'float32', 50)];
    const weights = ramp([2, 3, 3, 3]);
    const grads = tf.grads((p: tf.Tensor, q: tf.Tensor) => tf.sum(tf.mul(tf.concat([p, q], 3), weights)))([
      a as tf.Tensor,
      b as tf.Tensor,
    ]);
    const expected = tf.split(weights, [1, 2], 3);
    expect(Array.from(grads[0]?.dataSync() ?? [])).toEqual(Array.from(expected[0]?.dataSync() ?? []));
    expect(Array.from(grads[1]?.dataSync() ?? [])).toEqual(Array.from(expected[1]?.dataSync() ?? []));
    tf.dispose([a, b, weights, ...grads, ...expected]);
  });

  it('tiles like the stock kernel for every rank up to 4, with int32 too', () => {
    for (const [shape, reps, dtype] of [
      [[1, 1, 1, 5], [2, 3, 4, 1], 'float32'],
      [[2, 3], [3, 2], 'int32'],
      [[4], [3], 'float32'],
      [[2, 1, 3], [1, 4, 2], 'float32'],
    ] as const) {
      const x = tf.tensor(
        Array.from({ length: tf.util.sizeFromShape([...shape]) }, (_, i) => i + 1),
        [...shape],
        dtype,
      );
      unregisterTrainingKernels();
      const stock = tf.tile(x, [...reps]);
      registerTrainingKernels({ backends: ['wasm'] });
      const ours = tf.tile(x, [...reps]);
      expect(ours.shape).toEqual(stock.shape);
      expect(ours.dtype).toBe(dtype);
      expect(Array.from(ours.dataSync())).toEqual(Array.from(stock.dataSync()));
      tf.dispose([x, stock, ours]);
    }
  });

  it.each([
    [[6, 5, 4, 3], [0, 1, 2], false],
    [[6, 5, 4, 3], [0, 1, 2], true],
    [[64, 33], [0], false],
    [[7, 2, 9], [1, 0], true],
    [[9, 3, 16], [0, 1], false], // rows of a multiple of 4: WebAssembly SIMD
    [[5, 4, 4, 8], [0], true],
    [[6, 5, 4, 3], [1, 2], false], // not leading: stock kernel
    [[6, 5, 4, 3], [0, 1, 2, 3], false], // everything: stock kernel
  ])('sums and averages %j over axes %j (keepDims %s) like cpu', async (shape, axes, keepDims) => {
    const x = randomTensor(shape);
    for (const reduce of [tf.sum, tf.mean]) {
      const expected = await onStockCpu([x], (a) => reduce(a, axes, keepDims));
      registerTrainingKernels({ backends: ['wasm'] });
      const actual = reduce(x, axes, keepDims);
      expect(actual.shape).toEqual(expected.shape);
      expect(relativeError(actual, expected)).toBeLessThan(1e-5);
      tf.dispose([actual, expected]);
    }
    const ints = tf.tensor([1, 2, 3, 4, 5, 6], [3, 2], 'int32');
    expect(Array.from(tf.sum(ints, 0).dataSync())).toEqual([9, 12]); // int32: stock kernel
    tf.dispose([x, ints]);
  });

  it.each([[[7]], [[3, 5, 4]], [[2, 9, 9, 6]]])('runs LeakyReLU of %j and its gradient like cpu', async (shape) => {
    const x = randomTensor(shape);
    const values = x.dataSync().slice();
    values[0] = 0; // the gradient at 0 is α·dy, as tfjs's
    const x0 = tf.tensor(values, shape);
    const dy = randomTensor(shape);
    const forward = (a: tf.Tensor) => tf.leakyRelu(a, 0.2);
    const backward = (a: tf.Tensor, d: tf.Tensor) => tf.grad((b: tf.Tensor) => tf.sum(tf.mul(forward(b), d)))(a);
    const expectedY = await onStockCpu([x0], forward);
    const expectedDx = await onStockCpu([x0, dy], backward);
    registerTrainingKernels({ backends: ['wasm'] });
    expect(tf.getKernel('GanLeakyReluGrad', 'wasm')).toBeDefined();
    const y = forward(x0);
    const dx = backward(x0, dy);
    // cpu multiplies by α in float64, wasm by float32 α: the last bit may differ.
    expect(relativeError(y, expectedY)).toBeLessThan(1e-6);
    expect(relativeError(dx, expectedDx)).toBeLessThan(1e-6);
    expect(y.dataSync()[0]).toBe(0);
    expect(dx.dataSync()[0]).toBeCloseTo(0.2 * dy.dataSync()[0]!, 6);
    tf.dispose([x, x0, dy, y, dx, expectedY, expectedDx]);
  });

  it.each([
    { x: [2, 3, 3, 8], params: [8, 8, 8, 8], name: 'NHWC, every parameter' },
    { x: [5, 12], params: [12, 12, undefined, undefined], name: 'dense, no offset or scale' },
    { x: [4, 2, 2, 4], params: [4, 1, 4, 1], name: 'one-value variance and scale' },
    { x: [3, 5, 6], params: [6, 6, 6, 6], name: 'channels not a multiple of 4 (stock kernel)' },
  ])('normalizes a batch as the stock wasm kernel does: $name', ({ x: shape, params }) => {
    const x = randomTensor(shape);
    const [m, v, o, s] = params.map((size, k) =>
      size === undefined ? undefined : k === 1 ? tf.abs(randomTensor([size])) : randomTensor([size]),
    );
    const run = () =>
      tf
        .engine()
        .runKernel(
          tf.FusedBatchNorm,
          { x, mean: m!, variance: v!, ...(o ? { offset: o } : {}), ...(s ? { scale: s } : {}) },
          { varianceEpsilon: 1e-3 },
        ) as tf.Tensor;
    unregisterTrainingKernels();
    const stock = run();
    registerTrainingKernels({ backends: ['wasm'] });
    const ours = run();
    // The same formula, offset + (x − mean)·scale / √(variance + ε) in float32; the stock build's own rounding
    // differs from it in the last bit for about a quarter of the values.
    expect(relativeError(ours, stock)).toBeLessThan(1e-6);
    tf.dispose([x, stock, ours, ...[m, v, o, s].filter((t) => t !== undefined)]);
  });

  it.each([
    { shape: [2, 3, 3, 8], name: 'NHWC' },
    { shape: [6, 12], name: 'dense' },
    { shape: [2, 3, 3, 6], name: '6 channels (tfjs gradient)' },
  ])(
    'differentiates batch norm like cpu, in training (moments of the batch) and with given statistics: $name',
    async ({ shape }) => {
      const channels = shape.at(-1)!;
      const x = randomTensor(shape);
      const gamma = randomTensor([channels]);
      const beta = randomTensor([channels]);
      const dy = randomTensor(shape);
      const axes = shape.slice(0, -1).map((_, i) => i);
      // As tfjs-layers' BatchNormalization in training: the batch's own mean and variance.
      const training = (a: tf.Tensor, g: tf.Tensor, b: tf.Tensor, d: tf.Tensor) =>
        tf.grads((xs: tf.Tensor, gs: tf.Tensor, bs: tf.Tensor) => {
          const { mean, variance } = tf.moments(xs, axes);
          return tf.sum(tf.mul(tf.batchNorm(xs, mean, variance, bs, gs, 1e-3), d));
        })([a, g, b]);
      const mean = randomTensor([channels]);
      const variance = tf.abs(randomTensor([channels]));
      const given = (a: tf.Tensor, m: tf.Tensor, v: tf.Tensor, g: tf.Tensor, b: tf.Tensor, d: tf.Tensor) =>
        tf.grads((xs: tf.Tensor, ms: tf.Tensor, vs: tf.Tensor, gs: tf.Tensor, bs: tf.Tensor) =>
          tf.sum(tf.mul(tf.batchNorm(xs, ms, vs, bs, gs, 1e-3), d)),
        )([a, m, v, g, b]);
      const expected: tf.Tensor[] = [];
      for (const i of [0, 1, 2])
        expected.push(await onStockCpu([x, gamma, beta, dy], (...t) => training(t[0]!, t[1]!, t[2]!, t[3]!)[i]!));
      for (const i of [0, 1, 2, 3, 4]) {
        expected.push(
          await onStockCpu(
            [x, mean, variance, gamma, beta, dy],
            (...t) => given(t[0]!, t[1]!, t[2]!, t[3]!, t[4]!, t[5]!)[i]!,
          ),
        );
      }
      registerTrainingKernels({ backends: ['wasm'] });
      const actual = [...training(x, gamma, beta, dy), ...given(x, mean, variance, gamma, beta, dy)];
      for (const [i, a] of actual.entries()) expect(relativeError(a, expected[i]!), `gradient ${i}`).toBeLessThan(1e-4);
      const profile = await tf.profile(() => tf.dispose(training(x, gamma, beta, dy)));
      expect(profile.kernelNames.includes('GanBatchNormGrad')).toBe(channels % 4 === 0);
      tf.dispose([x, gamma, beta, dy, mean, variance, ...expected, ...actual]);
    },
  );

  it.each([
    { shape: [2, 3, 3, 8], name: 'NHWC, SIMD' },
    { shape: [6, 12], name: 'dense, SIMD' },
    { shape: [2, 3, 3, 6], name: '6 channels, JavaScript loops' },
  ])(
    'runs batch norm in training as one kernel (GanBatchNormTraining) with the values and gradients of moments + batchNorm on cpu: $name',
    async ({ shape }) => {
      const channels = shape.at(-1)!;
      // Offset means, so that E[x²] − mean² would lose digits if the sums were float32.
      const x = tf.add(randomTensor(shape), 3);
      const gamma = randomTensor([channels]);
      const beta = randomTensor([channels]);
      const dy = randomTensor(shape);
      const dMean = randomTensor([channels]);
      const dVariance = randomTensor([channels]);
      const axes = shape.slice(0, -1).map((_, i) => i);
      // The loss reaches y and, to check those terms too, the statistics themselves.
      const stock = (a: tf.Tensor, g: tf.Tensor, b: tf.Tensor, d: tf.Tensor, dm: tf.Tensor, dv: tf.Tensor) =>
        tf.grads((xs: tf.Tensor, gs: tf.Tensor, bs: tf.Tensor) => {
          const { mean, variance } = tf.moments(xs, axes);
          const y = tf.batchNorm(xs, mean, variance, bs, gs, 1e-3);
          return tf.addN([tf.sum(tf.mul(y, d)), tf.sum(tf.mul(mean, dm)), tf.sum(tf.mul(variance, dv))]);
        })([a, g, b]);
      const forward = (a: tf.Tensor, g: tf.Tensor, b: tf.Tensor) => {
        const { mean, variance } = tf.moments(a, axes);
        return [tf.batchNorm(a, mean, variance, b, g, 1e-3), mean, variance];
      };
      const inputs = [x, gamma, beta, dy, dMean, dVariance];
      const expected: tf.Tensor[] = [];
      for (const i of [0, 1, 2]) expected.push(await onStockCpu(inputs, (...t) => forward(t[0]!, t[1]!, t[2]!)[i]!));
      for (const i of [0, 1, 2]) {
        expected.push(await onStockCpu(inputs, (...t) => stock(t[0]!, t[1]!, t[2]!, t[3]!, t[4]!, t[5]!)[i]!));
      }
      registerTrainingKernels({ backends: ['wasm'] });
      const fused = (a: tf.Tensor, g: tf.Tensor, b: tf.Tensor) =>
        tf
          .engine()
          .runKernel('GanBatchNormTraining', { x: a, scale: g, offset: b }, { varianceEpsilon: 1e-3 }) as tf.Tensor[];
      const outputs = fused(x, gamma, beta);
      const gradients = tf.grads((xs: tf.Tensor, gs: tf.Tensor, bs: tf.Tensor) => {
        const [y, mean, variance] = fused(xs, gs, bs);
        return tf.addN([tf.sum(tf.mul(y!, dy)), tf.sum(tf.mul(mean!, dMean)), tf.sum(tf.mul(variance!, dVariance))]);
      })([x, gamma, beta]);
      const actual = [...outputs, ...gradients];
      const names = ['y', 'mean', 'variance', 'dx', 'dScale', 'dOffset'];
      for (const [i, a] of actual.entries()) expect(relativeError(a, expected[i]!), names[i]).toBeLessThan(1e-4);
      // Two kernels in all where tfjs makes ~20: the forward one and its gradient.
      const profile = await tf.profile(() =>
        tf.dispose(tf.grads((xs: tf.Tensor) => tf.sum(tf.mul(fused(xs, gamma, beta)[0]!, dy)))([x])),
      );
      expect(profile.kernelNames).toContain('GanBatchNormTraining');
      expect(profile.kernelNames).toContain('GanBatchNormTrainingGrad');
      expect(profile.kernelNames).not.toContain('Square');
      tf.dispose([x, gamma, beta, dy, dMean, dVariance, ...expected, ...actual]);
    },
  );

  it('differentiates GanBatchNormTraining again (a gradient penalty through it) with tfjs ops, as cpu does moments + batchNorm', async () => {
    const x = randomTensor([4, 8]);
    const w = randomTensor([8, 8]);
    const gamma = tf.add(randomTensor([8]), 1);
    const beta = randomTensor([8]);
    // Weighted, so that the inner loss is not invariant to the normalization (a plain Σ y² nearly is).
    const d = randomTensor([4, 8]);
    const penalty = (bn: (z: tf.Tensor) => tf.Tensor) => (a: tf.Tensor, b: tf.Tensor) =>
      tf.grad((weights: tf.Tensor) => {
        const gx = tf.grad((input: tf.Tensor) => tf.sum(tf.mul(tf.square(bn(tf.matMul(input, weights))), d)))(a);
        return tf.sum(tf.square(gx));
      })(b);
    const stockBn = (z: tf.Tensor) => {
      const { mean, variance } = tf.moments(z, [0]);
      return tf.batchNorm(z, mean, variance, beta, gamma, 1e-3);
    };
    const expected = await onStockCpu([x, w], penalty(stockBn));
    registerTrainingKernels({ backends: ['wasm'] });
    const fusedBn = (z: tf.Tensor) =>
      (
        tf
          .engine()
          .runKernel(
            'GanBatchNormTraining',
            { x: z, scale: gamma, offset: beta },
            { varianceEpsilon: 1e-3 },
          ) as tf.Tensor[]
      )[0]!;
    const actual = penalty(fusedBn)(x, w);
    expect(relativeError(actual, expected)).toBeLessThan(1e-3);
    tf.dispose([x, w, gamma, beta, d, actual, expected]);
  });

  it("differentiates a batch-norm gradient again through tfjs's own gradient", async () => {
    const x = randomTensor([4, 8]);
    const w = randomTensor([8, 8]);
    const penaltyGradient = (a: tf.Tensor, b: tf.Tensor) =>
      tf.grad((weights: tf.Tensor) => {
        const gx = tf.grad((input: tf.Tensor) => {
          const z = tf.matMul(input, weights);
          return tf.sum(tf.square(tf.batchNorm(z, tf.zeros([8]), tf.ones([8]), tf.zeros([8]), tf.ones([8]), 1e-3)));
        })(a);
        return tf.sum(tf.square(gx));
      })(b);
    const expected = await onStockCpu([x, w], penaltyGradient);
    registerTrainingKernels({ backends: ['wasm'] });
    const actual = penaltyGradient(x, w);
    expect(relativeError(actual, expected)).toBeLessThan(1e-4);
    tf.dispose([x, w, actual, expected]);
  });

  it('differentiates the LeakyReLU gradient again (gradient penalties) like cpu', async () => {
    const x = randomTensor([3, 8]);
    const w = randomTensor([8, 4]);
    // ∂/∂w of ‖∇ₓ Σ leakyRelu(x·w)·c‖²: the second pass goes through the gradient kernel's own gradient.
    const c = randomTensor([3, 4]);
    const penaltyGradient = (activation: (z: tf.Tensor) => tf.Tensor) => (a: tf.Tensor, b: tf.Tensor, k: tf.Tensor) =>
      tf.grad((weights: tf.Tensor) => {
        const gx = tf.grad((input: tf.Tensor) => tf.sum(tf.mul(activation(tf.matMul(input, weights)), k)))(a);
        return tf.sum(tf.square(gx));
      })(b);
    // Stock tfjs cannot differentiate its LeakyRelu gradient again (no gradient for Greater): the reference writes
    // leakyRelu(z) as relu(z) − α·relu(−z), the same function and gradient away from 0.
    const reference = (z: tf.Tensor) => tf.sub(tf.relu(z), tf.mul(0.2, tf.relu(tf.neg(z))));
    const expected = await onStockCpu([x, w, c], penaltyGradient(reference));
    registerTrainingKernels({ backends: ['wasm'] });
    const actual = penaltyGradient((z) => tf.leakyRelu(z, 0.2))(x, w, c);
    expect(relativeError(actual, expected)).toBeLessThan(1e-5);
    tf.dispose([x, w, c, actual, expected]);
  });

  it('shares data in Identity instead of copying, and frees it when the last user goes', () => {
    registerTrainingKernels({ backends: ['wasm'] });
    const backendData = tf.engine().backend;
    const x = tf.tensor1d([1, 2, 3]);
    const before = backendData.numDataIds();
    const copy = tf.clone(x);
    expect(backendData.numDataIds()).toBe(before);
    x.dispose();
    expect(Array.from(copy.dataSync())).toEqual([1, 2, 3]);
    copy.dispose();
    expect(backendData.numDataIds()).toBe(before - 1);
  });
});

// Dense-layer forward products on wasm from a transposed copy of the weights (no XNNPACK weight packing).
describe('fused matMul with transposed weights on wasm', () => {
  beforeAll(async () => {
    unregisterTrainingKernels();
    await tf.setBackend('wasm');
  });
  afterAll(() => {
    unregisterTrainingKernels();
  });

  // The kernel built directly, for every weight size (registerTrainingKernels uses it from 2^18 values on).
  function anySize(): tf.KernelFunc {
    const stock = {
      [tf._FusedMatMul]: tf.getKernel(tf._FusedMatMul, 'wasm'),
      [tf.BatchMatMul]: tf.getKernel(tf.BatchMatMul, 'wasm'),
    };
    return fusedMatMulKernel([transposedWeights({ minWeightSize: 1 })]).create(stock);
  }

  const fused = (a: tf.Tensor, b: tf.Tensor, bias: tf.Tensor | undefined, activation: tf.fused.Activation) =>
    tf.fused.matMul({ a, b, bias, activation });

  it.each([
    { m: 1, k: 5, n: 7, bias: 'none', activation: 'linear' },
    { m: 3, k: 9, n: 70, bias: 'vector', activation: 'linear' },
    { m: 5, k: 130, n: 33, bias: 'vector', activation: 'relu' },
    { m: 6, k: 7, n: 131, bias: 'scalar', activation: 'relu6' },
    { m: 17, k: 64, n: 18, bias: 'vector', activation: 'linear' },
  ] as const)('matches the stock cpu kernel: $m × $k · $k × $n, bias $bias, $activation', async (c) => {
    const a = randomTensor([c.m, c.k]);
    const b = randomTensor([c.k, c.n]);
    const bias = c.bias === 'none' ? undefined : randomTensor(c.bias === 'vector' ? [c.n] : [1]);
    const inputs = bias === undefined ? [a, b] : [a, b, bias];
    const expected = await onStockCpu(inputs, (x, w, v) => fused(x, w, v, c.activation));
    const kernel = anySize();
    const backend = tf.engine().backend;
    const run = (x: tf.Tensor) =>
      tf.engine().makeTensorFromTensorInfo(
        kernel({
          inputs: { a: x, b, bias },
          attrs: { transposeA: false, transposeB: false, activation: c.activation },
          backend,
        }) as tf.TensorInfo,
      );
    const twinsBefore = transposedTwinCount(backend);
    const actual = run(a);
    expect(relativeError(actual, expected)).toBeLessThan(1e-5);
    // A second product with the same weights uses the same transposed copy.
    const again = run(a);
    expect(Array.from(again.dataSync())).toEqual(Array.from(actual.dataSync()));
    expect(transposedTwinCount(backend)).toBe(twinsBefore + 1);
    tf.dispose([a, b, actual, again, expected]);
    if (bias !== undefined) bias.dispose();
    expect(transposedTwinCount(backend)).toBe(twinsBefore);
  });

  it('serves BatchMatMul too (a dense layer run as separate ops in a tape), from the same kind of copy', async () => {
    const stock = { [tf.BatchMatMul]: tf.getKernel(tf.BatchMatMul, 'wasm') };
    const kernel = batchMatMulKernel([transposedWeightsProduct({ minWeightSize: 1 })]).create(stock);
    const backend = tf.engine().backend;
    const a = randomTensor([3, 9]);
    const b = randomTensor([9, 70]);
    const expected = await onStockCpu([a, b], (x, w) => tf.matMul(x, w));
    const twinsBefore = transposedTwinCount(backend);
    const run = (attrs: tf.NamedAttrMap) =>
      tf.engine().makeTensorFromTensorInfo(kernel({ inputs: { a, b }, attrs, backend }) as tf.TensorInfo);
    const actual = run({ transposeA: false, transposeB: false });
    expect(relativeError(actual, expected)).toBeLessThan(1e-5);
    expect(transposedTwinCount(backend)).toBe(twinsBefore + 1);
    // a transposed operand is not a dense layer's forward product: the stock kernel, no copy
    const bT = randomTensor([70, 9]);
    const viaStock = tf
      .engine()
      .makeTensorFromTensorInfo(
        kernel({ inputs: { a, b: bT }, attrs: { transposeA: false, transposeB: true }, backend }) as tf.TensorInfo,
      );
    expect(transposedTwinCount(backend)).toBe(twinsBefore + 1);
    const reference = tf.engine().runKernel(tf.BatchMatMul, { a, b: bT }, { transposeA: false, transposeB: true });
    expect(Array.from(viaStock.dataSync())).toEqual(Array.from((reference as tf.Tensor).dataSync()));
    // b's data under another shape (a reshape shares it): not the kept copy's product, but a copy of its own
    const c = randomTensor([2, 70]);
    const reshaped = tf.reshape(b, [70, 9]);
    const expectedReshaped = await onStockCpu([c, reshaped], (x, w) => tf.matMul(x, w));
    const viaReshape = tf.engine().makeTensorFromTensorInfo(
      kernel({
        inputs: { a: c, b: reshaped },
        attrs: { transposeA: false, transposeB: false },
        backend,
      }) as tf.TensorInfo,
    );
    expect(relativeError(viaReshape, expectedReshaped)).toBeLessThan(1e-5);
    expect(transposedTwinCount(backend)).toBe(twinsBefore + 1);
    tf.dispose([a, b, bT, c, reshaped, actual, expected, viaStock, viaReshape, expectedReshaped]);
    tf.dispose(reference as tf.Tensor);
    expect(transposedTwinCount(backend)).toBe(twinsBefore);
  });

  it("is registerTrainingKernels' BatchMatMul where the SIMD product is off, for big weights", () => {
    registerTrainingKernels({ backends: ['wasm'] });
    setGemmEnabled(false);
    try {
      const backend = tf.engine().backend;
      const x = randomTensor([4, 512]);
      const w = randomTensor([512, 520]);
      const twinsBefore = transposedTwinCount(backend);
      const y = tf.matMul(x, w);
      expect(transposedTwinCount(backend)).toBe(twinsBefore + 1);
      tf.dispose([x, w, y]);
      expect(transposedTwinCount(backend)).toBe(twinsBefore);
    } finally {
      setGemmEnabled(true);
      unregisterTrainingKernels();
    }
  });

  it('frees the transposed copy with its weights, once no tensor shares their data', () => {
    const kernel = anySize();
    const backend = tf.engine().backend;
    const before = backend.numDataIds();
    const initial = randomTensor([8, 12]);
    const w = tf.variable(initial); // shares the data of `initial`
    const x = randomTensor([2, 8]);
    const product = () =>
      tf
        .engine()
        .makeTensorFromTensorInfo(
          kernel({ inputs: { a: x, b: w }, attrs: { transposeA: false, transposeB: false }, backend }) as tf.TensorInfo,
        );
    const y1 = product();
    expect(transposedTwinCount(backend)).toBe(1);
    const update = randomTensor([8, 12]);
    w.assign(update); // the old value still lives in `initial`
    update.dispose();
    expect(transposedTwinCount(backend)).toBe(1);
    initial.dispose();
    expect(transposedTwinCount(backend)).toBe(0);
    const y2 = product();
    expect(transposedTwinCount(backend)).toBe(1);
    const reshaped = tf.reshape(w, [12, 8]); // shares w's data
    w.dispose();
    expect(transposedTwinCount(backend)).toBe(1);
    reshaped.dispose();
    expect(transposedTwinCount(backend)).toBe(0);
    tf.dispose([y1, y2, x]);
    expect(backend.numDataIds()).toBe(before);
  });

  it('takes the stock kernel for transposed operands, batches, prelu and other activations', async () => {
    const kernel = anySize();
    const backend = tf.engine().backend;
    const cases: { a: number[]; b: number[]; attrs: tf.NamedAttrMap; prelu?: boolean }[] = [
      // The stock kernel takes rank-3 operands (tf.fused.matMul reshapes to them).
      { a: [1, 3, 4], b: [1, 5, 4], attrs: { transposeA: false, transposeB: true, activation: 'linear' } },
      { a: [1, 4, 3], b: [1, 4, 5], attrs: { transposeA: true, transposeB: false, activation: 'linear' } },
      { a: [2, 3, 4], b: [2, 4, 5], attrs: { transposeA: false, transposeB: false, activation: 'linear' } },
      { a: [1, 3, 4], b: [1, 4, 5], attrs: { transposeA: false, transposeB: false, activation: 'elu' } },
      { a: [1, 3, 4], b: [1, 4, 5], attrs: { transposeA: false, transposeB: false, activation: 'prelu' }, prelu: true },
      { a: [1, 9, 4], b: [1, 4, 5], attrs: { transposeA: false, transposeB: false, activation: 'linear' } }, // m ≥ n
    ];
    for (const c of cases) {
      const a = randomTensor(c.a);
      const b = randomTensor(c.b);
      const preluActivationWeights = c.prelu ? randomTensor([5]) : undefined;
      const inputs: tf.NamedTensorMap =
        preluActivationWeights === undefined ? { a, b } : { a, b, preluActivationWeights };
      const stock = tf.engine().runKernel(tf._FusedMatMul, inputs, c.attrs) as tf.Tensor;
      const twinsBefore = transposedTwinCount(backend);
      const ours = tf.engine().makeTensorFromTensorInfo(kernel({ inputs, attrs: c.attrs, backend }) as tf.TensorInfo);
      expect(transposedTwinCount(backend)).toBe(twinsBefore);
      expect(Array.from(ours.dataSync())).toEqual(Array.from(stock.dataSync()));
      tf.dispose([a, b, stock, ours]);
      if (preluActivationWeights) preluActivationWeights.dispose();
    }
  });

  it.each([true, false])(
    'is what registerTrainingKernels installs under the SIMD product (on: %s), for big weights, with gradients unchanged',
    async (gemmOn) => {
      const x = randomTensor([4, 512]);
      const w = randomTensor([512, 520]);
      const bias = randomTensor([520]);
      const dy = randomTensor([4, 520]);
      const forward = (a: tf.Tensor, b: tf.Tensor, v: tf.Tensor) => fused(a, b, v, 'relu');
      const gradients = (a: tf.Tensor, b: tf.Tensor, v: tf.Tensor, d: tf.Tensor) =>
        tf.grads((p: tf.Tensor, q: tf.Tensor, r: tf.Tensor) => tf.sum(tf.mul(forward(p, q, r), d)))([a, b, v]);
      const expected = await onStockCpu([x, w, bias], forward);
      const expectedGrads: tf.Tensor[] = [];
      for (const i of [0, 1, 2]) {
        expectedGrads.push(await onStockCpu([x, w, bias, dy], (a, b, v, d) => gradients(a, b, v, d)[i]!));
      }
      setGemmEnabled(gemmOn);
      try {
        registerTrainingKernels({ backends: ['wasm'] });
        const backend = tf.engine().backend;
        const twinsBefore = transposedTwinCount(backend);
        const actual = forward(x, w, bias);
        // The SIMD product needs no transposed copy; without it, the XNNPACK fallback makes one.
        expect(transposedTwinCount(backend)).toBe(twinsBefore + (gemmOn ? 0 : 1));
        expect(relativeError(actual, expected)).toBeLessThan(1e-5);
        const grads = gradients(x, w, bias, dy);
        for (const [i, g] of grads.entries()) {
          expect(relativeError(g, expectedGrads[i]!)).toBeLessThan(1e-5);
        }
        tf.dispose([x, w, bias, dy, actual, expected, ...expectedGrads, ...grads]);
        expect(transposedTwinCount(backend)).toBe(twinsBefore);
      } finally {
        setGemmEnabled(true);
      }
    },
  );
});

describe('registerTrainingKernels', () => {
  afterAll(() => {
    unregisterTrainingKernels();
  });

  it('is idempotent and undone by unregisterTrainingKernels', () => {
    unregisterTrainingKernels();
    const stockInput = tf.getKernel('Conv2DBackpropInput', 'wasm');
    const stockGradients = [tf.getGradient(tf.LeakyRelu), tf.getGradient(tf.FusedBatchNorm)];
    expect(stockGradients.every((g) => g !== undefined)).toBe(true);
    expect(tf.getKernel('Conv2DBackpropFilter', 'wasm')).toBeUndefined();
    const first = registerTrainingKernels();
    const patched = tf.getKernel('Conv2DBackpropInput', 'wasm');
    const second = registerTrainingKernels();
    expect(second.registered.sort()).toEqual(first.registered.sort());
    expect(tf.getKernel('Conv2DBackpropInput', 'wasm')).toBe(patched);
    expect(first.registered).toEqual(
      expect.arrayContaining([
        'wasm/Conv2DBackpropFilter',
        'wasm/Conv2DBackpropInput',
        'wasm/BatchMatMul',
        'wasm/_FusedMatMul',
        'cpu/Conv2DBackpropFilter',
        'cpu/Conv2DBackpropInput',
        'wasm/Identity',
        'wasm/Tile',
        'wasm/Concat',
        'wasm/SplitV',
        'wasm/Sum',
        'wasm/Mean',
        'wasm/GanAdamUpdate',
        'cpu/GanAdamUpdate',
      ]),
    );
    expect(tf.getGradient(tf.LeakyRelu)).not.toBe(stockGradients[0]);
    expect(tf.getGradient(tf.FusedBatchNorm)).not.toBe(stockGradients[1]);
    unregisterTrainingKernels();
    expect(tf.getGradient(tf.LeakyRelu)).toBe(stockGradients[0]);
    expect(tf.getGradient(tf.FusedBatchNorm)).toBe(stockGradients[1]);
    expect(tf.getKernel('GanAdamUpdate', 'wasm')).toBeUndefined();
    expect(tf.getKernel('Conv2DBackpropInput', 'wasm')).toBe(stockInput);
    expect(tf.getKernel('Conv2DBackpropFilter', 'wasm')).toBeUndefined();
  });

  it('skips backends that are not loaded and rejects unknown ones', () => {
    expect(() => registerTrainingKernels({ backends: ['webgl' as 'wasm'] })).toThrow(
      /supports the backends wasm, cpu, webgpu, got "webgl"/,
    );
    // tfjs-backend-webgpu is not imported in this file: nothing to patch there yet.
    expect(registerTrainingKernels({ backends: ['webgpu'] })).toEqual({
      registered: expect.any(Array),
      skipped: ['webgpu'],
    });
    expect(tf.getKernel('GanAdamUpdate', 'webgpu')).toBeUndefined();
    unregisterTrainingKernels();
  });
});
