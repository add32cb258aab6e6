import { assertShape, formatShape, GanError, type GanKind } from '@gan/core';
import type * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';

/**
 * What the trainer reads off the two networks. `latentDim` and `numClasses` mean what they mean in `GanInfo`
 * (`@gan/core`); `kind` is the pair's {@link GanKind}, of which `GanInfo.conditional` is `kind !== 'unconditional'`.
 */
export interface GanModelInfo {
  latentDim: number;
  /** Number of classes of a conditional or auxiliary-classifier GAN (a generator with two inputs), else `undefined`. */
  numClasses: number | undefined;
  kind: GanKind;
  /** Shape of one generated example (the generator's output without the batch axis). */
  exampleShape: number[];
}

function sizeOf(shape: readonly (number | null)[], index: number): number | null {
  return shape.length === 2 ? shape[index] : null;
}

/**
 * Checks that the generator and discriminator fit together and reads the latent size and class count.
 * When the generator has two inputs (`[z, oneHotLabels]`), the GAN is either conditional (the discriminator
 * takes `[examples, oneHotLabels]` and returns the logits) or an auxiliary-classifier GAN (the discriminator
 * takes the examples only and returns `[logits, classLogits]`, the class logits `[n, numClasses]`).
 */
export function inspectGanModels(
  generator: tfl.LayersModel,
  discriminator: tfl.LayersModel,
  latentDim?: number,
): GanModelInfo {
  const generatorInputs = generator.inputs.length;
  if (generatorInputs !== 1 && generatorInputs !== 2) {
    throw new GanError(
      'UNSUPPORTED',
      `Expected a generator with 1 input (z) or 2 inputs (z, one-hot labels), got ${generatorInputs} inputs.`,
    );
  }
  const kind: GanKind =
    generatorInputs === 1
      ? 'unconditional'
      : discriminator.inputs.length === 1 && discriminator.outputs.length === 2
        ? 'auxiliary-classifier'
        : 'conditional';
  if (kind !== 'auxiliary-classifier' && discriminator.inputs.length !== generatorInputs) {
    throw new GanError(
      'SHAPE_MISMATCH',
      `Expected a discriminator with ${generatorInputs} input${generatorInputs === 2 ? 's (examples, one-hot labels)' : ' (examples)'} ` +
        `to match the ${generatorInputs === 2 ? 'conditional' : 'unconditional'} generator, got ${discriminator.inputs.length}. ` +
        'A conditional GAN gives both networks the one-hot labels as their second input; an auxiliary-classifier GAN ' +
        'gives the discriminator the examples only and has it return [logits, classLogits].',
    );
  }
  const discriminatorOutputs = kind === 'auxiliary-classifier' ? 2 : 1;
  if (generator.outputs.length !== 1 || discriminator.outputs.length !== discriminatorOutputs) {
    throw new GanError(
      'UNSUPPORTED',
      `Expected a generator with one output and a discriminator with ${discriminatorOutputs === 1 ? 'one output' : 'two outputs (logits, class logits)'}, ` +
        `got ${generator.outputs.length} and ${discriminator.outputs.length}. Only an auxiliary-classifier GAN ` +
        '(a two-input generator, a one-input discriminator) may have a second discriminator output.',
    );
  }

  const zShape = generator.inputs[0].shape;
  const modelLatentDim = sizeOf(zShape, 1);
  if (modelLatentDim === null) {
    throw new GanError(
      'UNSUPPORTED',
      `Expected the generator's first input to be a latent vector [n, latentDim], got ${formatShape(zShape)}.`,
    );
  }
  if (latentDim !== undefined && latentDim !== modelLatentDim) {
    throw new GanError(
      'SHAPE_MISMATCH',
      `Expected latentDim ${latentDim}, but the generator's input is ${formatShape(zShape)}. Pass latentDim ${modelLatentDim} or leave it out.`,
    );
  }

  let numClasses: number | undefined;
  if (generatorInputs === 2) {
    const generatorLabels = generator.inputs[1].shape;
    const classes = sizeOf(generatorLabels, 1);
    if (classes === null) {
      throw new GanError(
        'UNSUPPORTED',
        `Expected the generator's second input to be one-hot labels [n, numClasses], got ${formatShape(generatorLabels)}.`,
      );
    }
    if (kind === 'auxiliary-classifier') {
      assertShape(
        discriminator.outputs[1].shape,
        [null, classes],
        "the discriminator's class logits (its second output)",
        'An auxiliary classifier scores as many classes as the generator takes.',
      );
    } else {
      assertShape(
        discriminator.inputs[1].shape,
        [null, classes],
        "the discriminator's label input",
        'Both networks must take the same one-hot labels.',
      );
    }
    numClasses = classes;
  }

  const generated = generator.outputs[0].shape.slice(1);
  if (generated.some((d) => d === null)) {
    throw new GanError(
      'UNSUPPORTED',
      `Expected the generator's output shape to be fully known, got ${formatShape(generator.outputs[0].shape)}.`,
    );
  }
  const exampleShape = generated as number[];
  assertShape(
    discriminator.inputs[0].shape,
    [null, ...exampleShape],
    "the discriminator's input",
    'It must take what the generator produces.',
  );
  return { latentDim: modelLatentDim, numClasses, kind, exampleShape };
}

/** Runs a model on concrete tensors; `training: true` makes batch normalisation use (and update) batch statistics. */
export function applyModel(model: tfl.LayersModel, inputs: tf.Tensor | tf.Tensor[], training: boolean): tf.Tensor {
  const output = model.apply(inputs, { training });
  if (Array.isArray(output)) {
    throw new GanError('UNSUPPORTED', `Expected ${model.name} to return one tensor, got ${output.length}.`);
  }
  return output as tf.Tensor;
}

/** Runs a model with several outputs on concrete tensors; resolves to its outputs in order. */
export function applyModelOutputs(
  model: tfl.LayersModel,
  inputs: tf.Tensor | tf.Tensor[],
  training: boolean,
): tf.Tensor[] {
  const output = model.apply(inputs, { training });
  return Array.isArray(output) ? (output as tf.Tensor[]) : [output as tf.Tensor];
}

/** The model's trainable variables, for `optimizer.computeGradients(f, varList)`. */
export function trainableVariables(model: tfl.LayersModel, role: string): tf.Variable[] {
  const variables = model.trainableWeights.map((weight) => weight.read() as tf.Variable);
  if (variables.length === 0) {
    throw new GanError(
      'INVALID_ARGUMENT',
      `Expected the ${role} to have trainable weights, got none. Is ${role}.trainable set to false?`,
    );
  }
  return variables;
}
