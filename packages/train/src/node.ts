export type {
  Checkpoint,
  CheckpointManifest,
  SaveCheckpointConfig,
} from './checkpoint-files.js';
export {
  loadCheckpoint,
  readCheckpointManifest,
  saveCheckpoint,
} from './checkpoint-files.js';
export type { FileRecord } from './file-records.js';
export type { TensorBoardLogger, TensorBoardLoggerOptions } from './tensorboard/logger.js';
export { tensorBoardLogger } from './tensorboard/logger.js';
export type { EventFileWriter } from './tensorboard/writer.js';
export { createEventFileWriter, readEventFiles } from './tensorboard/writer.js';
