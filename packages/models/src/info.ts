import type * as tfl from '@tensorflow/tfjs-layers';
import type { GanInfo, GanModels, OutputRange } from './types.js';

const metadataKey = 'gan';

/**
 * Stores `info` on both networks (as tfjs user-defined metadata, which `model.save` writes to model.json),
 * so that {@link ganInfo} still knows it after a save and load. Returns the pair with `info`.
 */
export function withInfo(generator: tfl.LayersModel, discriminator: tfl.LayersModel, info: GanInfo): GanModels {
  const metadata = JSON.parse(JSON.stringify({ [metadataKey]: { ...info, imageShape: [...info.imageShape] } }));
  generator.setUserDefinedMetadata(metadata);
  discriminator.setUserDefinedMetadata(metadata);
  return { generator, discriminator, info };
}

function storedInfo(model: tfl.LayersModel): GanInfo | undefined {
  const metadata = model.getUserDefinedMetadata() as Record<string, unknown> | undefined;
  const info = metadata?.[metadataKey] as GanInfo | undefined;
  return info && Array.isArray(info.imageShape) && typeof info.latentDim === 'number' ? info : undefined;
}

type Layer = InstanceType<typeof tfl.layers.Layer>;

/** The range of the last activation before any reshape/flatten, if it is tanh or sigmoid. */
function inferOutputRange(generator: tfl.LayersModel): OutputRange | undefined {
  let layer: Layer | undefined = generator.outputLayers[0];
  while (layer) {
    const className = layer.getClassName();
    const activation = layer.getConfig().activation;
    if (activation === 'tanh') return [-1, 1];
    if (activation === 'sigmoid') return [0, 1];
    if (className !== 'Reshape' && className !== 'Flatten') return undefined;
    layer = layer.inboundNodes[0]?.inboundLayers[0];
  }
  return undefined;
}

/**
 * What a generator/discriminator pair expects of its data. Uses, in order: `models.info` (set by every
 * builder), the info stored in the generator's metadata (kept by save/load), or, for a pair built by hand,
 * what the generator's inputs and output say: `latentDim` from the first input, `conditional` and
 * `numClasses` from a second input (labels; whether the discriminator takes them too is the pair's `GanKind`, which
 * `@gan/train` reads off both networks), `imageShape` from the output, and `outputRange` from a final tanh or
 * sigmoid (absent otherwise).
 */
export function ganInfo(models: { generator: tfl.LayersModel; info?: GanInfo }): GanInfo {
  const known = models.info ?? storedInfo(models.generator);
  if (known) return known;
  const { generator } = models;
  const info: GanInfo = {
    name: 'custom',
    imageShape: generator.outputs[0].shape.slice(1) as number[],
    latentDim: generator.inputs[0].shape[1] as number,
    conditional: generator.inputs.length > 1,
  };
  if (generator.inputs.length > 1) info.numClasses = generator.inputs[1].shape[1] as number;
  const outputRange = inferOutputRange(generator);
  if (outputRange) info.outputRange = outputRange;
  return info;
}
