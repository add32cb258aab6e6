export { imageGrid } from './image-grid.js';
export type { ImageGridConfig } from './image-grid.js';
export { inspectGanModels } from './models.js';
export type { GanModelInfo } from './models.js';
export { trainGan } from './train-gan.js';
export type { TrainingError } from './train-gan.js';
export { createGanTrainer } from './trainer.js';
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
