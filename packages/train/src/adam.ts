import { type AdamUpdateAttrs, adamUpdateKernelName } from '@gan/core';
import * as tf from '@tensorflow/tfjs-core';

type AdamGradients = Parameters<tf.AdamOptimizer['applyGradients']>[0];

interface Slot {
  originalName: string;
  variable: tf.Variable;
}

/** The AdamOptimizer fields tfjs keeps private, read by the fused path. */
interface AdamInternals {
  learningRate: number;
  beta1: number;
  beta2: number;
  epsilon: number;
  accBeta1: tf.Variable;
  accBeta2: tf.Variable;
  accumulatedFirstMoment: Slot[];
  accumulatedSecondMoment: Slot[];
  incrementIterations(): void;
}

/**
 * tfjs's Adam — same state, same `getWeights`/`setWeights`, same serialization as `tf.train.adam` — whose
 * update runs as one fused kernel per variable when the current backend has one (`registerTrainingKernels()`
 * of @gan/backend adds it to wasm and cpu), instead of about ten element-wise kernels that each make a new
 * tensor. On other backends (WebGPU, WebGL, tfjs-node) it is tfjs's own update.
 */
export class GanAdamOptimizer extends tf.AdamOptimizer {
  override applyGradients(variableGradients: AdamGradients): void {
    if (tf.getKernel(adamUpdateKernelName, tf.getBackend()) === undefined) {
      super.applyGradients(variableGradients);
      return;
    }
    const self = this as unknown as AdamInternals;
    const names = Array.isArray(variableGradients)
      ? variableGradients.map((v) => v.name)
      : Object.keys(variableGradients);
    const attrs: AdamUpdateAttrs = {
      learningRate: self.learningRate,
      beta1: self.beta1,
      beta2: self.beta2,
      epsilon: self.epsilon,
      biasCorrection1: 1 - (self.accBeta1.dataSync()[0] as number),
      biasCorrection2: 1 - (self.accBeta2.dataSync()[0] as number),
    };
    const engine = tf.engine();
    tf.tidy(() => {
      names.forEach((name, i) => {
        const value = engine.registeredVariables[name] as tf.Variable;
        // Created as tfjs does (names, order, non-trainable), so saved optimizer state reads back either way.
        self.accumulatedFirstMoment[i] ??= {
          originalName: `${name}/m`,
          variable: tf.tidy(() => tf.zerosLike(value).variable(false)),
        };
        self.accumulatedSecondMoment[i] ??= {
          originalName: `${name}/v`,
          variable: tf.tidy(() => tf.zerosLike(value).variable(false)),
        };
        const gradient = Array.isArray(variableGradients) ? variableGradients[i]?.tensor : variableGradients[name];
        if (gradient == null) return;
        const firstMoment = self.accumulatedFirstMoment[i]!.variable;
        const secondMoment = self.accumulatedSecondMoment[i]!.variable;
        const [newValue, newFirst, newSecond] = engine.runKernel(
          adamUpdateKernelName,
          { variable: value, gradient, firstMoment, secondMoment },
          attrs as unknown as tf.NamedAttrMap,
        ) as tf.Tensor[];
        firstMoment.assign(newFirst!);
        secondMoment.assign(newSecond!);
        value.assign(newValue!);
      });
      self.accBeta1.assign(tf.mul(self.accBeta1, self.beta1));
      self.accBeta2.assign(tf.mul(self.accBeta2, self.beta2));
    });
    self.incrementIterations();
  }
}

/** `tf.train.adam(learningRate, beta1, beta2, epsilon)` with the fused update where available ({@link GanAdamOptimizer}). */
export function adam(learningRate = 0.001, beta1 = 0.9, beta2 = 0.999, epsilon?: number): GanAdamOptimizer {
  return new GanAdamOptimizer(learningRate, beta1, beta2, epsilon as number);
}
