import type * as tf from '@tensorflow/tfjs-core';
import { cpuAdamUpdate, wasmAdamUpdate, webgpuAdamUpdate } from './adam.js';
import { wasmAdd } from './add.js';
import {
  batchNormGradient,
  batchNormTrainingGradient,
  wasmBatchNorm,
  wasmBatchNormGrad,
  wasmBatchNormTraining,
  wasmBatchNormTrainingGrad,
} from './batch-norm.js';
import { wasmConcat, wasmSplitV } from './concat.js';
import {
  cpuConv2DBackpropFilter,
  cpuConv2DBackpropInput,
  wasmConv2D,
  wasmConv2DBackpropFilter,
  wasmConv2DBackpropInput,
  wasmFusedConv2D,
} from './conv.js';
import { wasmCast, wasmIdentity } from './copy-free.js';
import { leakyReluGradGradient, leakyReluGradient, wasmLeakyRelu, wasmLeakyReluGrad } from './leaky-relu.js';
import { wasmBatchMatMul, wasmFusedMatMul } from './mat-mul.js';
import { wasmMean, wasmSum } from './sum-mean.js';
import { wasmTanh } from './tanh.js';
import { wasmTile } from './tile.js';
import type { TrainingKernel, TrainingKernelBackend } from './training-kernel.js';

// Every kernel registerTrainingKernels() installs, as tfjs's backends list theirs (register_all_kernels.ts): one
// entry per backend and kernel, each defined, with its ordered strategies, in the file of its family.

/** The replacement and new kernels, in registration order. */
export const trainingKernels: readonly TrainingKernel[] = [
  // wasm
  wasmConv2DBackpropFilter,
  wasmConv2DBackpropInput,
  wasmConv2D,
  wasmFusedConv2D,
  wasmBatchMatMul,
  wasmFusedMatMul,
  wasmIdentity,
  wasmCast,
  wasmTile,
  wasmSum,
  wasmMean,
  wasmAdamUpdate,
  wasmLeakyRelu,
  wasmLeakyReluGrad,
  wasmTanh,
  wasmBatchNorm,
  wasmBatchNormGrad,
  wasmBatchNormTraining,
  wasmBatchNormTrainingGrad,
  wasmConcat,
  wasmSplitV,
  wasmAdd,
  // cpu
  cpuConv2DBackpropFilter,
  cpuConv2DBackpropInput,
  cpuAdamUpdate,
  // webgpu
  webgpuAdamUpdate,
];

/** The kernels for `backendName`, in registration order. */
export function trainingKernelsFor(backendName: TrainingKernelBackend): TrainingKernel[] {
  return trainingKernels.filter((kernel) => kernel.backendName === backendName);
}

/**
 * Gradients that use the one-pass kernels where a backend has them (wasm): LeakyRelu's (tfjs's is three kernels) and
 * FusedBatchNorm's (tfjs's is ~15 passes). The ones they replace are kept, to put back and to fall back to.
 */
export const trainingGradients: readonly tf.GradConfig[] = [leakyReluGradient, batchNormGradient];

/**
 * Gradients of the new kernels themselves: LeakyReLU's gradient (for gradient penalties) and the whole training batch
 * norm's (GanBatchNormTraining); nothing to put back.
 */
export const newKernelGradients: readonly tf.GradConfig[] = [leakyReluGradGradient, batchNormTrainingGradient];
