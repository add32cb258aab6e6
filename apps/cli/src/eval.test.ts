import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { mnist, saveNpy } from '@gan/data/node';
import { createGan } from '@gan/models';
import { saveModel } from '@gan/models/node';
import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { gan, mnistDir } from './testing/run-cli.js';

/** Width and height from a PNG's IHDR chunk. */
function pngSize(path: string): [number, number] {
  const bytes = readFileSync(path);
  return [bytes.readUInt32BE(16), bytes.readUInt32BE(20)];
}

describe('gan eval and gan interpolate', () => {
  const runDir = mkdtempSync(join(tmpdir(), 'gan-eval-'));

  beforeAll(async () => {
    if (!existsSync(mnistDir)) throw new Error(`MNIST test files expected in ${mnistDir}`);
    // A run folder as gan train writes it (config.json + generator/), with an untrained generator: this suite
    // tests eval and interpolate, not training.
    await tf.setBackend('cpu');
    const gan = createGan('dcgan-mnist', { seed: 5 });
    await saveModel(gan.generator, join(runDir, 'generator'));
    writeFileSync(
      join(runDir, 'config.json'),
      JSON.stringify({ model: 'dcgan-mnist', info: gan.info, data: { spec: mnistDir }, training: { noise: 'normal' } }),
    );
    gan.generator.dispose();
    gan.discriminator.dispose();
  }, 60_000);

  it('measures FID, KID, IS and precision/recall with the digit classifier and writes eval.json', async () => {
    const result = await gan([
      'eval',
      '--from',
      runDir,
      '--metrics',
      'fid,kid,is,pr',
      '--count',
      '40',
      '--real-count',
      '30',
      '--splits',
      '2',
      '--kid-subsets',
      '3',
      '--batch-size',
      '16',
      '--backend',
      'wasm',
    ]);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/FID\s+\d+\.\d{3}\s+\(Fréchet distance of 64-d features, 40 generated vs 30 real\)/);
    expect(result.stdout).toMatch(/KID\s+-?\d+\.\d+ ± \d+\.\d+\s+\(unbiased MMD², cubic kernel, 3 subsets of 30\)/);
    expect(result.stdout).toContain('digit classifier');
    expect(result.stdout).toContain('Not Inception-v3');
    const report = JSON.parse(readFileSync(join(runDir, 'eval.json'), 'utf8'));
    // An untrained generator is far from the digits.
    expect(report.metrics.fid).toBeGreaterThan(10);
    expect(report.metrics.is.splits).toBe(2);
    expect(report.metrics.is.mean).toBeGreaterThanOrEqual(1);
    expect(report.metrics.is.mean).toBeLessThanOrEqual(10);
    expect(report.metrics.precision).toBeGreaterThanOrEqual(0);
    expect(report.metrics.recall).toBeLessThanOrEqual(1);
    expect(report.protocol.generated).toContain('40 images');
    expect(report.protocol.reference).toContain('30 real images of mnist');
  }, 120_000);

  it('measures images from a .npy file (--images), e.g. from another library, against the real data', async () => {
    const digits = await mnist({ dir: mnistDir });
    const n = 200;
    const pixels = 28 * 28;
    const real = Float32Array.from(digits.x.subarray(0, n * pixels) as ArrayLike<number>, (v) => v / 255);
    const same = join(runDir, 'real.npy');
    await saveNpy(same, real, [n, 28, 28, 1]);
    const noisy = join(runDir, 'noise.npy');
    // Deterministic pseudo-random pixels in [0, 1], saved as (N, H, W): no channel axis.
    await saveNpy(
      noisy,
      Float32Array.from({ length: n * pixels }, (_, i) => ((i * 7919) % 256) / 255),
      [n, 28, 28],
    );
    const args = [
      '--data',
      mnistDir,
      '--metrics',
      'fid,is',
      '--splits',
      '2',
      '--batch-size',
      '50',
      '--backend',
      'wasm',
    ];

    const sameResult = await gan(['eval', '--images', same, ...args]);
    expect(sameResult.code, sameResult.stderr).toBe(0);
    expect(sameResult.stdout).toContain(`200 generated vs 200 real`);
    const sameReport = JSON.parse(readFileSync(join(runDir, 'real.eval.json'), 'utf8'));
    // The same 200 digits on both sides: the Fréchet distance is zero up to float error.
    expect(sameReport.metrics.fid).toBeLessThan(1e-2);
    expect(sameReport.protocol.generated).toBe(`200 images from ${same}`);

    const noiseResult = await gan(['eval', '--images', noisy, ...args]);
    expect(noiseResult.code, noiseResult.stderr).toBe(0);
    const noiseReport = JSON.parse(readFileSync(join(runDir, 'noise.eval.json'), 'utf8'));
    expect(noiseReport.metrics.fid).toBeGreaterThan(100 * Math.max(sameReport.metrics.fid, 1e-3));
    expect(sameReport.metrics.is.mean).toBeGreaterThan(noiseReport.metrics.is.mean);

    const channelsFirst = join(runDir, 'nchw.npy');
    await saveNpy(channelsFirst, real.subarray(0, 10 * pixels), [10, 1, 28, 28]);
    const nchw = await gan(['eval', '--images', channelsFirst, ...args]);
    expect(nchw.code).not.toBe(0);
    expect(nchw.stderr).toMatch(/channels-first.*transpose\(0, 2, 3, 1\)/);

    const tanh = join(runDir, 'tanh.npy');
    await saveNpy(tanh, real.map((v) => v * 2 - 1).subarray(0, 10 * pixels), [10, 28, 28, 1]);
    const outOfRange = await gan(['eval', '--images', tanh, ...args]);
    expect(outOfRange.code).not.toBe(0);
    expect(outOfRange.stderr).toMatch(
      /values in \[0, 1\], got \[-1, 1\].*\(x \+ 1\) \/ 2 for tanh outputs, x \/ 255 for bytes/,
    );

    const both = await gan(['eval', '--images', same, '--from', runDir]);
    expect(both.code).not.toBe(0);
    expect(both.stderr).toContain('either --from DIR');
  }, 600_000);

  it('rejects an unknown metric and runs whose images need --features', async () => {
    const unknown = await gan(['eval', '--from', runDir, '--metrics', 'fid,lpips']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('Unknown metric "lpips"');
    const colour = mkdtempSync(join(tmpdir(), 'gan-eval-'));
    writeFileSync(
      join(colour, 'config.json'),
      JSON.stringify({
        info: { latentDim: 100, conditional: false, imageShape: [64, 64, 3], outputRange: [-1, 1] },
        training: { noise: 'normal' },
        data: { spec: 'shapes' },
      }),
    );
    const result = await gan(['eval', '--from', colour, '--backend', 'cpu']);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('Pass --features PATH to a tfjs graph model');
  });

  it('draws an interpolation grid of rows × steps images, the same for the same seed', async () => {
    const first = join(runDir, 'strip.png');
    const second = join(runDir, 'strip-again.png');
    for (const out of [first, second]) {
      const result = await gan([
        'interpolate',
        '--from',
        runDir,
        '--steps',
        '5',
        '--rows',
        '2',
        '--method',
        'lerp',
        '--seed',
        '9',
        '--out',
        out,
        '--backend',
        'wasm',
      ]);
      expect(result.code, result.stderr).toBe(0);
      expect(result.stdout).toContain('wrote 2 rows of 5 images (lerp)');
    }
    // 5 columns and 2 rows of 28-pixel images with 2 pixels of padding.
    expect(pngSize(first)).toEqual([5 * 30 + 2, 2 * 30 + 2]);
    expect(readFileSync(first).equals(readFileSync(second))).toBe(true);
    const bad = await gan(['interpolate', '--from', runDir, '--method', 'cubic']);
    expect(bad.code, bad.stderr).toBe(2);
    expect(bad.stderr).toContain('Unknown --method "cubic"');
  }, 120_000);
});
