import * as tf from '@tensorflow/tfjs-core';
import { type ConvBackpropAttrs, convGeometry } from './algorithms/im2col.js';
import { filterGradientByConvolution, filterGradientByMatMul } from './conv2d-backprop-filter.js';
import { inputGradientByMatMul, inputGradientByPhases } from './conv2d-backprop-input.js';
import { gemmFor } from '../wasm/gemm.js';
import { filterGradientByGemm, inputGradientByGemm } from './gemm-conv.js';
import type { KernelHost, KernelOverrides } from './kernel-host.js';
import { type KernelArgs, stockOrThrow, type TrainingKernel } from './kernel-types.js';

/**
 * Above this many filter taps × input channels, the filter gradient runs as one XNNPACK
 * convolution; below it (first layer of D, last layer of G) as im2col + one matrix product.
 */
const convolutionFilterGradientMinTaps = 256;
/** At least this many input channels and the input gradient runs as per-phase convolutions. */
const phaseInputGradientMinChannels = 8;

function nchwToNhwc(host: KernelHost, info: tf.TensorInfo): tf.TensorInfo {
  return host.run('Transpose', { x: info }, { perm: [0, 2, 3, 1] });
}

export function conv2dBackpropFilter(
  makeHost: (backend: tf.KernelBackend, overrides: KernelOverrides) => KernelHost,
  chooseConvolution: boolean,
  useGemm = false,
): TrainingKernel {
  return {
    kernelName: tf.Conv2DBackpropFilter,
    create(stock) {
      const overrides: Record<string, tf.KernelFunc> = {};
      if (stock[tf.BatchMatMul]) overrides[tf.BatchMatMul] = stock[tf.BatchMatMul].kernelFunc;
      const kernelFunc = (args: KernelArgs): tf.TensorInfo => {
        const { x, dy } = args.inputs as { x: tf.TensorInfo; dy: tf.TensorInfo };
        const attrs = args.attrs as unknown as ConvBackpropAttrs & { filterShape: number[] };
        const host = makeHost(args.backend as tf.KernelBackend, overrides);
        if (x.dtype !== 'float32' || dy.dtype !== 'float32') {
          return stockOrThrow(
            stock,
            tf.Conv2DBackpropFilter,
            host.backendName,
            'inputs are not float32',
          )(args) as tf.TensorInfo;
        }
        if (attrs.dataFormat === 'NCHW') {
          const xNhwc = nchwToNhwc(host, x);
          const dyNhwc = nchwToNhwc(host, dy);
          const result = kernelFunc({
            inputs: { x: xNhwc, dy: dyNhwc },
            attrs: { ...attrs, dataFormat: 'NHWC' } as unknown as tf.NamedAttrMap,
            backend: args.backend,
          });
          host.free(xNhwc);
          host.free(dyNhwc);
          return result;
        }
        const geometry = convGeometry(x.shape, attrs.filterShape, dy.shape, attrs);
        if (geometry === null) {
          return stockOrThrow(
            stock,
            tf.Conv2DBackpropFilter,
            host.backendName,
            'unsupported layout or shapes',
          )(args) as tf.TensorInfo;
        }
        const gemm = useGemm ? gemmFor(host.backend) : null;
        if (gemm !== null && host.byteOffset !== undefined) {
          return filterGradientByGemm(host, gemm, host.byteOffset, x, dy, geometry);
        }
        const taps = geometry.filterHeight * geometry.filterWidth * geometry.inChannels;
        return chooseConvolution && taps >= convolutionFilterGradientMinTaps
          ? filterGradientByConvolution(host, x, dy, geometry)
          : filterGradientByMatMul(host, x, dy, geometry);
      };
      return kernelFunc;
    },
  };
}

export function conv2dBackpropInput(
  makeHost: (backend: tf.KernelBackend, overrides: KernelOverrides) => KernelHost,
  choosePhases: boolean,
  useGemm = false,
): TrainingKernel {
  return {
    kernelName: tf.Conv2DBackpropInput,
    create(stock) {
      const overrides: Record<string, tf.KernelFunc> = {};
      if (stock[tf.BatchMatMul]) overrides[tf.BatchMatMul] = stock[tf.BatchMatMul].kernelFunc;
      const kernelFunc = (args: KernelArgs): tf.TensorInfo => {
        const { dy, filter } = args.inputs as { dy: tf.TensorInfo; filter: tf.TensorInfo };
        const attrs = args.attrs as unknown as ConvBackpropAttrs & { inputShape: number[] };
        const host = makeHost(args.backend as tf.KernelBackend, overrides);
        if (attrs.dataFormat === 'NCHW' && dy.dtype === 'float32' && filter.dtype === 'float32') {
          const [batch, channels, height, width] = attrs.inputShape;
          const dyNhwc = nchwToNhwc(host, dy);
          const dxNhwc = kernelFunc({
            inputs: { dy: dyNhwc, filter },
            attrs: {
              ...attrs,
              dataFormat: 'NHWC',
              inputShape: [batch, height, width, channels],
            } as unknown as tf.NamedAttrMap,
            backend: args.backend,
          });
          host.free(dyNhwc);
          const dx = host.run('Transpose', { x: dxNhwc }, { perm: [0, 3, 1, 2] });
          host.free(dxNhwc);
          return dx;
        }
        const geometry =
          dy.dtype === 'float32' && filter.dtype === 'float32'
            ? convGeometry(attrs.inputShape, filter.shape, dy.shape, attrs)
            : null;
        if (geometry === null) {
          return stockOrThrow(
            stock,
            tf.Conv2DBackpropInput,
            host.backendName,
            'unsupported layout or shapes',
          )(args) as tf.TensorInfo;
        }
        const gemm = useGemm ? gemmFor(host.backend) : null;
        if (gemm !== null && host.byteOffset !== undefined) {
          return inputGradientByGemm(host, gemm, host.byteOffset, dy, filter, geometry);
        }
        if (choosePhases && geometry.inChannels >= phaseInputGradientMinChannels) {
          const result = inputGradientByPhases(host, dy, filter, geometry);
          if (result !== null) return result;
        }
        return inputGradientByMatMul(host, dy, filter, geometry);
      };
      return kernelFunc;
    },
  };
}
