import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';

/**
 * A new model with `model`'s architecture (rebuilt from its config, so custom layers must be registered,
 * as they are once the model exists) and copies of its weights.
 */
export function cloneModel(model: tfl.LayersModel): tfl.LayersModel {
  // Sequential and functional models each rebuild through their own static fromConfig.
  const modelClass = model.constructor as unknown as {
    fromConfig(modelClass: unknown, config: tf.serialization.ConfigDict): tfl.LayersModel;
  };
  const clone = modelClass.fromConfig(modelClass, model.getConfig());
  copyWeights(model, clone);
  return clone;
}

/** Copies every weight (trainable or not) of `from` into `to`, which has the same architecture. */
export function copyWeights(from: tfl.LayersModel, to: tfl.LayersModel): void {
  tf.tidy(() => {
    for (const [i, weight] of from.weights.entries()) to.weights[i].write(tf.clone(weight.read()));
  });
}

/**
 * One exponential-moving-average update of `shadow` towards `model`: trainable weights become
 * `decay·shadow + (1 − decay)·model`; non-trainable ones (batch-norm statistics) are copied.
 */
export function updateEma(shadow: tfl.LayersModel, model: tfl.LayersModel, decay: number): void {
  tf.tidy(() => {
    for (const [i, weight] of model.weights.entries()) {
      const target = shadow.weights[i];
      const value = weight.read();
      target.write(weight.trainable ? tf.add(tf.mul(decay, target.read()), tf.mul(1 - decay, value)) : tf.clone(value));
    }
  });
}
