import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeNpy } from '@gan/data';
import { describe, expect, it } from 'vitest';
import { gan } from './testing/run-cli.js';

const temporary = () => mkdtempSync(join(tmpdir(), 'gan-options-'));
const json = (path: string) => JSON.parse(readFileSync(path, 'utf8'));
const npy = (path: string) => decodeNpy(new Uint8Array(readFileSync(path)));

/** The MNIST DCGAN on 64 "shapes" images: two steps of 32, on wasm. */
const tinyDigits = (out: string, extra: string[]) => [
  'train',
  '--model',
  'dcgan-mnist',
  '--data',
  'shapes',
  '--limit',
  '64',
  '--epochs',
  '1',
  '--batch-size',
  '32',
  '--seed',
  '7',
  '--backend',
  'wasm',
  '--out',
  out,
  ...extra,
];

describe('gan train --ema, --eval-every and the training flags', () => {
  it('saves the moving average as generator-ema/, keeps it through --resume, and samples it with --ema', async () => {
    const dir = temporary();
    // a high rate, so that two steps move the generator visibly away from its slow average
    const train = await gan(tinyDigits(dir, ['--ema', '0.999', '--lr', '0.01']));
    expect(train.code, train.stderr).toBe(0);
    expect(existsSync(join(dir, 'generator-ema', 'model.json'))).toBe(true);
    expect(json(join(dir, 'config.json')).training.ema).toBe(0.999);
    expect(readFileSync(join(dir, 'checkpoints/latest/state.json'), 'utf8')).toContain('emaGenerator');

    const plain = join(dir, 'plain.npy');
    const ema = join(dir, 'ema.npy');
    for (const [out, flags] of [
      [plain, []],
      [ema, ['--ema']],
    ] as const) {
      const sample = await gan([
        'sample',
        '--from',
        dir,
        '--count',
        '4',
        '--seed',
        '3',
        '--out',
        out,
        '--backend',
        'wasm',
        ...flags,
      ]);
      expect(sample.code, sample.stderr).toBe(0);
    }
    const plainValues = npy(plain).data;
    const emaValues = npy(ema).data;
    expect(npy(ema).shape).toEqual([4, 28, 28, 1]);
    const largestDifference = plainValues.reduce(
      (most, value, i) => Math.max(most, Math.abs(value - emaValues[i]!)),
      0,
    );
    expect(largestDifference).toBeGreaterThan(0.01);

    // a resumed run restores the average from the checkpoint and goes on updating it
    const before = readFileSync(join(dir, 'generator-ema', 'weights.bin'));
    const resumed = await gan(['train', '--resume', dir, '--epochs', '2', '--backend', 'wasm']);
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(readFileSync(join(dir, 'generator-ema', 'weights.bin')).equals(before)).toBe(false);

    // a run without --ema (its config.json is all sample reads before looking for generator-ema/)
    const none = temporary();
    writeFileSync(
      join(none, 'config.json'),
      JSON.stringify({ info: { latentDim: 62 }, training: { noise: 'normal' } }),
    );
    const missing = await gan(['sample', '--from', none, '--ema', '--out', join(none, 'x.png')]);
    expect(missing.code).not.toBe(0);
    expect(missing.stderr).toContain('No generator-ema/ in');
  }, 120_000);

  it('measures FID every epoch, records it, and keeps checkpoints/best by it', async () => {
    const dir = temporary();
    const measured = ['--eval-every', '1', '--eval-count', '100', '--keep-best-by', 'fid'];
    const train = await gan(tinyDigits(dir, [...measured, '--augment', 'translation,cutout,color']));
    expect(train.code, train.stderr).toBe(0);
    expect(json(join(dir, 'config.json')).training).toMatchObject({
      evalEvery: 1,
      evalCount: 100,
      keepBestBy: 'fid',
      augment: ['translation', 'cutout', 'color'],
    });
    expect(train.stderr).toMatch(/epoch 1: FID [\d.]+ \(100 generated vs 64 real/);
    const [record] = json(join(dir, 'history.json'));
    expect(record.fid).toBeGreaterThan(0);
    const lines = readFileSync(join(dir, 'log.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line));
    expect(lines.map((line) => line.kind ?? 'step')).toEqual(['step', 'step', 'eval']);
    expect(lines[2]).toMatchObject({ step: 2, epoch: 1, fid: record.fid, count: 100 });
    const best = json(join(dir, 'checkpoints/best/manifest.json'));
    expect(best.metadata.best).toEqual({ metric: 'fid', value: record.fid, epoch: 1 });
    const log = await gan(['log', dir]);
    expect(log.code, log.stderr).toBe(0);
    expect(log.stdout).toContain('steps: 2 in 1 epoch ');

    const points = await gan(['train', '--model', 'mlp', '--data', 'ring', '--eval-every', '1', '--out', temporary()]);
    expect(points.code).not.toBe(0);
    expect(points.stderr).toContain('takes 28×28×1 images');
    const noEval = await gan(['train', '--keep-best-by', 'fid', '--out', temporary()]);
    expect(noEval.code).toBe(2);
    expect(noEval.stderr).toContain('--keep-best-by fid needs FID measurements: add --eval-every N');
  }, 120_000);

  it('passes --g-lr, --d-lr, --d-steps, --penalty, --clip-grad-norm, --label-noise and --lr-decay on, and records them', async () => {
    const dir = temporary();
    const flags = ['--g-lr', '0.0001', '--d-lr', '0.0004', '--d-steps', '2', '--penalty', 'r1:5'];
    const more = ['--clip-grad-norm', '1', '--label-noise', '0.1', '--lr-decay', 'linear'];
    const args = ['--model', 'mlp', '--data', 'ring', '--limit', '256', '--batch-size', '64', '--seed', '4'];
    const train = await gan(['train', ...args, '--epochs', '1', '--backend', 'wasm', '--out', dir, ...flags, ...more]);
    expect(train.code, train.stderr).toBe(0);
    expect(json(join(dir, 'config.json')).training).toMatchObject({
      generatorLearningRate: 0.0001,
      discriminatorLearningRate: 0.0004,
      discriminatorSteps: 2,
      penalty: { kind: 'r1', weight: 5 },
      clipGradientNorm: 1,
      labelNoise: 0.1,
      learningRateDecay: 'linear',
      augment: [],
    });
    // 4 batches of 64, two discriminator updates per step: 2 steps
    const [record] = json(join(dir, 'history.json'));
    expect(record.steps).toBe(2);
    expect(record.imagesPerSecond).toBeGreaterThan(0);

    // the same run without the flags trains differently
    const plain = temporary();
    expect((await gan(['train', ...args, '--epochs', '1', '--backend', 'wasm', '--out', plain])).code).toBe(0);
    expect(json(join(plain, 'history.json'))[0].steps).toBe(4);

    // --resume keeps them (the recorded value may be repeated, not changed)
    const conflict = await gan(['train', '--resume', dir, '--penalty', 'gp']);
    expect(conflict.code).toBe(2);
    expect(conflict.stderr).toContain('--penalty gp conflicts with the run in');
    const resumed = await gan(['train', '--resume', dir, '--epochs', '2', '--d-steps', '2', '--backend', 'wasm']);
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(json(join(dir, 'history.json')).map((h: { steps: number }) => h.steps)).toEqual([2, 2]);

    const badPenalty = await gan(['train', '--penalty', 'r3', '--out', temporary()]);
    expect(badPenalty.code).toBe(2);
    expect(badPenalty.stderr).toContain('Expected --penalty gp | r1 | r2');
    const badAugment = await gan(['train', '--augment', 'translation,blur', '--out', temporary()]);
    expect(badAugment.code).toBe(2);
    expect(badAugment.stderr).toContain('Unknown --augment policy "blur"');
  }, 120_000);
});
