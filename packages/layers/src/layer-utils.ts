import { GanError, positiveInteger, positiveNumber } from '@gan/core';
import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import type { Initializer } from './initializers.js';

/** The options every tfjs layer takes (`name`, `trainable`, `inputShape`, …). */
export type LayerArgs = NonNullable<ConstructorParameters<typeof tfl.layers.Layer>[0]>;
export type Shape = tfl.Shape;

/** An initializer as a config accepts it: an instance, or its serialized form `{ className, config }` (from a saved model). */
export type InitializerOption = Initializer | { className: string; config: tf.serialization.ConfigDict };

/** `@gan/core`'s `positiveInteger` as an assertion, for layer configs. */
export function assertPositiveInteger(value: unknown, name: string): asserts value is number {
  positiveInteger(value, name);
}

/** `@gan/core`'s `positiveNumber` (finite, > 0) as an assertion, for layer configs. */
export function assertPositiveNumber(value: unknown, name: string): asserts value is number {
  positiveNumber(value, name);
}

/** The one shape of a single-input layer (tfjs passes `[shape]` in some paths). */
export function singleShape(inputShape: Shape | Shape[]): Shape {
  return (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as Shape;
}

/** The one tensor of a single-input layer. */
export function singleTensor(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
  return Array.isArray(inputs) ? inputs[0] : inputs;
}

/** Turns an {@link InitializerOption} (or `undefined`, giving `fallback()`) into an initializer instance. */
export function toInitializer(value: InitializerOption | undefined, fallback: () => Initializer): Initializer {
  if (value === undefined || value === null) return fallback();
  if (value instanceof tf.serialization.Serializable) return value as Initializer;
  const entry = tf.serialization.SerializationMap.getMap().classNameMap[value.className];
  if (!entry) {
    throw new GanError(
      'UNKNOWN_NAME',
      `Unknown initializer class "${value.className}". Pass a tfjs initializer such as tf.initializers.glorotUniform({}).`,
    );
  }
  const [cls, fromConfig] = entry;
  return fromConfig(cls, value.config) as Initializer;
}

/** The serialized form of an initializer, as tfjs layers write it into a model's config. */
export function serializeInitializer(initializer: Initializer): tf.serialization.ConfigDict {
  return { className: initializer.getClassName(), config: initializer.getConfig() };
}

/**
 * Identity in the forward pass, zero gradient in the backward pass (TensorFlow's `stop_gradient`, which
 * tfjs-core does not export).
 */
export const stopGradient = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => ({
  value: tf.clone(args[0] as tf.Tensor),
  gradFunc: (dy: tf.Tensor) => tf.zerosLike(dy),
})) as (x: tf.Tensor) => tf.Tensor;

/** How many gradient tapes are recording now (tfjs's engine state; 0 outside any). */
export function gradientDepth(): number {
  return (tf.engine() as unknown as { state: { gradientDepth: number } }).state.gradientDepth;
}

/** The state of tfjs-layers' `Dense` and `Conv2D` that {@link biasAndActivation} reads. */
export interface WeightedLayerInternals {
  kernel: tfl.LayerVariable;
  bias: tfl.LayerVariable | null;
  activation: { getClassName(): string; apply(x: tf.Tensor): tf.Tensor };
}

/**
 * What a dense or convolution layer does after its product, as separate ops: `y` plus the bias (where there is one),
 * through the activation (unless linear). Their gradients compute only what a tape asks for, unlike the fused op's.
 */
export function biasAndActivation(y: tf.Tensor, { bias, activation }: WeightedLayerInternals): tf.Tensor {
  const biased = bias == null ? y : tf.add(y, bias.read());
  return activation.getClassName() === 'linear' ? biased : activation.apply(biased);
}
