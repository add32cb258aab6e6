import type * as tfl from '@tensorflow/tfjs-layers';

/** Copies of the values of a list of layer weights. */
export function snapshot(weights: tfl.LayerVariable[]): number[][] {
  return weights.map((weight) => Array.from(weight.read().dataSync()));
}

export function trainable(model: tfl.LayersModel): number[][] {
  return snapshot(model.trainableWeights);
}

export function nonTrainable(model: tfl.LayersModel): number[][] {
  return snapshot(model.nonTrainableWeights);
}
