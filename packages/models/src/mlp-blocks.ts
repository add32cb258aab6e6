import { formatValue, invalidArgument, isPositiveInteger } from '@gan/core';
import * as tfl from '@tensorflow/tfjs-layers';
import { chain, type LayerBuilder } from './layer-builder.js';
import type { OutputActivation } from './types.js';

/** Hidden layer widths of the MLP GAN's two networks. */
export interface MlpHidden {
  generator: readonly number[];
  discriminator: readonly number[];
}

/** Checks the `hidden` option (non-empty lists of positive integers) or gives the material's widths. */
export function mlpHidden(hidden: MlpHidden | undefined, model: string): MlpHidden {
  if (hidden === undefined) return { generator: [256, 512, 1024], discriminator: [512, 256] };
  const ok = (list: unknown) => Array.isArray(list) && list.length > 0 && list.every(isPositiveInteger);
  if (!ok(hidden.generator) || !ok(hidden.discriminator)) {
    throw invalidArgument(
      `hidden of ${model}`,
      '{ generator: [...], discriminator: [...] }, non-empty lists of positive integers',
      formatValue(hidden),
    );
  }
  return hidden;
}

/** Dense 256 → 512 → 1024 with LeakyReLU(0.2), then Dense h·w·c + sigmoid/tanh, reshaped to `imageShape`. */
export function mlpGenerator(
  input: tfl.SymbolicTensor,
  imageShape: readonly number[],
  activation: OutputActivation | 'linear',
  g: LayerBuilder,
  hidden: readonly number[] = [256, 512, 1024],
): tfl.SymbolicTensor {
  return chain(
    input,
    ...hidden.flatMap((units) => [g.dense(units), g.leakyRelu()]),
    g.dense(imageShape.reduce((a, b) => a * b, 1)),
    tfl.layers.activation({ activation }),
    tfl.layers.reshape({ targetShape: [...imageShape] }),
  );
}

/** Dense 512 → 256 with LeakyReLU(0.2), then Dense 1 (logits). `input` is already flat. */
export function mlpDiscriminator(
  input: tfl.SymbolicTensor,
  d: LayerBuilder,
  hidden: readonly number[] = [512, 256],
): tfl.SymbolicTensor {
  return chain(input, ...hidden.flatMap((units) => [d.dense(units), d.leakyRelu()]), d.dense(1));
}
