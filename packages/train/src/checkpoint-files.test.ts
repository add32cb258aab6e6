import '@tensorflow/tfjs-backend-cpu';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRandom, GanError } from '@gan/core';
import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadCheckpoint, readCheckpointManifest, saveCheckpoint } from './checkpoint-files.js';
import { memoryDataset } from './testing/memory-dataset.js';
import { tinyDiscriminator, tinyGenerator } from './testing/models.js';
import { trainGan } from './train-gan.js';
import type { TrainingState } from './training-state.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

const data = memoryDataset({ x: createRandom(4).normal(32, 0, 1), shape: [2] });
const models = () => ({
  generator: tinyGenerator({ features: 2, hidden: 6 }),
  discriminator: tinyDiscriminator({ features: 2 }),
});
const settings = { data, batchSize: 8, sampleCount: 3, learningRate: 0.01 };

function weightsOf(pair: { generator: tfl.LayersModel; discriminator: tfl.LayersModel }): number[][] {
  return [...pair.generator.getWeights(), ...pair.discriminator.getWeights()].map((w) => Array.from(w.dataSync()));
}

/** Trains one epoch and writes its checkpoint to `dir` (and `previous`). */
async function trainAndSave(dir: string, epochs = 1) {
  const pair = models();
  let state: TrainingState | undefined;
  const result = await trainGan({
    ...pair,
    ...settings,
    epochs,
    seed: 9,
    checkpoint: {
      save: async (saved) => {
        state = saved;
        await saveCheckpoint(
          dir,
          { ...pair, state: saved, metadata: { note: `epoch ${saved.epoch}` } },
          {
            previous: `${dir}-previous`,
          },
        );
      },
    },
  });
  result.fixedNoise.dispose();
  return { pair, state: state! };
}

async function codeOf(promise: Promise<unknown>): Promise<{ code: string; message: string }> {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  if (!GanError.isInstance(error)) throw new Error(`Expected a GanError, got ${String(error)}`);
  return { code: error.code, message: error.message };
}

describe('saveCheckpoint / loadCheckpoint', () => {
  it('round-trips models, optimizer state and fixed noise, and keeps the previous checkpoint', async () => {
    const root = mkdtempSync(join(tmpdir(), 'gan-ckpt-'));
    const dir = join(root, 'latest');
    const { pair, state } = await trainAndSave(dir, 2);
    expect(readdirSync(root).sort()).toEqual(['latest', 'latest-previous']);
    const manifest = await readCheckpointManifest(dir);
    expect(manifest).toMatchObject({ epoch: 2, stepInEpoch: 2, globalStep: 4, metadata: { note: 'epoch 2' } });
    expect((await readCheckpointManifest(`${dir}-previous`)).epoch).toBe(1);
    expect(manifest.files.map((file) => file.path)).toEqual([
      'discriminator/model.json',
      'discriminator/weights.bin',
      'generator/model.json',
      'generator/weights.bin',
      'state.bin',
      'state.json',
    ]);

    const loaded = await loadCheckpoint(dir);
    expect(weightsOf(loaded)).toEqual(weightsOf(pair));
    expect(loaded.state.randomState).toEqual(state.randomState);
    expect(loaded.state.history).toEqual(state.history);
    expect(Array.from(loaded.state.fixedNoise.values)).toEqual(Array.from(state.fixedNoise.values));
    expect(loaded.state.optimizers.generator.map((t) => [t.name, t.dtype, Array.from(t.values)])).toEqual(
      state.optimizers.generator.map((t) => [t.name, t.dtype, Array.from(t.values)]),
    );
    expect(loaded.state.optimizers.discriminator[0]).toMatchObject({ name: 'iter', dtype: 'int32' });
    expect(loaded.state.optimizers.discriminator[0]!.values[0]).toBe(4);
  });

  it('resumes from disk to the weights of an uninterrupted run', async () => {
    const straight = models();
    const reference = await trainGan({ ...straight, ...settings, epochs: 2, seed: 9 });
    reference.fixedNoise.dispose();

    const dir = join(mkdtempSync(join(tmpdir(), 'gan-ckpt-')), 'latest');
    await trainAndSave(dir, 1);
    const loaded = await loadCheckpoint(dir);
    const rest = await trainGan({ ...loaded, ...settings, epochs: 2, resume: loaded.state });
    rest.fixedNoise.dispose();
    expect(weightsOf(loaded)).toEqual(weightsOf(straight));
  });

  it('names the damaged file: truncated, changed, missing manifest, missing folder', async () => {
    const dir = join(mkdtempSync(join(tmpdir(), 'gan-ckpt-')), 'latest');
    await trainAndSave(dir);
    const weights = join(dir, 'generator', 'weights.bin');
    const original = readFileSync(weights);

    truncateSync(weights, original.byteLength - 4);
    const truncated = await codeOf(loadCheckpoint(dir));
    expect(truncated.code).toBe('CORRUPT_FILE');
    expect(truncated.message).toContain(
      `${weights} has ${original.byteLength - 4} bytes, the manifest says ${original.byteLength}`,
    );
    expect(truncated.message).toContain('truncated');
    expect(truncated.message).toContain('Resume from another checkpoint');

    const changed = Uint8Array.from(original);
    changed[0] = (changed[0]! + 1) % 256;
    writeFileSync(weights, changed);
    expect((await codeOf(loadCheckpoint(dir))).message).toContain(`${weights} does not match its checksum`);

    writeFileSync(weights, original);
    writeFileSync(join(dir, 'manifest.json'), '{"format": "gan-ch');
    expect(await codeOf(loadCheckpoint(dir))).toMatchObject({
      code: 'CORRUPT_FILE',
      message: expect.stringContaining('is not valid JSON'),
    });

    const unfinished = join(dir, '..', 'unfinished');
    mkdirSync(unfinished);
    expect((await codeOf(loadCheckpoint(unfinished))).message).toContain('was not written completely');
    expect((await codeOf(loadCheckpoint(join(dir, '..', 'nowhere')))).code).toBe('NOT_FOUND');
  });

  it('leaves the last complete checkpoint when a write dies half-way, and cleans up after it', async () => {
    const root = mkdtempSync(join(tmpdir(), 'gan-ckpt-'));
    const dir = join(root, 'latest');
    const { pair, state } = await trainAndSave(dir);
    // a crashed write: a temporary folder with part of a checkpoint
    const crashed = join(root, 'latest.tmp-99999-1');
    mkdirSync(join(crashed, 'generator'), { recursive: true });
    writeFileSync(join(crashed, 'generator', 'weights.bin'), 'partial');
    expect((await loadCheckpoint(dir)).state.globalStep).toBe(2);
    // a model that cannot be saved makes the write fail: the old checkpoint stays
    const broken = {
      ...pair,
      generator: { save: () => Promise.reject(new Error('disk full')) } as unknown as tfl.LayersModel,
    };
    await expect(saveCheckpoint(dir, { ...broken, state })).rejects.toThrow('disk full');
    expect(existsSync(crashed)).toBe(false);
    expect(readdirSync(root)).toEqual(['latest']);
    expect((await loadCheckpoint(dir)).state.globalStep).toBe(2);
  });
});
