import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { trainRecipe, trainSettings } from '../train/settings.js';
import { readRunConfig } from './config.js';

/** config.json of a run started before config.json had a version (written by `gan train` of 2026-12-07). */
const oldRun = join(dirname(fileURLToPath(import.meta.url)), '../testing/old-run');
const oldConfig = JSON.parse(readFileSync(join(oldRun, 'config.json'), 'utf8'));

/** A run folder holding `config`. */
function runWith(config: unknown): string {
  const dir = mkdtempSync(join(tmpdir(), 'gan-config-'));
  writeFileSync(join(dir, 'config.json'), JSON.stringify(config));
  return dir;
}

const caught = (run: () => unknown): Error => {
  try {
    run();
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected an error');
};

describe('config.json', () => {
  it('reads the training of a config.json from before versions as a version-1 recipe, and resumes it as it was', () => {
    const config = readRunConfig(oldRun, 'resume');
    const { sampleEpochs, ...training } = oldConfig.training;
    expect(sampleEpochs).toBe('every');
    expect(config.training).toEqual({ ...training, version: 1 });

    const settings = trainSettings({ resume: oldRun }, { dir: oldRun, config });
    expect(settings).toMatchObject({
      model: 'mlp',
      dataSpec: 'ring',
      rangeName: '-1,1',
      limit: 256,
      latentDim: 100,
      out: oldRun,
      backend: 'auto',
      preset: undefined,
      keepBestBy: 'lossGap',
      evalCount: 1000,
    });
    // the recorded values (a field added to the recipe since has its default)
    expect(trainRecipe(settings)).toMatchObject({
      version: 1,
      epochs: 1,
      batchSize: 64,
      learningRate: 0.0002,
      generatorLearningRate: 0.0001,
      discriminatorLearningRate: 0.0004,
      learningRateDecay: 'linear',
      beta1: 0.5,
      loss: 'non-saturating',
      discriminatorSteps: 2,
      penalty: { kind: 'r1', weight: 5 },
      augment: [],
      clipGradientNorm: 1,
      labelNoise: 0.1,
      ema: 0.99,
      noise: 'normal',
      seed: 4,
    });
    expect(trainRecipe(settings).sampleEpochs).toBeUndefined();
    expect(trainRecipe(settings).checkpointEvery).toBeUndefined();

    // the recorded values may be repeated, the changeable ones changed, the others not
    const repeated = { resume: oldRun, 'label-noise': '0.1', 'sample-epochs': undefined, epochs: '3', lr: '0.001' };
    expect(trainSettings(repeated, { dir: oldRun, config })).toMatchObject({ labelNoise: 0.1, epochs: 3 });
    expect(caught(() => trainSettings({ 'sample-epochs': '1' }, { dir: oldRun, config })).message).toContain(
      `--sample-epochs 1 conflicts with the run in ${oldRun}, which was started with "the default" (config.json)`,
    );
  });

  it('gives a run from before --d-steps, --augment, --label-noise and --image-size the values it trained with', () => {
    const { discriminatorSteps, augment, labelNoise, ...training } = oldConfig.training;
    const dir = runWith({ ...oldConfig, training, data: { ...oldConfig.data, background: undefined } });
    const config = readRunConfig(dir, 'resume');
    expect(config.training).toMatchObject({ version: 1, discriminatorSteps: 1, augment: [], labelNoise: 0 });
    const flags = { 'd-steps': '1', augment: 'color', 'image-size': '64', background: 'white' };
    expect(caught(() => trainSettings(flags, { dir, config })).message).toContain(
      '--augment color conflicts with the run in',
    );
    const { augment: _, ...same } = flags;
    expect(trainSettings(same, { dir, config })).toMatchObject({
      discriminatorSteps: 1,
      augment: [],
      labelNoise: 0,
      imageSize: 64,
      background: [255, 255, 255],
    });
  });

  it('refuses a recipe of a newer version, and says what is wrong with a config.json', () => {
    const newer = runWith({ ...oldConfig, training: { ...oldConfig.training, version: 2 } });
    expect(caught(() => readRunConfig(newer, 'resume')).message).toContain(
      'Expected a training recipe of version 1, got version 2',
    );
    const noTraining = runWith({ model: 'mlp', info: oldConfig.info });
    expect(caught(() => readRunConfig(noTraining, 'resume')).message).toMatch(
      /config\.json is not a valid gan run config \(fields missing\)\. Start a new run instead of resuming\.$/,
    );
    // sample, eval and interpolate need the generator's description only
    expect(readRunConfig(noTraining).info.latentDim).toBe(100);
    expect(caught(() => readRunConfig(runWith({ model: 'mlp' }))).message).toContain('(info.latentDim is missing)');
  });
});
