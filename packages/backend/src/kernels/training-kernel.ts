import type * as tf from '@tensorflow/tfjs-core';

/** The backends `registerTrainingKernels` knows how to speed up. */
export type TrainingKernelBackend = 'wasm' | 'cpu' | 'webgpu';

/** The stock kernels a replacement may fall back to, by kernel name (absent when the backend has none). */
export type StockKernels = Readonly<Record<string, tf.KernelConfig | undefined>>;

/**
 * A replacement kernel, as tfjs's `KernelConfig` but made from the stock kernels it replaces or calls: `create`
 * receives them when the kernel is registered (see kernels/register-all.ts).
 */
export interface TrainingKernel {
  kernelName: string;
  backendName: TrainingKernelBackend;
  create(stock: StockKernels): tf.KernelFunc;
}

export type KernelArgs = Parameters<tf.KernelFunc>[0];

/**
 * One way to compute a kernel. A kernel holds an ordered list of them: the first whose `applies` holds for a call
 * runs it, and when none does the call goes to the stock kernel.
 */
export interface Strategy<Call, Result = tf.TensorInfo> {
  /** What it does, in a few words. */
  readonly name: string;
  applies(call: Call): boolean;
  run(call: Call): Result;
}

/** The first of `strategies` that applies to `call`, if any. */
export function firstApplying<Call, Result>(
  strategies: readonly Strategy<Call, Result>[],
  call: Call,
): Strategy<Call, Result> | undefined {
  return strategies.find((strategy) => strategy.applies(call));
}

/** The stock `kernelName`, or an error saying `why` the replacement did not handle the call and that none exists. */
export function stockOrThrow(stock: StockKernels, kernelName: string, backendName: string, why: string): tf.KernelFunc {
  const kernel = stock[kernelName];
  if (kernel === undefined) {
    throw new Error(`${kernelName} on '${backendName}': ${why}, and the backend has no stock kernel to fall back to.`);
  }
  return kernel.kernelFunc;
}

/** How a {@link strategyKernel} reads a call. */
interface StrategyKernelSpec<Call> {
  kernelName: string;
  backendName: TrainingKernelBackend;
  /**
   * The call's inputs and attributes as the strategies take them, or why the stock kernel takes the call instead.
   * Throws where the kernel has no stock kernel and the call is wrong (a new kernel's own input checks).
   */
  read(args: KernelArgs, stock: StockKernels): Call | string;
  /** Tried in order. */
  strategies: readonly Strategy<Call, tf.TensorInfo | tf.TensorInfo[]>[];
}

/** A replacement kernel that runs the first of its strategies that applies, else the stock kernel. */
export function strategyKernel<Call extends object>(spec: StrategyKernelSpec<Call>): TrainingKernel {
  const { kernelName, backendName, read, strategies } = spec;
  return {
    kernelName,
    backendName,
    create(stock) {
      return (args) => {
        const call = read(args, stock);
        if (typeof call === 'string') return stockOrThrow(stock, kernelName, backendName, call)(args);
        const strategy = firstApplying(strategies, call);
        if (strategy !== undefined) return strategy.run(call);
        return stockOrThrow(stock, kernelName, backendName, 'no strategy applies')(args);
      };
    },
  };
}

// The gradients registered before @gan/backend's replaced them (tfjs's own, normally): put back by
// unregisterTrainingKernels, and called by the replacements for what they do not handle. Global, like tfjs's
// gradient registry, so that two copies of this package agree.
const previousGradientsKey = Symbol.for('gan.backend.previousGradients');
const scope = globalThis as typeof globalThis & { [previousGradientsKey]?: Map<string, tf.GradConfig> };
if (scope[previousGradientsKey] === undefined) scope[previousGradientsKey] = new Map();

/** The gradients replaced by this package, by kernel name. */
export const previousGradients: Map<string, tf.GradConfig> = scope[previousGradientsKey];
