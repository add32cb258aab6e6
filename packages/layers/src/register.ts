import * as tf from '@tensorflow/tfjs-core';
import { BatchNormalization } from './batch-normalization.js';
import { ConditionalBatchNorm } from './conditional-batch-norm.js';
import { Conv2D } from './conv2d.js';
import { Dense } from './dense.js';
import { LabelMap } from './label-map.js';
import { MinibatchStdDev } from './minibatch-std-dev.js';
import { OneHot } from './one-hot.js';
import { PixelNorm } from './pixel-norm.js';
import { SelfAttention } from './self-attention.js';
import { SpectralConv2D } from './spectral-conv2d.js';
import { SpectralDense } from './spectral-dense.js';

/**
 * Registers the layers of @gan/layers with tfjs serialization so that `tf.loadLayersModel` can rebuild saved
 * models that contain them. Importing `@gan/layers` already does this; the explicit call exists so that a
 * bundler that drops side-effect imports cannot drop the registration. Safe to call any number of times.
 */
export function registerLayers(): void {
  tf.serialization.registerClass(LabelMap);
  // Under tfjs-layers' own class names: saved batch-norm, convolution and dense layers load as ours (the same layers,
  // with a faster training path).
  tf.serialization.registerClass(
    BatchNormalization as unknown as tf.serialization.SerializableConstructor<BatchNormalization>,
  );
  tf.serialization.registerClass(Conv2D as unknown as tf.serialization.SerializableConstructor<Conv2D>);
  tf.serialization.registerClass(Dense as unknown as tf.serialization.SerializableConstructor<Dense>);
  tf.serialization.registerClass(OneHot);
  tf.serialization.registerClass(SpectralDense);
  tf.serialization.registerClass(SpectralConv2D);
  tf.serialization.registerClass(MinibatchStdDev);
  tf.serialization.registerClass(PixelNorm);
  tf.serialization.registerClass(ConditionalBatchNorm);
  tf.serialization.registerClass(SelfAttention);
}
