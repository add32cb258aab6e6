import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { GanError } from '@gan/core';
import type { TrainingState } from '@gan/train';
import { type Checkpoint, type CheckpointManifest, loadCheckpoint, saveCheckpoint } from '@gan/train/node';
import type * as tfl from '@tensorflow/tfjs-layers';

/** The checkpoint folders of a run folder. */
export function checkpointPaths(dir: string) {
  const root = join(dir, 'checkpoints');
  return { root, latest: join(root, 'latest'), previous: join(root, 'previous'), best: join(root, 'best') };
}

export interface RunModels {
  generator: tfl.LayersModel;
  discriminator: tfl.LayersModel;
}

/** Writes `checkpoints/latest` (the one it replaces becomes `checkpoints/previous`). */
export function saveLatest(dir: string, models: RunModels, state: TrainingState, metadata: Record<string, unknown>) {
  const paths = checkpointPaths(dir);
  return saveCheckpoint(paths.latest, { ...models, state, metadata }, { previous: paths.previous });
}

/** Writes `checkpoints/best`. */
export function saveBest(dir: string, models: RunModels, state: TrainingState, metadata: Record<string, unknown>) {
  return saveCheckpoint(checkpointPaths(dir).best, { ...models, state, metadata });
}

/**
 * Loads the checkpoint to resume `dir` from: `latest`, or `previous` when a crash came between the two
 * renames of a save. A damaged `latest` is an error that says how to fall back to `previous`.
 */
export async function loadResumeCheckpoint(
  dir: string,
  log: (line: string) => void,
): Promise<Checkpoint & { manifest: CheckpointManifest }> {
  const paths = checkpointPaths(dir);
  if (!existsSync(paths.latest) && existsSync(paths.previous)) {
    log(`${paths.latest} is missing (a save was cut short); resuming from ${paths.previous}.`);
    return loadCheckpoint(paths.previous);
  }
  if (!existsSync(paths.latest)) {
    throw new GanError(
      'NOT_FOUND',
      `No checkpoint in ${paths.root} to resume from. Runs save one at every epoch end (and on Ctrl-C); this run has none yet. Start it again without --resume.`,
    );
  }
  try {
    return await loadCheckpoint(paths.latest);
  } catch (error) {
    if (GanError.isInstance(error) && error.code === 'CORRUPT_FILE' && existsSync(paths.previous)) {
      throw new GanError(
        'CORRUPT_FILE',
        `${error.message} To resume from the checkpoint before it, delete or move ${paths.latest}; ${paths.previous} is then used.`,
        { cause: error },
      );
    }
    throw error;
  }
}
