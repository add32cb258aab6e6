export type { DigitClassifierConfig } from './digit-classifier.js';
export {
  digitClassifier,
  digitFeatureLayerName,
  digitProbabilityLayerName,
  featureAndProbabilityModel,
} from './digit-classifier.js';
export type { EmojiClassifierConfig } from './emoji-classifier.js';
export {
  emojiCategories,
  emojiClassifier,
  emojiFeatureLayerName,
  emojiProbabilityLayerName,
} from './emoji-classifier.js';
export type { ExtractFeaturesConfig, FeatureBatch, FeatureNetwork } from './extract-features.js';
export { extractFeatures, featureBatch } from './extract-features.js';
export { frechetDistance } from './frechet.js';
export type { InceptionScore, InceptionScoreConfig } from './inception-score.js';
export { inceptionScore } from './inception-score.js';
export type { KernelInceptionDistance, KernelInceptionDistanceConfig } from './kernel-inception-distance.js';
export { kernelInceptionDistance } from './kernel-inception-distance.js';
export type { PrecisionRecall, PrecisionRecallConfig } from './precision-recall.js';
export { precisionRecall } from './precision-recall.js';
export type { GaussianStatistics, RunningStatistics } from './statistics.js';
export { gaussianStatistics, runningStatistics } from './statistics.js';
