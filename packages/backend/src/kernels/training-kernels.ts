import * as tf from '@tensorflow/tfjs-core';
import { adamUpdateKernel } from './adam-update.js';
import { conv2dBackpropFilter, conv2dBackpropInput } from './conv-kernels.js';
import { cpuKernelHost, wasmKernelHost } from './kernel-host.js';
import type { TrainingKernel, TrainingKernelBackend } from './kernel-types.js';
import { fusedMatMulWithTransposedWeights } from './fused-mat-mul.js';
import { gemmBatchMatMul, gemmConv2D, gemmFusedMatMul } from './gemm-kernels.js';
import { webgpuAdamUpdateKernel } from './webgpu-adam.js';
import {
  batchMatMul,
  blockTile,
  leadingAxesReduction,
  rowConcat,
  rowSplit,
  sharedCast,
  sharedIdentity,
  simdLeakyRelu,
  simdBatchNorm,
  simdBatchNormGrad,
  simdLeakyReluGrad,
} from './wasm-kernels.js';

/** The replacement kernels per backend, in registration order. */
export function trainingKernelsFor(backendName: TrainingKernelBackend): TrainingKernel[] {
  if (backendName === 'wasm') {
    return [
      conv2dBackpropFilter(wasmKernelHost, true, true),
      conv2dBackpropInput(wasmKernelHost, true, true),
      gemmConv2D(tf.Conv2D),
      gemmConv2D(tf.FusedConv2D),
      gemmBatchMatMul(batchMatMul(wasmKernelHost)),
      gemmFusedMatMul(fusedMatMulWithTransposedWeights(wasmKernelHost)),
      sharedIdentity(),
      sharedCast(),
      blockTile(),
      leadingAxesReduction(tf.Sum),
      leadingAxesReduction(tf.Mean),
      adamUpdateKernel(wasmKernelHost),
      simdLeakyRelu(),
      simdLeakyReluGrad(),
      simdBatchNorm(),
      simdBatchNormGrad(),
      rowConcat(),
      rowSplit(),
    ];
  }
  if (backendName === 'webgpu') return [webgpuAdamUpdateKernel()];
  return [
    conv2dBackpropFilter(cpuKernelHost, false),
    conv2dBackpropInput(cpuKernelHost, false),
    adamUpdateKernel(cpuKernelHost),
  ];
}
