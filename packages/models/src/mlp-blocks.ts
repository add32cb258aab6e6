import * as tfl from '@tensorflow/tfjs-layers';
import { chain, type LayerBuilder } from './layer-builder.js';
import type { OutputActivation } from './types.js';

/** Dense 256 → 512 → 1024 with LeakyReLU(0.2), then Dense h·w·c + sigmoid/tanh, reshaped to `imageShape`. */
export function mlpGenerator(
  input: tfl.SymbolicTensor,
  imageShape: readonly number[],
  activation: OutputActivation | 'linear',
  g: LayerBuilder,
): tfl.SymbolicTensor {
  return chain(
    input,
    g.dense(256),
    g.leakyRelu(),
    g.dense(512),
    g.leakyRelu(),
    g.dense(1024),
    g.leakyRelu(),
    g.dense(imageShape.reduce((a, b) => a * b, 1)),
    tfl.layers.activation({ activation }),
    tfl.layers.reshape({ targetShape: [...imageShape] }),
  );
}

/** Dense 512 → 256 with LeakyReLU(0.2), then Dense 1 (logits). `input` is already flat. */
export function mlpDiscriminator(input: tfl.SymbolicTensor, d: LayerBuilder): tfl.SymbolicTensor {
  return chain(input, d.dense(512), d.leakyRelu(), d.dense(256), d.leakyRelu(), d.dense(1));
}
