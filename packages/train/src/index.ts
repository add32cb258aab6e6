export { adam, GanAdamOptimizer } from './adam.js';
export { imageGrid } from './image-grid.js';
export type { ImageGridConfig } from './image-grid.js';
export { inspectGanModels } from './models.js';
export type { GanKind, GanModelInfo } from './models.js';
export { classCrossEntropy } from './auxiliary-classifier.js';
export { trainGan } from './train-gan.js';
export type { TrainingError } from './train-gan.js';
export { createGanTrainer } from './trainer.js';
export {
  learningRateDecays,
  learningRateDecaySchedule,
  readTrainRecipe,
  trainGanConfig,
  trainRecipeVersion,
} from './recipe.js';
export type { LearningRateDecay, TrainRecipe, TrainRecipeParts } from './recipe.js';
export { applyAugmentation, augmentPolicies, diffAugment, drawAugmentation } from './augment.js';
export type { AugmentParameters, AugmentPolicy } from './augment.js';
export { clipByGlobalNorm } from './clip-gradients.js';
export { cloneModel, updateEma } from './ema.js';
export { learningRateFactor } from './learning-rate.js';
export type { LearningRateSchedule } from './learning-rate.js';
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
export { readOptimizerState, restoreOptimizerState } from './training-state.js';
export type {
  CheckpointConfig,
  EpochSums,
  SavedTensor,
  TrainingState,
} from './training-state.js';
