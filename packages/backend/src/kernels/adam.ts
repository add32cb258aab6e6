import { type AdamUpdateAttrs, adamUpdateKernelName } from '@gan/core';
import * as tf from '@tensorflow/tfjs-core';
import { gemmFor } from '../wasm/gemm.js';
import { type SimdKernels, simdKernelsFor } from '../wasm/simd.js';
import { cpuKernelHost, type HostFactory, type KernelHost, wasmKernelHost } from './kernel-host.js';
import { type KernelArgs, type Strategy, strategyKernel, type TrainingKernel } from './training-kernel.js';

// GanAdamUpdate, a new kernel: one Adam step of a variable and its two moments in one pass. On cpu a JavaScript loop,
// on wasm WebAssembly SIMD on the heap (the loop without SIMD), on webgpu three WGSL programs; every backend's kernel
// checks its inputs the same way (there is no stock kernel to fall back to).

// The kernel's name and attributes are @gan/core's (`adamUpdateKernelName`, `AdamUpdateAttrs`), which
// @gan/train's Adam optimizer runs by name.

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
  // of three, which makes the loop faster (see bench/RESULTS.md).
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

/** The inputs and attributes of an Adam step, checked. */
interface AdamInputs {
  /** variable, gradient, firstMoment, secondMoment: float32, of one shape. */
  inputs: [tf.TensorInfo, tf.TensorInfo, tf.TensorInfo, tf.TensorInfo];
  attrs: AdamUpdateAttrs;
}

const attrNames = ['learningRate', 'beta1', 'beta2', 'epsilon', 'biasCorrection1', 'biasCorrection2'] as const;

/** The inputs and attributes of {@link adamUpdateKernelName}, or an error saying what is wrong with them. */
function checkAdamInputs(args: KernelArgs): AdamInputs {
  const { variable, gradient, firstMoment, secondMoment } = args.inputs as Record<string, tf.TensorInfo | undefined>;
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
  for (const key of attrNames) {
    const bias = key.startsWith('biasCorrection');
    if (!Number.isFinite(attrs[key]) || (bias && attrs[key] <= 0)) {
      throw new Error(`${adamUpdateKernelName} expects a finite ${key}${bias ? ' > 0' : ''}, got ${attrs[key]}.`);
    }
  }
  return { inputs: inputs as AdamInputs['inputs'], attrs };
}

// ---- wasm and cpu ----

/** An Adam step on a {@link KernelHost} backend. */
interface HostAdamCall extends AdamInputs {
  host: KernelHost;
}

/** The three outputs, allocated (on wasm, views taken after this: an allocation may grow the heap). */
function allocateOutputs({ host, inputs }: HostAdamCall): tf.TensorInfo[] {
  const shape = [...inputs[0].shape];
  return [host.allocate(shape), host.allocate(shape), host.allocate(shape)];
}

const adamBySimd: Strategy<HostAdamCall, tf.TensorInfo[]> = {
  name: 'WebAssembly SIMD on the heap, in float32',
  applies: ({ host }) => host.byteOffset !== undefined && simdKernelsFor(host.backend) !== null,
  run: (c) => {
    const outputs = allocateOutputs(c);
    adamUpdateSimd(simdKernelsFor(c.host.backend)!, c.host, c.inputs, outputs, c.attrs);
    return outputs;
  },
};

const adamByLoop: Strategy<HostAdamCall, tf.TensorInfo[]> = {
  name: 'a JavaScript loop with float64 intermediates',
  applies: () => true,
  run: (c) => {
    const outputs = allocateOutputs(c);
    const [w, g, m, v, wOut, mOut, vOut] = [...c.inputs, ...outputs].map((t) => c.host.view(t));
    adamUpdate(w!, g!, m!, v!, c.attrs, wOut!, mOut!, vOut!);
    return outputs;
  },
};

/** The strategies of the Adam kernel, by backend, in the order they are tried. */
const adamStrategies = { wasm: [adamBySimd, adamByLoop], cpu: [adamByLoop] } as const;

function hostAdamKernel(
  backendName: 'wasm' | 'cpu',
  makeHost: HostFactory,
  strategies: readonly Strategy<HostAdamCall, tf.TensorInfo[]>[],
): TrainingKernel {
  return strategyKernel<HostAdamCall>({
    kernelName: adamUpdateKernelName,
    backendName,
    read: (args) => {
      const checked = checkAdamInputs(args);
      const host = makeHost(args.backend as tf.KernelBackend);
      // Read the inputs once first: data on another backend moves here on first read, which allocates.
      for (const input of checked.inputs) host.view(input);
      return { ...checked, host };
    },
    strategies,
  });
}

/** {@link adamUpdateKernelName} on wasm. */
export const wasmAdamUpdate = hostAdamKernel('wasm', wasmKernelHost, adamStrategies.wasm);
/** {@link adamUpdateKernelName} on cpu. */
export const cpuAdamUpdate = hostAdamKernel('cpu', cpuKernelHost, adamStrategies.cpu);

/**
 * The same step in float32 (the rounding of tfjs's own kernels), as WebAssembly SIMD over the wasm heap for all
 * but the last `count % 4` values, which take the same float32 operations here. The JavaScript loop is bound by its
 * typed-array loads and stores; 128-bit vector loads and stores move several values at once (timings in
 * bench/RESULTS.md).
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
  // on the matrix product's threads where it has some (the same bits: each value is one thread's)
  const gemm = gemmFor(host.backend);
  if (gemm !== null && gemm.threads > 1) gemm.adam(offsets, vectorized, constants);
  else simd.adam(...offsets, vectorized, ...constants);
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

// ---- webgpu ----

/** The parts of tfjs-backend-webgpu's `WebGPUBackend` this kernel uses. */
interface WebGpuBackendLike extends tf.KernelBackend {
  runWebGPUProgram(
    program: object,
    inputs: tf.TensorInfo[],
    outputDtype: tf.DataType,
    programUniforms?: Array<{ type: string; data: number[] }>,
  ): tf.TensorInfo;
}

const programOutputs = ['w', 'm', 'v'] as const;
const workgroupSize: [number, number, number] = [64, 1, 1];

/**
 * One output of the fused Adam step as a WebGPU program (tfjs-backend-webgpu's program interface: WGSL
 * with `getXByOutputIndex` accessors and `uniforms.size` generated by the backend). Each of the three
 * programs reads w, g, m, v and writes one of w′, m′, v′, so a variable's update is 3 dispatches instead
 * of tfjs Adam's ~10, with no intermediate tensors.
 */
class AdamUpdateProgram {
  readonly variableNames = ['W', 'G', 'M', 'V'];
  readonly uniforms = 'lr : f32, beta1 : f32, beta2 : f32, eps : f32, bc1 : f32, bc2 : f32,';
  readonly workgroupSize = workgroupSize;
  readonly size = true;
  readonly outputShape: number[];
  readonly dispatchLayout: { x: number[] };
  dispatch: [number, number, number];
  shaderKey: string;

  constructor(
    shape: number[],
    private readonly output: (typeof programOutputs)[number],
  ) {
    this.outputShape = shape;
    this.dispatchLayout = { x: shape.map((_, i) => i) };
    // A flat dispatch; runWebGPUProgram folds it into 2-D when it exceeds the device's per-dimension limit.
    this.dispatch = [Math.ceil(tf.util.sizeFromShape(shape) / workgroupSize[0]), 1, 1];
    this.shaderKey = `ganAdamUpdate_${output}`;
  }

  getUserCode(): string {
    const result = {
      w: 'w - uniforms.lr * (m / uniforms.bc1) / (sqrt(v / uniforms.bc2) + uniforms.eps)',
      m: 'm',
      v: 'v',
    }[this.output];
    return `
      fn main(index : i32) {
        if (index < uniforms.size) {
          let g = getGByOutputIndex(index);
          let w = getWByOutputIndex(index);
          let m = uniforms.beta1 * getMByOutputIndex(index) + (1.0 - uniforms.beta1) * g;
          let v = uniforms.beta2 * getVByOutputIndex(index) + (1.0 - uniforms.beta2) * g * g;
          setOutputAtIndex(index, ${result});
        }
      }`;
  }
}

/** An Adam step on tfjs-backend-webgpu. */
interface WebGpuAdamCall extends AdamInputs {
  backend: WebGpuBackendLike;
}

const adamByPrograms: Strategy<WebGpuAdamCall, tf.TensorInfo[]> = {
  name: "three WGSL programs (w', m', v'), each reading w, g, m and v once",
  applies: () => true,
  run: ({ backend, inputs, attrs }) => {
    const values = attrNames.map((key) => attrs[key]);
    const uniforms = values.map((value) => ({ type: 'float32', data: [value] }));
    const shape = [...inputs[0].shape];
    return programOutputs.map((output) =>
      backend.runWebGPUProgram(new AdamUpdateProgram(shape, output), inputs, 'float32', uniforms),
    );
  },
};

/** {@link adamUpdateKernelName} on tfjs-backend-webgpu: 3 dispatches per variable instead of tfjs Adam's ~10. */
export const webgpuAdamUpdate = strategyKernel<WebGpuAdamCall>({
  kernelName: adamUpdateKernelName,
  backendName: 'webgpu',
  read: (args) => ({ ...checkAdamInputs(args), backend: args.backend as WebGpuBackendLike }),
  strategies: [adamByPrograms],
});
