import * as tfl from '@tensorflow/tfjs-layers';

export interface TinyModelConfig {
  latentDim?: number;
  /** Output size of the generator / input size of the discriminator. */
  features?: number;
  /** Insert a BatchNormalization layer in both networks. */
  batchNorm?: boolean;
  hidden?: number;
  seed?: number;
}

/** A small dense generator: z → [dense → (BN) → relu →] dense (linear). */
export function tinyGenerator(config: TinyModelConfig = {}): tfl.LayersModel {
  const { latentDim = 4, features = 1, batchNorm = false, hidden = 0, seed = 1 } = config;
  const model = tfl.sequential();
  if (hidden > 0) {
    model.add(
      tfl.layers.dense({
        inputShape: [latentDim],
        units: hidden,
        kernelInitializer: tfl.initializers.glorotUniform({ seed }),
      }),
    );
    if (batchNorm) model.add(tfl.layers.batchNormalization());
    model.add(tfl.layers.reLU());
  }
  model.add(
    tfl.layers.dense({
      ...(hidden > 0 ? {} : { inputShape: [latentDim] }),
      units: features,
      kernelInitializer: tfl.initializers.glorotUniform({ seed: seed + 1 }),
    }),
  );
  return model;
}

/** A small dense discriminator returning logits: x → dense → (BN) → leakyReLU → dense(1). */
export function tinyDiscriminator(config: TinyModelConfig = {}): tfl.LayersModel {
  const { features = 1, batchNorm = false, hidden = 16, seed = 11 } = config;
  const model = tfl.sequential();
  model.add(
    tfl.layers.dense({
      inputShape: [features],
      units: hidden,
      kernelInitializer: tfl.initializers.glorotUniform({ seed }),
    }),
  );
  if (batchNorm) model.add(tfl.layers.batchNormalization());
  model.add(tfl.layers.leakyReLU({ alpha: 0.2 }));
  model.add(tfl.layers.dense({ units: 1, kernelInitializer: tfl.initializers.glorotUniform({ seed: seed + 1 }) }));
  return model;
}

/** A conditional pair: G([z, oneHot]) → [features], D([x, oneHot]) → logits. */
export function tinyConditionalPair(config: TinyModelConfig & { numClasses: number }): {
  generator: tfl.LayersModel;
  discriminator: tfl.LayersModel;
} {
  const { latentDim = 4, features = 1, numClasses, hidden = 16, seed = 21 } = config;
  const z = tfl.input({ shape: [latentDim] });
  const generatorLabels = tfl.input({ shape: [numClasses] });
  const generatorHidden = tfl.layers
    .dense({ units: hidden, activation: 'relu', kernelInitializer: tfl.initializers.glorotUniform({ seed }) })
    .apply(tfl.layers.concatenate().apply([z, generatorLabels])) as tfl.SymbolicTensor;
  const generated = tfl.layers
    .dense({ units: features, kernelInitializer: tfl.initializers.glorotUniform({ seed: seed + 1 }) })
    .apply(generatorHidden) as tfl.SymbolicTensor;
  const generator = tfl.model({ inputs: [z, generatorLabels], outputs: generated });

  const x = tfl.input({ shape: [features] });
  const discriminatorLabels = tfl.input({ shape: [numClasses] });
  const discriminatorHidden = tfl.layers
    .dense({ units: hidden, kernelInitializer: tfl.initializers.glorotUniform({ seed: seed + 2 }) })
    .apply(tfl.layers.concatenate().apply([x, discriminatorLabels])) as tfl.SymbolicTensor;
  const logits = tfl.layers
    .dense({ units: 1, kernelInitializer: tfl.initializers.glorotUniform({ seed: seed + 3 }) })
    .apply(tfl.layers.leakyReLU({ alpha: 0.2 }).apply(discriminatorHidden)) as tfl.SymbolicTensor;
  const discriminator = tfl.model({ inputs: [x, discriminatorLabels], outputs: logits });
  return { generator, discriminator };
}

/** An auxiliary-classifier pair (ACGAN): G([z, oneHot]) → [features], D(x) → [logits [n, 1], classLogits [n, numClasses]]. */
export function tinyAuxiliaryPair(config: TinyModelConfig & { numClasses: number }): {
  generator: tfl.LayersModel;
  discriminator: tfl.LayersModel;
} {
  const { latentDim = 4, features = 1, numClasses, hidden = 16, seed = 31 } = config;
  const z = tfl.input({ shape: [latentDim] });
  const labels = tfl.input({ shape: [numClasses] });
  const generatorHidden = tfl.layers
    .dense({ units: hidden, activation: 'relu', kernelInitializer: tfl.initializers.glorotUniform({ seed }) })
    .apply(tfl.layers.concatenate().apply([z, labels])) as tfl.SymbolicTensor;
  const generated = tfl.layers
    .dense({ units: features, kernelInitializer: tfl.initializers.glorotUniform({ seed: seed + 1 }) })
    .apply(generatorHidden) as tfl.SymbolicTensor;
  const generator = tfl.model({ inputs: [z, labels], outputs: generated });

  const x = tfl.input({ shape: [features] });
  const discriminatorHidden = tfl.layers
    .leakyReLU({ alpha: 0.2 })
    .apply(
      tfl.layers
        .dense({ units: hidden, kernelInitializer: tfl.initializers.glorotUniform({ seed: seed + 2 }) })
        .apply(x),
    ) as tfl.SymbolicTensor;
  const logits = tfl.layers
    .dense({ units: 1, name: 'logits', kernelInitializer: tfl.initializers.glorotUniform({ seed: seed + 3 }) })
    .apply(discriminatorHidden) as tfl.SymbolicTensor;
  const classLogits = tfl.layers
    .dense({
      units: numClasses,
      name: 'class_logits',
      kernelInitializer: tfl.initializers.glorotUniform({ seed: seed + 4 }),
    })
    .apply(discriminatorHidden) as tfl.SymbolicTensor;
  const discriminator = tfl.model({ inputs: x, outputs: [logits, classLogits] });
  return { generator, discriminator };
}
