import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { arrayDataset } from '@gan/data';
import { encodePng, mnist, saveNpy } from '@gan/data/node';
import { createGan } from '@gan/models';
import { saveModel } from '@gan/models/node';
import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { createFidEvaluator } from './features/fid.js';
import { generatedLabels, referenceImages } from './features/images.js';
import { gan, hasMnist, mnistDir } from './testing/run-cli.js';

/** Width and height from a PNG's IHDR chunk. */
function pngSize(path: string): [number, number] {
  const bytes = readFileSync(path);
  return [bytes.readUInt32BE(16), bytes.readUInt32BE(20)];
}

describe('gan eval and gan interpolate', () => {
  const runDir = mkdtempSync(join(tmpdir(), 'gan-eval-'));

  beforeAll(async () => {
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

  it.skipIf(!hasMnist)(
    `measures FID, KID, IS and precision/recall with the digit classifier and writes eval.json (needs ${mnistDir})`,
    async () => {
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
      expect(result.stdout).toMatch(
        /FID\s+\d+\.\d{3}\s+\(Fréchet distance of 64-d digit classifier features, 40 generated vs 30 real\)/,
      );
      expect(result.stdout).toMatch(
        /KID\s+-?\d+\.\d+ ± \d+\.\d+\s+\(unbiased MMD² of the 64-d digit classifier features, cubic kernel, 3 subsets of 30\)/,
      );
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
    },
    120_000,
  );

  it.skipIf(!hasMnist)(
    `measures images from a .npy file (--images), e.g. from another library, against the real data (needs ${mnistDir})`,
    async () => {
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
    },
    600_000,
  );

  it('rejects an unknown metric and runs whose images no built-in network takes', async () => {
    const unknown = await gan(['eval', '--from', runDir, '--metrics', 'fid,lpips']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('Unknown metric "lpips"');
    const colour = mkdtempSync(join(tmpdir(), 'gan-eval-'));
    writeFileSync(
      join(colour, 'config.json'),
      JSON.stringify({
        info: { latentDim: 100, conditional: false, imageShape: [32, 32, 3], outputRange: [-1, 1] },
        training: { noise: 'normal' },
        data: { spec: 'shapes' },
      }),
    );
    const result = await gan(['eval', '--from', colour, '--backend', 'cpu']);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(
      'This run makes [32, 32, 3] images, and no built-in feature network of @gan/metrics takes those: the digit classifier takes 28×28×1 images, the emoji classifier 64×64×3.',
    );
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

/**
 * `count` emoji-like 64×64 RGB images on white, in two classes: discs ("faces", a yellowish disc with two dark
 * eyes) and striped rectangles ("flags"), colours and positions varying with the index.
 */
function emojiLikeImages(count: number): { pixels: Uint8Array; labels: number[] } {
  const pixels = new Uint8Array(count * 64 * 64 * 3).fill(255);
  const labels: number[] = [];
  for (let n = 0; n < count; n++) {
    const label = n % 2;
    labels.push(label);
    const shift = (n * 7) % 9;
    const hue = (n * 37) % 80;
    for (let y = 0; y < 64; y++) {
      for (let x = 0; x < 64; x++) {
        let colour: [number, number, number] | undefined;
        if (label === 0) {
          const [dx, dy] = [x - 28 - shift, y - 30 - (shift >> 1)];
          if (dx * dx + dy * dy < 22 * 22) colour = [240, 190 + hue / 2, 40 + hue];
          if ((dx + 8) ** 2 + (dy + 6) ** 2 < 9 || (dx - 8) ** 2 + (dy + 6) ** 2 < 9) colour = [40, 30, 20];
        } else if (x >= 6 && x < 58 && y >= 14 + shift && y < 48 + shift) {
          colour = ((y - shift) >> 3) % 2 === 0 ? [200 - hue, 30, 40 + hue] : [30 + hue, 60, 200];
        }
        if (colour) pixels.set(colour, (n * 64 * 64 + y * 64 + x) * 3);
      }
    }
  }
  return { pixels, labels };
}

describe('gan eval and --eval-every on 64×64×3 runs: the emoji classifier', () => {
  const dir = mkdtempSync(join(tmpdir(), 'gan-eval-colour-'));
  const runDir = join(dir, 'run');
  const folder = join(dir, 'emoji-like');
  const count = 24;
  const { pixels, labels } = emojiLikeImages(count);

  beforeAll(async () => {
    // An image folder of PNGs made here (one subfolder per class), so the tests need no emoji download, and a
    // run folder as gan train writes it, with an untrained 64×64×3 DCGAN generator.
    for (let n = 0; n < count; n++) {
      const path = join(folder, labels[n] === 0 ? 'faces' : 'flags', `${String(n).padStart(2, '0')}.png`);
      mkdirSync(dirname(path), { recursive: true });
      writeFileSync(path, await encodePng(pixels.subarray(n * 12288, (n + 1) * 12288), 64, 64, 3));
    }
    await tf.setBackend('cpu');
    const gan = createGan('dcgan', { seed: 5, imageSize: 64, channels: 3, ngf: 8, ndf: 8 });
    await saveModel(gan.generator, join(runDir, 'generator'));
    writeFileSync(
      join(runDir, 'config.json'),
      JSON.stringify({ model: 'dcgan', info: gan.info, data: { spec: folder }, training: { noise: 'normal' } }),
    );
    gan.generator.dispose();
    gan.discriminator.dispose();
  }, 60_000);

  it('measures a colour run with the shipped emoji classifier and prints its protocol with the figures', async () => {
    const result = await gan([
      'eval',
      '--from',
      runDir,
      '--metrics',
      'fid,kid,is,pr',
      '--count',
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
    expect(result.stdout).toMatch(
      /FID\s+\d+\.\d{3}\s+\(Fréchet distance of 128-d emoji classifier features, 30 generated vs 24 real\)/,
    );
    expect(result.stdout).toMatch(/KID .*128-d emoji classifier features, cubic kernel, 3 subsets of 24\)/);
    expect(result.stdout).toMatch(/IS .*\(emoji classifier softmax, 2 splits of the 30 generated images; at most 9\)/);
    expect(result.stdout).toMatch(/feature network: @gan\/metrics emoji classifier .*128 penultimate ReLU features/);
    expect(result.stdout).toMatch(/held-out accuracy \d+\.\d %/);
    expect(result.stdout).toContain('Not Inception-v3: compare only with numbers of this protocol.');
    const report = JSON.parse(readFileSync(join(runDir, 'eval.json'), 'utf8'));
    expect(report.protocol.network).toBe('emoji classifier');
    expect(report.protocol.counts).toEqual({ generated: 30, real: 24 });
    expect(report.protocol.reference).toContain('24 real images of emoji-like');
    expect(report.metrics.fid).toBeGreaterThan(1);
    expect(report.metrics.is.mean).toBeGreaterThanOrEqual(1);
    expect(report.metrics.is.mean).toBeLessThanOrEqual(9);

    // The generator's batch normalisation with each batch's statistics, as PyTorch samples the DCGAN tutorial.
    const out = join(dir, 'train-mode.json');
    const trainMode = await gan([
      'eval',
      '--from',
      runDir,
      '--metrics',
      'fid',
      '--count',
      '30',
      '--batch-size',
      '10',
      '--sample-mode',
      'train',
      '--out',
      out,
      '--backend',
      'wasm',
    ]);
    expect(trainMode.code, trainMode.stderr).toBe(0);
    const trainReport = JSON.parse(readFileSync(out, 'utf8'));
    expect(trainReport.protocol.generated).toContain('batch normalisation with the statistics of each batch of 10');
    expect(trainReport.metrics.fid).not.toBeCloseTo(report.metrics.fid, 3);
  }, 180_000);

  it('measures 64×64×3 images from a .npy file and writes the report to --out', async () => {
    const same = join(dir, 'same.npy');
    await saveNpy(
      same,
      Float32Array.from(pixels, (v) => v / 255),
      [count, 64, 64, 3],
    );
    const noise = join(dir, 'noise.npy');
    await saveNpy(
      noise,
      Float32Array.from({ length: pixels.length }, (_, i) => ((i * 7919) % 256) / 255),
      [count, 64, 64, 3],
    );
    const args = ['--data', folder, '--metrics', 'fid,is', '--splits', '2', '--backend', 'wasm'];
    const sameOut = join(dir, 'reports', 'same.json');
    const sameResult = await gan(['eval', '--images', same, ...args, '--out', sameOut]);
    expect(sameResult.code, sameResult.stderr).toBe(0);
    expect(sameResult.stdout).toContain(`wrote ${sameOut}`);
    const sameReport = JSON.parse(readFileSync(sameOut, 'utf8'));
    // The same images on both sides (PNG round trip of bytes): the Fréchet distance is zero up to float error.
    expect(sameReport.metrics.fid).toBeLessThan(1e-2);
    const noiseResult = await gan(['eval', '--images', noise, ...args]);
    expect(noiseResult.code, noiseResult.stderr).toBe(0);
    const noiseReport = JSON.parse(readFileSync(join(dir, 'noise.eval.json'), 'utf8'));
    expect(noiseReport.metrics.fid).toBeGreaterThan(1);
    expect(noiseReport.protocol.featureNetwork).toBe(sameReport.protocol.featureNetwork);
    const mode = await gan(['eval', '--images', same, ...args, '--sample-mode', 'train']);
    expect(mode.code).toBe(2);
    expect(mode.stderr).toContain("--sample-mode applies to a run's generator (--from), not to --images.");
  }, 180_000);

  it('chooses real images spread over the set and gives a conditional generator labels in their proportions', () => {
    const data = arrayDataset({
      x: new Uint8Array(10 * 3).map((_, i) => Math.floor(i / 3) * 20),
      shape: [1, 1, 3],
      labels: Int32Array.from([0, 0, 0, 0, 0, 0, 1, 1, 2, 2]),
      name: 'ten',
    });
    const spread = referenceImages(data, 'spread', 4)(0, 4);
    // Examples 0, 2, 5 and 7 of 10 (index ⌊i·10/4⌋), their first channel i·20/255.
    expect(Array.from(spread.dataSync().filter((_, i) => i % 3 === 0)).map((v) => Math.round(v * 255))).toEqual([
      0, 40, 100, 140,
    ]);
    const first = referenceImages(data, 'first', 4)(1, 2);
    expect(Array.from(first.dataSync().filter((_, i) => i % 3 === 0)).map((v) => Math.round(v * 255))).toEqual([
      20, 40,
    ]);
    tf.dispose([spread, first]);
    const proportional = generatedLabels(data, 'spread', 20, 3);
    const drawn = Array.from({ length: 20 }, (_, i) => proportional.labelOf(i));
    expect([0, 1, 2].map((k) => drawn.filter((label) => label === k).length)).toEqual([12, 4, 4]);
    expect(proportional.description).toBe('labels of 3 classes in the proportions of ten');
    const cycling = generatedLabels(data, 'first', 20, 3);
    expect(Array.from({ length: 5 }, (_, i) => cycling.labelOf(i))).toEqual([0, 1, 2, 0, 1]);
  });

  it('measures FID during training (--eval-every) with the same network, and rejects shapes it has none for', async () => {
    await tf.setBackend('cpu');
    const data = arrayDataset({ x: pixels, shape: [64, 64, 3], labels: Int32Array.from(labels), range: [-1, 1] });
    const evaluator = await createFidEvaluator({ data, count: 12, noise: 'normal', seed: 1, batchSize: 12 });
    expect(evaluator.realCount).toBe(12);
    expect(evaluator.network).toBe('emoji classifier');
    expect(evaluator.protocol).toContain('Not Inception-v3');
    const gan = createGan('dcgan', { seed: 2, imageSize: 64, channels: 3, ngf: 8, ndf: 8 });
    const before = tf.memory().numTensors;
    const fid = await evaluator.measure(gan.generator);
    expect(tf.memory().numTensors).toBe(before);
    expect(Number.isFinite(fid) && fid > 0).toBe(true);
    // The same noise every call: the same figure.
    expect(await evaluator.measure(gan.generator)).toBeCloseTo(fid, 6);
    gan.generator.dispose();
    gan.discriminator.dispose();

    const small = arrayDataset({ x: new Uint8Array(2 * 32 * 32 * 3), shape: [32, 32, 3] });
    await expect(createFidEvaluator({ data: small, count: 2, noise: 'normal', seed: 1 })).rejects.toThrow(
      /the digit classifier takes 28×28×1 images, the emoji classifier 64×64×3; this run's data is \[32, 32, 3\]/,
    );
  }, 120_000);
});
