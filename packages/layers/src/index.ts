import { registerLayers } from './register.js';

export type { BatchNormalizationConfig } from './batch-normalization.js';
export { BatchNormalization, batchNormalization } from './batch-normalization.js';
export type { ConditionalBatchNormConfig } from './conditional-batch-norm.js';
export { ConditionalBatchNorm, conditionalBatchNorm } from './conditional-batch-norm.js';
export type { Conv2DConfig } from './conv2d.js';
export { Conv2D, conv2d } from './conv2d.js';
export type { DenseConfig } from './dense.js';
export { Dense, dense } from './dense.js';
export type { DcganInitializerConfig, Initializer } from './initializers.js';
export { dcganGammaInitializer, dcganWeightInitializer } from './initializers.js';
export type { LabelMapConfig } from './label-map.js';
export { LabelMap, labelMap } from './label-map.js';
export type { InitializerOption } from './layer-utils.js';
export type { MinibatchStdDevConfig } from './minibatch-std-dev.js';
export { MinibatchStdDev, minibatchStdDev } from './minibatch-std-dev.js';
export type { OneHotConfig } from './one-hot.js';
export { OneHot, oneHot } from './one-hot.js';
export type { PixelNormConfig } from './pixel-norm.js';
export { PixelNorm, pixelNorm } from './pixel-norm.js';
export type { SelfAttentionConfig } from './self-attention.js';
export { SelfAttention, selfAttention } from './self-attention.js';
export type { SpectralConv2dConfig } from './spectral-conv2d.js';
export { SpectralConv2D, spectralConv2d } from './spectral-conv2d.js';
export type { SpectralDenseConfig } from './spectral-dense.js';
export { SpectralDense, spectralDense } from './spectral-dense.js';
export type { SpectralLayerConfig } from './spectral-layer.js';
export { SpectralLayer } from './spectral-layer.js';
export type { SpectralNormalized, SpectralNormalizeOptions } from './spectral-norm.js';
export { spectralNormalize } from './spectral-norm.js';
export { registerLayers };

// Importing the package registers its layers, as tfjs-layers does for its own.
registerLayers();
