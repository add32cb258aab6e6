import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { clipByGlobalNorm, globalNorm } from './clip-gradients.js';

export interface UpdateConfig {
  optimizer: tf.Optimizer;
  /** The network whose trainable weights are updated. */
  model: tfl.LayersModel;
  variables: tf.Variable[];
  /** Builds the scalar to minimize (called once, under the gradient tape). */
  objective: () => tf.Scalar;
  /** Clip every trainable weight to `[−clip, clip]` after the update. */
  clip?: number;
  /** Scale the gradients down to this global L2 norm before the update when they are longer. */
  clipGradientNorm?: number;
  /** With `clipGradientNorm`: receives the gradients' global L2 norm before clipping (of an applied update). */
  onGradientNorm?: (norm: number) => void;
}

/** The model's regularisation penalties (kernel/bias/activity regularizers), summed; 0 when it has none. */
function regularization(model: tfl.LayersModel): tf.Scalar | undefined {
  const penalties = model.calculateLosses();
  return penalties.length === 0 ? undefined : (tf.addN(penalties) as tf.Scalar);
}

/**
 * Computes `objective` and its gradients with respect to `variables` only, reads the loss, and applies
 * the update only when the loss is finite (so a NaN never reaches the weights), with the gradients scaled
 * down to `clipGradientNorm` first when set. Afterwards applies the
 * layers' weight constraints (as Keras does after each update; tfjs' own `fit` skips them) and `clip`.
 * Resolves to the loss. Every tensor created here is released.
 */
export async function minimizeIfFinite(config: UpdateConfig): Promise<number> {
  const { optimizer, model, variables, objective, clip, clipGradientNorm, onGradientNorm } = config;
  const { value, grads } = optimizer.computeGradients(() => {
    const loss = objective();
    const penalty = regularization(model);
    return penalty === undefined ? loss : (tf.add(loss, penalty) as tf.Scalar);
  }, variables);
  try {
    const loss = (await value.data())[0];
    if (Number.isFinite(loss)) {
      if (clipGradientNorm === undefined) optimizer.applyGradients(grads);
      else {
        const norm = onGradientNorm && globalNorm(grads);
        const clipped = clipByGlobalNorm(grads, clipGradientNorm);
        optimizer.applyGradients(clipped);
        tf.dispose(clipped);
        if (norm) {
          onGradientNorm?.((await norm.data())[0]);
          norm.dispose();
        }
      }
      applyConstraints(model, clip);
    }
    return loss;
  } finally {
    tf.dispose(value);
    tf.dispose(grads);
  }
}

function applyConstraints(model: tfl.LayersModel, clip: number | undefined): void {
  tf.tidy(() => {
    for (const weight of model.trainableWeights) {
      const variable = weight.read() as tf.Variable;
      if (weight.constraint != null) variable.assign(weight.constraint.apply(variable));
      if (clip !== undefined) variable.assign(tf.clipByValue(variable, -clip, clip));
    }
  });
}
