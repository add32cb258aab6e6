import { GanError } from '@gan/core';

import * as tfl from '@tensorflow/tfjs-layers';

/** Name of the penultimate layer of {@link digitClassifier}, whose output is the feature vector. */
export const digitFeatureLayerName = 'features';

/** Name of the softmax layer of {@link digitClassifier}, whose output gives the class probabilities. */
export const digitProbabilityLayerName = 'probabilities';

/** Options of {@link digitClassifier}. */
export interface DigitClassifierConfig {
  /** Length of the feature vector (units of the penultimate dense layer). Defaults to `64`. */
  featureDim?: number;
  /** Number of classes of the softmax output. Defaults to `10`. */
  numClasses?: number;
}

/**
 * The small convolutional digit classifier that serves as the feature network for 28×28×1 images (the role
 * Inception-v3 plays for natural images): `[n, 28, 28, 1]` in [0, 1] → conv 3×3×8 → max-pool → conv 3×3×16 →
 * max-pool → dense `featureDim` (ReLU, named `features`) → dense `numClasses` (softmax, named `probabilities`).
 * About 28k parameters. Untrained: load trained weights with `loadDigitClassifier()` of `@gan/metrics/node`,
 * or train it with `scripts/train-digit-classifier.mjs`.
 */
export function digitClassifier(config: DigitClassifierConfig = {}): tfl.LayersModel {
  const featureDim = config.featureDim ?? 64;
  const numClasses = config.numClasses ?? 10;
  const input = tfl.input({ shape: [28, 28, 1], name: 'image' });
  let x = tfl.layers
    .conv2d({ filters: 8, kernelSize: 3, activation: 'relu', name: 'conv1' })
    .apply(input) as tfl.SymbolicTensor;
  x = tfl.layers.maxPooling2d({ poolSize: 2, name: 'pool1' }).apply(x) as tfl.SymbolicTensor;
  x = tfl.layers
    .conv2d({ filters: 16, kernelSize: 3, activation: 'relu', name: 'conv2' })
    .apply(x) as tfl.SymbolicTensor;
  x = tfl.layers.maxPooling2d({ poolSize: 2, name: 'pool2' }).apply(x) as tfl.SymbolicTensor;
  x = tfl.layers.flatten({ name: 'flatten' }).apply(x) as tfl.SymbolicTensor;
  const features = tfl.layers
    .dense({ units: featureDim, activation: 'relu', name: digitFeatureLayerName })
    .apply(x) as tfl.SymbolicTensor;
  const probabilities = tfl.layers
    .dense({ units: numClasses, activation: 'softmax', name: digitProbabilityLayerName })
    .apply(features) as tfl.SymbolicTensor;
  return tfl.model({ inputs: input, outputs: probabilities, name: 'digit_classifier' });
}

/**
 * A model with the same input as `classifier` and two outputs: `[features, probabilities]`, taken from the
 * layers named `featureLayer` and `probabilityLayer`. Shares the weights of `classifier` (dispose only one).
 */
export function featureAndProbabilityModel(
  classifier: tfl.LayersModel,
  featureLayer: string = digitFeatureLayerName,
  probabilityLayer: string = digitProbabilityLayerName,
): tfl.LayersModel {
  const find = (name: string) => {
    try {
      return classifier.getLayer(name);
    } catch (cause) {
      throw new GanError(
        'NOT_FOUND',
        `Expected a layer named "${name}" in the model "${classifier.name}", but it has only ` +
          `${classifier.layers.map((layer) => layer.name).join(', ')}. Pass the names of its feature and softmax layers.`,
        { cause },
      );
    }
  };
  const features = find(featureLayer).output as tfl.SymbolicTensor;
  const probabilities = find(probabilityLayer).output as tfl.SymbolicTensor;
  return tfl.model({ inputs: classifier.inputs, outputs: [features, probabilities] });
}
