/** How the networks see the classes: `@gan/core`'s `GanKind`, re-exported (the type of `trainer.kind`). */
export type { GanKind } from '@gan/core';
export { adam, GanAdamOptimizer } from './adam.js';
export type { AugmentParameters, AugmentPolicy } from './augment.js';
export { applyAugmentation, augmentPolicies, diffAugment, drawAugmentation } from './augment.js';
export { classCrossEntropy } from './auxiliary-classifier.js';
export { clipByGlobalNorm } from './clip-gradients.js';
export { cloneModel, updateEma } from './ema.js';
export type { ImageGridConfig } from './image-grid.js';
export { imageGrid } from './image-grid.js';
export type { LearningRateSchedule } from './learning-rate.js';
export { learningRateFactor } from './learning-rate.js';
export type { GanModelInfo } from './models.js';
export { inspectGanModels } from './models.js';
export type { LearningRateDecay, TrainRecipe, TrainRecipeParts } from './recipe.js';
export {
  learningRateDecaySchedule,
  learningRateDecays,
  readTrainRecipe,
  trainGanConfig,
  trainRecipeVersion,
} from './recipe.js';
export type {
  SessionStatus,
  TensorBoardEvent,
  TensorBoardHistogram,
  TensorBoardImage,
  TensorBoardValue,
} from './tensorboard/events.js';
export { decodeEventFile, encodeEvent, eventRecord, histogramOf } from './tensorboard/events.js';
export type { TrainingError } from './train-gan.js';
export { trainGan } from './train-gan.js';
export { createGanTrainer } from './trainer.js';
export type {
  CheckpointConfig,
  EpochSums,
  SavedTensor,
  TrainingState,
} from './training-state.js';
export { readOptimizerState, restoreOptimizerState } from './training-state.js';
export type {
  EpochRecord,
  GanTrainer,
  GanTrainerConfig,
  NoiseKind,
  StepInfo,
  TrainCallbacks,
  TrainGanConfig,
  TrainResult,
} from './types.js';
