// The shapes classifier of the first-run check: a small convolutional network for the built-in `shapes` set
// (six classes), trained with the project's own code by train-shapes-classifier.mjs and read by check-shapes.mjs.
import * as tfl from '@tensorflow/tfjs-layers';

/** Side of the images the classifier takes (generated images of another size are resized to it). */
export const classifierSize = 32;

/** `[n, 32, 32, 1]` in [0, 1] → conv 3×3×16 → pool → conv 3×3×32 → pool → dense 64 → softmax over the classes. */
export function shapesClassifier(numClasses) {
  const input = tfl.input({ shape: [classifierSize, classifierSize, 1], name: 'image' });
  let x = tfl.layers.conv2d({ filters: 16, kernelSize: 3, padding: 'same', activation: 'relu' }).apply(input);
  x = tfl.layers.maxPooling2d({ poolSize: 2 }).apply(x);
  x = tfl.layers.conv2d({ filters: 32, kernelSize: 3, padding: 'same', activation: 'relu' }).apply(x);
  x = tfl.layers.maxPooling2d({ poolSize: 2 }).apply(x);
  x = tfl.layers.conv2d({ filters: 32, kernelSize: 3, padding: 'same', activation: 'relu' }).apply(x);
  x = tfl.layers.maxPooling2d({ poolSize: 2 }).apply(x);
  x = tfl.layers.flatten().apply(x);
  x = tfl.layers.dense({ units: 64, activation: 'relu', name: 'features' }).apply(x);
  const probabilities = tfl.layers.dense({ units: numClasses, activation: 'softmax', name: 'probabilities' }).apply(x);
  return tfl.model({ inputs: input, outputs: probabilities, name: 'shapes_classifier' });
}
