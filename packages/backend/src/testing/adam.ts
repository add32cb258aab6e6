import { type AdamUpdateAttrs, adamUpdateKernelName, createRandom } from '@gan/core';
import * as tf from '@tensorflow/tfjs-core';

/**
 * A variable of `shape` with a gradient and two moments of Adam's sizes (seeded by `seed`), and the attributes of
 * step `step` of Adam 2e-4 / 0.5 / 0.999 (bias corrections 1 − βᵗ): the inputs of the Adam kernel tests.
 */
export function adamCase(shape: number[], seed: number, step: number) {
  const random = createRandom(seed);
  const size = shape.reduce((a, b) => a * b, 1);
  const [variable, gradient, firstMoment, secondMoment] = [
    random.normal(size),
    random.normal(size).map((x) => x * 0.1),
    random.normal(size).map((x) => x * 0.01),
    random.uniform(size, 0, 1e-3),
  ].map((values) => tf.tensor(values, shape)) as [tf.Tensor, tf.Tensor, tf.Tensor, tf.Tensor];
  const attrs: AdamUpdateAttrs = {
    learningRate: 2e-4,
    beta1: 0.5,
    beta2: 0.999,
    epsilon: 1e-7,
    biasCorrection1: 1 - 0.5 ** step,
    biasCorrection2: 1 - 0.999 ** step,
  };
  const inputs = { variable, gradient, firstMoment, secondMoment };
  /** The kernel's outputs [w′, m′, v′] on the current backend. */
  const run = () => tf.engine().runKernel(adamUpdateKernelName, inputs, attrs as never) as tf.Tensor[];
  return { ...inputs, attrs, run, dispose: () => tf.dispose(Object.values(inputs)) };
}
