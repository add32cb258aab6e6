import type * as tfl from '@tensorflow/tfjs-layers';

/**
 * The number of trainable parameters, as PyTorch's `sum(p.numel() for p in net.parameters() if p.requires_grad)`
 * counts them. (tfjs `countParams()` also counts batch-norm moving statistics, which PyTorch keeps as buffers.)
 */
export function trainableParamCount(model: tfl.LayersModel): number {
  return model.trainableWeights.reduce(
    (sum, weight) => sum + weight.shape.reduce((a: number, b) => a * (b ?? 1), 1),
    0,
  );
}
