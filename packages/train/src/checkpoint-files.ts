import { readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { GanError } from '@gan/core';
import { removeStaleTemporaries, syncPath, writeFolderAtomic } from '@gan/core/node';
import { loadModel, saveModel } from '@gan/models/node';
import type * as tfl from '@tensorflow/tfjs-layers';
import { type FileRecord, recordFiles, sha256 } from './file-records.js';
import { decodeTrainingState, encodeTrainingState } from './state-encoding.js';
import type { TrainingState } from './training-state.js';

/** File names inside a checkpoint folder. */
const manifestName = 'manifest.json';
const stateJsonName = 'state.json';
const stateBinaryName = 'state.bin';

/** `manifest.json` of a checkpoint folder: where the run was, and every file's size and checksum. */
export interface CheckpointManifest {
  format: 'gan-checkpoint';
  version: 1;
  /** When the checkpoint was written (ISO 8601). */
  createdAt: string;
  epoch: number;
  stepInEpoch: number;
  stepsPerEpoch: number;
  globalStep: number;
  /** Whatever the caller stored with it (a CLI: the best metric so far). */
  metadata: Record<string, unknown>;
  files: FileRecord[];
}

/** What a checkpoint holds. */
export interface Checkpoint {
  generator: tfl.LayersModel;
  discriminator: tfl.LayersModel;
  state: TrainingState;
  /** JSON-serialisable extras, stored in the manifest. Defaults to `{}`. */
  metadata?: Record<string, unknown>;
}

/** Options of {@link saveCheckpoint}. */
export interface SaveCheckpointConfig {
  /**
   * Where the checkpoint that `dir` held moves to once the new one is complete (replacing what was
   * there), e.g. `checkpoints/previous` beside `checkpoints/latest`. Defaults to none: it is removed.
   */
  previous?: string;
}

/**
 * Writes a checkpoint folder atomically: the generator and discriminator (`saveModel` layout), the training
 * state (`state.json` + `state.bin`) and `manifest.json` go into a new folder beside `dir`, are flushed to
 * disk, and only then replace `dir`. A crash at any moment leaves the checkpoint `dir` held before (or, with
 * `previous`, that one under `previous`) complete.
 */
export async function saveCheckpoint(
  dir: string,
  checkpoint: Checkpoint,
  config: SaveCheckpointConfig = {},
): Promise<CheckpointManifest> {
  await removeStaleTemporaries(dir);
  return writeFolderAtomic(
    dir,
    async (temporary) => {
      await saveModel(checkpoint.generator, join(temporary, 'generator'));
      await saveModel(checkpoint.discriminator, join(temporary, 'discriminator'));
      const { json, binary } = encodeTrainingState(checkpoint.state);
      await writeFile(join(temporary, stateJsonName), json);
      await writeFile(join(temporary, stateBinaryName), binary);
      const { state } = checkpoint;
      const manifest: CheckpointManifest = {
        format: 'gan-checkpoint',
        version: 1,
        createdAt: new Date().toISOString(),
        epoch: state.epoch,
        stepInEpoch: state.stepInEpoch,
        stepsPerEpoch: state.stepsPerEpoch,
        globalStep: state.globalStep,
        metadata: checkpoint.metadata ?? {},
        files: await recordFiles(temporary),
      };
      const manifestPath = join(temporary, manifestName);
      await writeFile(manifestPath, `${JSON.stringify(manifest, null, 2)}\n`);
      await syncPath(manifestPath);
      return manifest;
    },
    { previous: config.previous },
  );
}

function corrupt(problem: string, cause?: unknown): GanError {
  return new GanError(
    'CORRUPT_FILE',
    `${problem} Resume from another checkpoint (the previous one, when kept) or start the run again.`,
    cause === undefined ? undefined : { cause },
  );
}

/** Reads and checks a checkpoint's `manifest.json` (not its files). Throws GanError `NOT_FOUND` / `CORRUPT_FILE`. */
export async function readCheckpointManifest(dir: string): Promise<CheckpointManifest> {
  const path = join(dir, manifestName);
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (cause) {
    const code = (cause as NodeJS.ErrnoException).code;
    if (code !== 'ENOENT' && code !== 'ENOTDIR') throw cause;
    const folderExists = await stat(dir).then(
      () => true,
      () => false,
    );
    if (folderExists) {
      throw corrupt(`${path} is missing: the checkpoint in ${dir} was not written completely.`, cause);
    }
    throw new GanError(
      'NOT_FOUND',
      `No checkpoint in ${dir}: the folder does not exist. Pass a folder written by saveCheckpoint (or \`gan train\`).`,
      {
        cause,
      },
    );
  }
  let manifest: CheckpointManifest;
  try {
    manifest = JSON.parse(text) as CheckpointManifest;
  } catch (cause) {
    throw corrupt(`${path} is not valid JSON (${(cause as Error).message}).`, cause);
  }
  if (manifest?.format !== 'gan-checkpoint' || !Array.isArray(manifest.files)) {
    throw corrupt(`${path} is not a checkpoint manifest (expected format "gan-checkpoint" and a list of files).`);
  }
  if (manifest.version !== 1) {
    throw new GanError(
      'UNSUPPORTED',
      `${path} has checkpoint version ${String(manifest.version)}; this @gan/train reads version 1. Update @gan/train.`,
    );
  }
  return manifest;
}

/** Checks every file the manifest lists against its size and checksum; the first mismatch is `CORRUPT_FILE`. */
async function verifyFiles(dir: string, manifest: CheckpointManifest): Promise<Map<string, Uint8Array>> {
  const contents = new Map<string, Uint8Array>();
  for (const file of manifest.files) {
    const path = join(dir, file.path);
    let bytes: Uint8Array;
    try {
      bytes = await readFile(path);
    } catch (cause) {
      throw corrupt(`${path} is missing, but ${join(dir, manifestName)} lists it.`, cause);
    }
    if (bytes.byteLength !== file.bytes) {
      throw corrupt(
        `${path} has ${bytes.byteLength} bytes, the manifest says ${file.bytes}: the file is ${
          bytes.byteLength < file.bytes ? 'truncated' : 'longer than written'
        }.`,
      );
    }
    if (sha256(bytes) !== file.sha256) {
      throw corrupt(`${path} does not match its checksum in the manifest: the file was changed or damaged.`);
    }
    contents.set(file.path, bytes);
  }
  for (const required of [stateJsonName, stateBinaryName, 'generator/model.json', 'discriminator/model.json']) {
    if (!contents.has(required)) throw corrupt(`${join(dir, manifestName)} does not list ${required}.`);
  }
  return contents;
}

/**
 * Loads a checkpoint written by {@link saveCheckpoint}: checks every file against the manifest's sizes and
 * checksums first, so a truncated or damaged file is a GanError `CORRUPT_FILE` naming it (a missing folder is
 * `NOT_FOUND`), never a failure inside tfjs. The models are new; the caller owns them.
 */
export async function loadCheckpoint(dir: string): Promise<Checkpoint & { manifest: CheckpointManifest }> {
  const manifest = await readCheckpointManifest(dir);
  const contents = await verifyFiles(dir, manifest);
  const state = decodeTrainingState(
    new TextDecoder().decode(contents.get(stateJsonName)),
    contents.get(stateBinaryName) as Uint8Array,
    { json: join(dir, stateJsonName), binary: join(dir, stateBinaryName) },
  );
  const generator = await loadModel(join(dir, 'generator'));
  const discriminator = await loadModel(join(dir, 'discriminator'));
  return {
    generator,
    discriminator,
    state,
    metadata: manifest.metadata,
    manifest,
  };
}
