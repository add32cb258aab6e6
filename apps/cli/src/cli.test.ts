import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeNpy } from '@gan/data';
import { describe, expect, it } from 'vitest';
import { gan, hasMnist, mnistDir } from './testing/run-cli.js';

describe('gan CLI', () => {
  it('rejects an unknown model with a message that lists the known ones', async () => {
    const result = await gan(['train', '--model', 'stylegan9']);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('Unknown --model "stylegan9"');
    expect(result.stderr).toContain('dcgan-mnist');
  });

  it.skipIf(!hasMnist)(`rejects data whose shape does not fit the model (needs ${mnistDir})`, async () => {
    const out = mkdtempSync(join(tmpdir(), 'gan-cli-'));
    const result = await gan([
      'train',
      '--model',
      'dcgan',
      '--data',
      mnistDir,
      '--epochs',
      '1',
      '--out',
      out,
      '--backend',
      'wasm',
    ]);
    expect(result.code).not.toBe(0);
    expect(result.stderr).toMatch(/Expected images of shape \[n, 64, 64, 1\] for dcgan, got \[n, 28, 28, 1\]/);
  });

  it('says what to pass when the run folder is missing or corrupt', async () => {
    const missing = await gan(['sample', '--from', '/nonexistent/run']);
    expect(missing.code).not.toBe(0);
    expect(missing.stderr).toContain('No config.json in "/nonexistent/run"');
    const dir = mkdtempSync(join(tmpdir(), 'gan-cli-'));
    writeFileSync(join(dir, 'config.json'), '{"info": ');
    const corrupt = await gan(['sample', '--from', dir]);
    expect(corrupt.code).not.toBe(0);
    expect(corrupt.stderr).toContain('is not a valid gan run config');
  });

  it.skipIf(!hasMnist)(
    `trains the MNIST DCGAN on the real digits, saves it, and samples the same images again (needs ${mnistDir})`,
    async () => {
      const out = mkdtempSync(join(tmpdir(), 'gan-cli-'));
      const train = await gan([
        'train',
        '--model',
        'dcgan-mnist',
        '--data',
        mnistDir,
        '--epochs',
        '2',
        '--batch-size',
        '16',
        '--limit',
        '64',
        '--seed',
        '3',
        '--sample-epochs',
        '2',
        '--out',
        out,
        '--backend',
        'wasm',
      ]);
      expect(train.stderr).toContain('t10k');
      expect(train.code).toBe(0);
      for (const file of [
        'config.json',
        'history.json',
        'loss.png',
        'samples/epoch_002.png',
        'generator/model.json',
        'generator/weights.bin',
        'discriminator/model.json',
      ]) {
        expect(existsSync(join(out, file)), file).toBe(true);
      }
      expect(existsSync(join(out, 'samples/epoch_001.png'))).toBe(false);
      const history = JSON.parse(readFileSync(join(out, 'history.json'), 'utf8'));
      expect(history).toHaveLength(2);
      expect(Number.isFinite(history[1].discriminatorLoss)).toBe(true);

      const first = join(out, 'a.npy');
      const second = join(out, 'b.npy');
      expect(
        (await gan(['sample', '--from', out, '--count', '8', '--seed', '5', '--out', first, '--backend', 'wasm'])).code,
      ).toBe(0);
      expect(
        (await gan(['sample', '--from', out, '--count', '8', '--seed', '5', '--out', second, '--backend', 'wasm']))
          .code,
      ).toBe(0);
      const a = decodeNpy(readFileSync(first));
      const b = decodeNpy(readFileSync(second));
      expect(a.shape).toEqual([8, 28, 28, 1]);
      expect(Array.from(a.data)).toEqual(Array.from(b.data));
      expect(Math.min(...a.data)).toBeGreaterThanOrEqual(0);
      expect(Math.max(...a.data)).toBeLessThanOrEqual(1);
      const png = await gan([
        'sample',
        '--from',
        out,
        '--count',
        '16',
        '--out',
        join(out, 'grid.png'),
        '--backend',
        'wasm',
      ]);
      expect(png.code).toBe(0);
      expect(readFileSync(join(out, 'grid.png')).subarray(1, 4).toString()).toBe('PNG');
    },
    240_000,
  );

  it('trains a conditional GAN on shapes and samples one class', async () => {
    const out = mkdtempSync(join(tmpdir(), 'gan-cli-'));
    const train = await gan([
      'train',
      '--model',
      'cgan',
      '--data',
      'shapes',
      '--epochs',
      '1',
      '--batch-size',
      '32',
      '--limit',
      '64',
      '--seed',
      '1',
      '--out',
      out,
      '--backend',
      'wasm',
    ]);
    expect(train.code).toBe(0);
    const result = await gan([
      'sample',
      '--from',
      out,
      '--count',
      '4',
      '--label',
      '2',
      '--out',
      join(out, 's.npy'),
      '--backend',
      'wasm',
    ]);
    expect(result.code).toBe(0);
    expect(decodeNpy(readFileSync(join(out, 's.npy'))).shape).toEqual([4, 28, 28, 1]);
    const bad = await gan(['sample', '--from', out, '--label', '99', '--out', join(out, 'x.png')]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--label must be in 0..');
  }, 240_000);

  it('trains an auxiliary-classifier GAN (ACGAN) on shapes and samples one class', async () => {
    const out = mkdtempSync(join(tmpdir(), 'gan-cli-'));
    const flags = ['--limit', '64', '--batch-size', '32', '--seed', '2', '--out', out, '--backend', 'wasm'];
    const train = await gan(['train', '--model', 'acgan', '--data', 'shapes', '--epochs', '1', ...flags]);
    expect(train.stderr).toContain('epoch 1/1');
    expect(train.code).toBe(0);
    for (const file of ['samples/epoch_001.png', 'generator/model.json', 'checkpoints/latest']) {
      expect(existsSync(join(out, file)), file).toBe(true);
    }
    // the saved discriminator keeps both heads: the real/fake logit and the class logits
    const discriminator = JSON.parse(readFileSync(join(out, 'discriminator/model.json'), 'utf8'));
    expect(discriminator.modelTopology.config.output_layers.map((o: unknown[]) => o[0])).toEqual([
      'logits',
      'class_logits',
    ]);
    const history = JSON.parse(readFileSync(join(out, 'history.json'), 'utf8'));
    expect(history[0].steps).toBe(2);
    expect(Number.isFinite(history[0].discriminatorLoss)).toBe(true);

    const sample = (label: string, file: string) =>
      gan(
        ['sample', '--from', out, '--count', '4', '--label', label, '--seed', '7', '--out', join(out, file)].concat([
          '--backend',
          'wasm',
        ]),
      );
    expect((await sample('2', 'two.npy')).code).toBe(0);
    expect((await sample('0', 'zero.npy')).code).toBe(0);
    const two = decodeNpy(readFileSync(join(out, 'two.npy')));
    const zero = decodeNpy(readFileSync(join(out, 'zero.npy')));
    expect(two.shape).toEqual([4, 28, 28, 1]);
    // same noise, another class: the generator does see the label
    expect(Array.from(two.data)).not.toEqual(Array.from(zero.data));
  }, 240_000);
});
