import type * as tf from '@tensorflow/tfjs-core';

// The gradients registered before @gan/backend's replaced them (tfjs's own, normally): put back by
// unregisterTrainingKernels, and called by the replacements for what they do not handle. Global, like tfjs's
// gradient registry, so that two copies of this package agree.
const key = Symbol.for('gan.backend.previousGradients');
const scope = globalThis as typeof globalThis & { [key]?: Map<string, tf.GradConfig> };
if (scope[key] === undefined) scope[key] = new Map();

/** The gradients replaced by this package, by kernel name. */
export const previousGradients: Map<string, tf.GradConfig> = scope[key];
