import * as tf from '@tensorflow/tfjs-core';
import { LabelMap } from './label-map.js';
import { OneHot } from './one-hot.js';

/**
 * Registers the layers of @gan/layers with tfjs serialization so that `tf.loadLayersModel` can rebuild saved
 * models that contain them. Importing `@gan/layers` already does this; the explicit call exists so that a
 * bundler that drops side-effect imports cannot drop the registration. Safe to call any number of times.
 */
export function registerLayers(): void {
  tf.serialization.registerClass(LabelMap);
  tf.serialization.registerClass(OneHot);
}
