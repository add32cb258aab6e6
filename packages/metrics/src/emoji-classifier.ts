import * as tfl from '@tensorflow/tfjs-layers';
import { digitFeatureLayerName, digitProbabilityLayerName } from './digit-classifier.js';

/** Name of the penultimate layer of {@link emojiClassifier}, whose output is the feature vector. */
export const emojiFeatureLayerName = digitFeatureLayerName;

/** Name of the softmax layer of {@link emojiClassifier}, whose output gives the class probabilities. */
export const emojiProbabilityLayerName = digitProbabilityLayerName;

/**
 * The 9 emoji categories the shipped emoji classifier tells apart, in the order of its softmax (the sorted
 * `category` names of emoji-datasource-google@16.0.0 with 50 images or more, as `emoji()` of `@gan/data/node`
 * labels them).
 */
export const emojiCategories: readonly string[] = Object.freeze([
  'Activities',
  'Animals & Nature',
  'Flags',
  'Food & Drink',
  'Objects',
  'People & Body',
  'Smileys & Emotion',
  'Symbols',
  'Travel & Places',
]);

/** Options of {@link emojiClassifier}. */
export interface EmojiClassifierConfig {
  /** Length of the feature vector (units of the penultimate dense layer). Defaults to `128`. */
  featureDim?: number;
  /** Number of classes of the softmax output. Defaults to `9` (the emoji categories). */
  numClasses?: number;
  /** Fraction of the flattened convolutional features dropped in training. Defaults to `0.3`. */
  dropout?: number;
  /** Seed of the weight initialisers, so that training is reproducible. Defaults to a random seed. */
  seed?: number;
}

/**
 * The small convolutional classifier that serves as the feature network for 64×64×3 colour images (the role
 * Inception-v3 plays for photos, and the digit classifier for 28×28×1): `[n, 64, 64, 3]` in [0, 1] →
 * three blocks of conv 3×3 (same padding, ReLU) and max-pool, 32 → 64 → 128 channels (pools 2, 2 and 4, so
 * 4×4×128 is left) → dropout → dense `featureDim` (ReLU, named `features`) → dense `numClasses` (softmax,
 * named `probabilities`). About 357k parameters (1.4 MB of float32 weights). Untrained: load trained
 * weights with `loadEmojiClassifier()` of `@gan/metrics/node`, or train it with
 * `scripts/train-emoji-classifier.mjs`.
 */
export function emojiClassifier(config: EmojiClassifierConfig = {}): tfl.LayersModel {
  const featureDim = config.featureDim ?? 128;
  const numClasses = config.numClasses ?? emojiCategories.length;
  let seed = config.seed;
  // One initialiser per layer, each with its own seed derived from `seed`.
  const init = () => (seed === undefined ? 'glorotUniform' : tfl.initializers.glorotUniform({ seed: seed++ }));
  const input = tfl.input({ shape: [64, 64, 3], name: 'image' });
  let x = input;
  [16, 32, 64, 128].forEach((filters, i) => {
    x = tfl.layers
      .conv2d({
        filters,
        kernelSize: 3,
        padding: 'same',
        useBias: false,
        kernelInitializer: init(),
        name: `conv${i + 1}`,
      })
      .apply(x) as tfl.SymbolicTensor;
    x = tfl.layers.batchNormalization({ momentum: 0.9, name: `norm${i + 1}` }).apply(x) as tfl.SymbolicTensor;
    x = tfl.layers.activation({ activation: 'relu', name: `relu${i + 1}` }).apply(x) as tfl.SymbolicTensor;
    x = tfl.layers.maxPooling2d({ poolSize: 2, name: `pool${i + 1}` }).apply(x) as tfl.SymbolicTensor;
  });
  x = tfl.layers.flatten({ name: 'flatten' }).apply(x) as tfl.SymbolicTensor;
  x = tfl.layers
    // No seed: tfjs draws the same mask at every step when a dropout layer has one.
    .dropout({ rate: config.dropout ?? 0.3, name: 'dropout' })
    .apply(x) as tfl.SymbolicTensor;
  const features = tfl.layers
    .dense({ units: featureDim, activation: 'relu', kernelInitializer: init(), name: emojiFeatureLayerName })
    .apply(x) as tfl.SymbolicTensor;
  const probabilities = tfl.layers
    .dense({ units: numClasses, activation: 'softmax', kernelInitializer: init(), name: emojiProbabilityLayerName })
    .apply(features) as tfl.SymbolicTensor;
  return tfl.model({ inputs: input, outputs: probabilities, name: 'emoji_classifier' });
}
