export type { FileRecord } from './atomic-folder.js';
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
