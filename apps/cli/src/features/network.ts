import { GanError } from '@gan/core';
import { type FeatureNetwork, featureAndProbabilityModel } from '@gan/metrics';
import {
  digitClassifierPath,
  emojiClassifierPath,
  loadDigitClassifier,
  loadEmojiClassifier,
  loadInceptionGraphModel,
} from '@gan/metrics/node';
import * as tf from '@tensorflow/tfjs-core';

/**
 * How the real images (and the labels given to a conditional generator) are chosen when fewer than the whole
 * data set are measured: `first` takes the first N examples and cycles the labels (the digit protocol, kept as
 * it was so that its figures stay comparable; the MNIST files are in random order), `spread` takes N examples
 * evenly spaced over the whole set and gives the generator the labels of those examples, so the classes come
 * in the data's proportions (data in a sorted order, such as the emoji or an image folder, would otherwise be
 * measured against a few of its classes).
 */
export type ReferenceSelection = 'first' | 'spread';

/** The feature network, how images must be prepared for it, and how to describe it in the report. */
export interface FeatureSetup {
  network: FeatureNetwork;
  prepare: (images01: tf.Tensor4D) => tf.Tensor4D;
  /** The protocol of the network, printed and stored beside every figure. */
  description: string;
  /** A short name for the figures' lines, e.g. `emoji classifier`. */
  name: string;
  hasProbabilities: boolean;
  selection: ReferenceSelection;
}

/** What the shipped emoji classifier's model.json says about its training (see train-emoji-classifier.mjs). */
interface EmojiClassifierMetadata {
  trainedOn?: string;
  heldOutAccuracy?: number;
  balancedAccuracy?: number;
  heldOutCount?: number;
}

const percent = (value: number | undefined) => (value === undefined ? '?' : `${(value * 100).toFixed(1)} %`);

/** The built-in feature networks of @gan/metrics, by the image shape they take. */
const builtIn: { shape: string; name: string; load: () => Promise<FeatureSetup> }[] = [
  {
    shape: '28,28,1',
    name: 'digit classifier',
    async load() {
      const classifier = await loadDigitClassifier();
      return {
        network: featureAndProbabilityModel(classifier),
        prepare: (images) => images,
        name: 'digit classifier',
        description:
          `@gan/metrics digit classifier (${digitClassifierPath()}): 64 penultimate ReLU features, softmax for IS; ` +
          'trained on 8000 MNIST t10k digits, 2000 held out. Not Inception-v3: compare only with numbers of this protocol.',
        hasProbabilities: true,
        selection: 'first',
      };
    },
  },
  {
    shape: '64,64,3',
    name: 'emoji classifier',
    async load() {
      const classifier = await loadEmojiClassifier();
      const metadata = (classifier.getUserDefinedMetadata() ?? {}) as EmojiClassifierMetadata;
      const network = featureAndProbabilityModel(classifier);
      const [features, probabilities] = network.outputs.map((output) => output.shape[1]);
      return {
        network,
        prepare: (images) => images,
        name: 'emoji classifier',
        description:
          `@gan/metrics emoji classifier (${emojiClassifierPath()}): ${features} penultimate ReLU features, softmax ` +
          `over ${probabilities} emoji categories for IS; trained with @gan's own code on ${metadata.trainedOn ?? 'the emoji'}; ` +
          `held-out accuracy ${percent(metadata.heldOutAccuracy)} (balanced over the categories ${percent(metadata.balancedAccuracy)}). ` +
          'Not Inception-v3: compare only with numbers of this protocol.',
        hasProbabilities: true,
        selection: 'spread',
      };
    },
  },
];

/** What the built-in feature networks take, for error messages: `the digit classifier takes 28×28×1 images, …`. */
export function builtInShapes(): string {
  return builtIn
    .map(
      ({ shape, name }, i) =>
        `the ${name} ${i === 0 ? 'takes ' : ''}${shape.split(',').join('×')}${i === 0 ? ' images' : ''}`,
    )
    .join(', ');
}

/**
 * The feature network for images of `imageShape`: the graph model at `path` when given, else the built-in
 * network of @gan/metrics for that shape (the digit classifier for 28×28×1, the emoji classifier for 64×64×3).
 */
export async function featureSetup(
  path: string | undefined,
  imageShape: readonly number[],
  range: string,
): Promise<FeatureSetup> {
  if (!path) {
    const network = builtIn.find(({ shape }) => shape === imageShape.join(','));
    if (!network) {
      throw new GanError(
        'INVALID_ARGUMENT',
        `This run makes [${imageShape.join(', ')}] images, and no built-in feature network of @gan/metrics takes those: ${builtInShapes()}. ` +
          'Pass --features PATH to a tfjs graph model for natural images, e.g. Inception-v3 converted with ' +
          'tensorflowjs_converter (nothing is downloaded for you), or train colour images at --image-size 64.',
      );
    }
    return network.load();
  }
  if (range !== '0,1' && range !== '-1,1') {
    throw new GanError('INVALID_ARGUMENT', `Expected --features-range 0,1 or -1,1, got "${range}".`);
  }
  const model = await loadInceptionGraphModel(path);
  const inputShape = model.inputs[0]?.shape ?? [];
  const [height, width] = [inputShape[1], inputShape[2]];
  const channels = inputShape[3] ?? 3;
  return {
    network: (images) => model.predict(images) as tf.Tensor | tf.Tensor[],
    prepare: (images) =>
      tf.tidy(() => {
        let x: tf.Tensor4D = images;
        if (height && width && height > 0 && width > 0 && (height !== x.shape[1] || width !== x.shape[2])) {
          x = tf.image.resizeBilinear(x, [height, width]);
        }
        if (channels === 3 && x.shape[3] === 1) x = tf.tile(x, [1, 1, 1, 3]);
        return range === '-1,1' ? tf.sub(tf.mul(x, 2), 1) : x;
      }),
    name: 'graph model',
    description:
      `graph model ${path} (input [${inputShape.join(', ')}], values in [${range}], images resized bilinearly); ` +
      'its first output is the feature vector' +
      (model.outputs.length > 1 ? ', its second the class probabilities' : ''),
    hasProbabilities: model.outputs.length > 1,
    selection: 'spread',
  };
}
