export type { AcganConfig } from './acgan.js';
export { acgan } from './acgan.js';
export type { CganConfig } from './cgan.js';
export { cgan } from './cgan.js';
export { checkDataShape } from './check-data.js';
export type { DcganConfig } from './dcgan.js';
export { dcgan } from './dcgan.js';
export type { DcganMnistConfig } from './dcgan-mnist.js';
export { dcganMnist } from './dcgan-mnist.js';
export { ganInfo } from './info.js';
export type { InterpolateConfig, InterpolationMethod } from './latent.js';
export {
  interpolate,
  interpolationPath,
  latentArithmetic,
  lerp,
  meanVector,
  slerp,
  truncatedNoise,
} from './latent.js';
export type { MlpHidden } from './mlp-blocks.js';
export type { MlpGanConfig } from './mlp-gan.js';
export { mlpGan } from './mlp-gan.js';
export type { MnistDiscriminatorWidths, MnistGeneratorWidths, MnistWidths } from './mnist-blocks.js';
export type { LayerMultiplyAdds, MultiplyAdds } from './multiply-adds.js';
export { multiplyAdds } from './multiply-adds.js';
export { trainableParamCount } from './param-count.js';
export type { ProjectionGanConfig } from './projection-gan.js';
export { projectionGan } from './projection-gan.js';
export type { ModelConfigs, ModelName } from './registry.js';
export { createGan, modelNames } from './registry.js';
export type { SnganConfig } from './sngan.js';
export { sngan } from './sngan.js';
export type { NamedTensor, StateDict, TorchImportReport, TorchReadOptions } from './torch/index.js';
export {
  exportTorchCheckpoint,
  exportTorchWeights,
  importTorchWeights,
  readStateDict,
  torchModuleSource,
  torchParameterNames,
} from './torch/index.js';
export type { GanInfo, GanKind, GanModels, ImageShape, OutputActivation, OutputRange } from './types.js';
export type { WganGpConfig } from './wgan-gp.js';
export { wganGp } from './wgan-gp.js';
