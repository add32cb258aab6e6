export {
  loadCheckpoint,
  readCheckpointManifest,
  saveCheckpoint,
} from './checkpoint-files.js';
export type {
  Checkpoint,
  CheckpointManifest,
  SaveCheckpointConfig,
} from './checkpoint-files.js';
export type { FileRecord } from './atomic-folder.js';
