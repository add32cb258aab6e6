import * as tf from '@tensorflow/tfjs-core';

/*
 * tfjs computes a gradient of a gradient by recording the backward pass on the outer tape. Two kinds of
 * registered gradients break that on every backend (checked against finite differences in
 * second-order-gradients.test.ts):
 *
 * - Gradients written with the op's saved OUTPUT (`outputsToSave`): Tanh, Sigmoid, Exp. The saved copy
 *   is not linked to the input on the tape, so the second-order gradient silently misses every term
 *   through the output: for tanh(w·x), d/dw of dtanh/dx comes out as 1 − tanh² without the −2·tanh·(1 −
 *   tanh²)·w·x term; d²/dx² throws "Cannot compute gradient of y=f(x)". The fixes below save the input and
 *   recompute the output inside the gradient, which the outer tape then records.
 * - Comparison kernels have no gradient at all, so a gradient built with a mask (LeakyRelu's
 *   `where(greater(x, 0), dy, alpha·dy)`) throws "gradient function not found for Greater" when
 *   differentiated again. A comparison is piecewise constant: its gradient is 0 (as tfjs already says for
 *   GreaterEqual and Step).
 *
 * Not fixed (not used by @gan models): Elu, Selu, Softmax, LogSoftmax, LRN, MaxPool, Max, Min and Pow
 * also save outputs or lack differentiable gradients.
 */

const saveInputRecompute = (kernelName: string, derivative: (x: tf.Tensor) => tf.Tensor): tf.GradConfig => ({
  kernelName,
  inputsToSave: ['x'],
  gradFunc: (dy, saved) => {
    const [x] = saved;
    return { x: () => tf.mul(dy as tf.Tensor, derivative(x)) };
  },
});

const zeroGradient = (kernelName: string): tf.GradConfig => ({
  kernelName,
  inputsToSave: ['a', 'b'],
  gradFunc: (_dy, saved) => {
    const [a, b] = saved;
    return { a: () => tf.zerosLike(a), b: () => tf.zerosLike(b) };
  },
});

const fixes: readonly tf.GradConfig[] = [
  saveInputRecompute(tf.Tanh, (x) => tf.sub(1, tf.square(tf.tanh(x)))),
  saveInputRecompute(tf.Sigmoid, (x) => {
    const y = tf.sigmoid(x);
    return tf.mul(y, tf.sub(1, y));
  }),
  saveInputRecompute(tf.Exp, (x) => tf.exp(x)),
  zeroGradient(tf.Greater),
  zeroGradient(tf.Less),
  zeroGradient(tf.LessEqual),
  zeroGradient(tf.Equal),
  zeroGradient(tf.NotEqual),
  zeroGradient(tf.LogicalAnd),
];

/**
 * Registers gradients that tfjs lacks or gets wrong for gradients of gradients (see above): Tanh, Sigmoid
 * and Exp (recomputed from the input instead of the saved output) and zero gradients for the comparison
 * kernels Greater, Less, LessEqual, Equal, NotEqual and LogicalAnd. First-order results are unchanged.
 *
 * The gradient penalties call it themselves, every time (a cheap check), because importing
 * `@tensorflow/tfjs-layers` or `@tensorflow/tfjs` after this package registers tfjs' own gradients again.
 * Call it yourself before taking `tf.grad` of a `tf.grad` elsewhere.
 */
export function registerSecondOrderGradients(): void {
  for (const fix of fixes) {
    if (tf.getGradient(fix.kernelName) !== fix) tf.registerGradient(fix);
  }
}
