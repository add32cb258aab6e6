import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeNpy } from '@gan/data';
import { decodeImage, encodePng } from '@gan/data/node';
import { describe, expect, it } from 'vitest';
import { gan } from './testing/run-cli.js';

const temporary = () => mkdtempSync(join(tmpdir(), 'gan-first-'));
const json = (path: string) => JSON.parse(readFileSync(path, 'utf8'));

/** Lines the CLI itself writes while training; anything else on the terminal is a foreign line. */
const ownLine = /^(backend: |preset: |data: |Reading |Resized |Skipped |epoch \d+\/\d+ |Done: |\[)/;

describe('the first run', () => {
  it('runs the quickstart preset with no --model/--data, says so in one backend line, and prints only its own lines', async () => {
    const out = temporary();
    const run = await gan(['train', '--epochs', '1', '--limit', '64', '--seed', '5', '--out', out]);
    expect(run.code, run.stderr).toBe(0);
    const lines = `${run.stdout}${run.stderr}`.split('\n').filter((line) => line.trim() !== '');
    expect(lines.filter((line) => !ownLine.test(line))).toEqual([]);
    const backendLines = lines.filter((line) => line.startsWith('backend: '));
    expect(backendLines).toHaveLength(1);
    expect(backendLines[0]).not.toContain('tried first');
    expect(lines).toContain(
      'preset: quickstart (--model cgan --variant tutorial --data shapes --image-size 32 --ngf 16 --ndf 16 --epochs 1 (preset: 26) --batch-size 32 --lr 0.0005 --seed 5 (preset: 999))',
    );
    const config = json(join(out, 'config.json'));
    expect(config.preset).toBe('quickstart');
    expect(config.model).toBe('cgan');
    expect(config.modelConfig).toMatchObject({ variant: 'tutorial', imageSize: 32, ngf: 16, ndf: 16, numClasses: 6 });
    expect(config.training).toMatchObject({ epochs: 1, batchSize: 32, learningRate: 5e-4 });
    expect(config.data.shape).toEqual([32, 32, 1]);

    // Sampling a class prints no tfjs banner either.
    const samples = join(out, 's.npy');
    const sample = await gan([
      'sample',
      '--from',
      out,
      '--count',
      '6',
      '--label',
      '2',
      '--seed',
      '1',
      '--out',
      samples,
    ]);
    expect(sample.code, sample.stderr).toBe(0);
    expect(`${sample.stdout}${sample.stderr}`).not.toMatch(/Hi, looks like|TensorFlow\.js in Node|Warning|Vulkan/);
    expect(decodeNpy(new Uint8Array(readFileSync(samples))).shape).toEqual([6, 32, 32, 1]);

    // --verbose tells what was tried.
    const verbose = await gan(['train', '--resume', out, '--epochs', '1', '--verbose']);
    expect(verbose.code, verbose.stderr).toBe(0);
    expect(verbose.stderr).toMatch(/backend: wasm .*tried first: tensorflow: /);
  });

  it('rejects a bad --background with what it accepts', async () => {
    const run = await gan(['train', '--background', 'mauve', '--out', temporary()]);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('Expected --background to be white, black, gray, #rrggbb or r,g,b');
  });
});

/** A `size × size` RGBA PNG: a filled disc (class 0) or square (class 1) of `colour` on a transparent field. */
async function colourPng(size: number, kind: 0 | 1, colour: [number, number, number]) {
  const pixels = new Uint8Array(size * size * 4);
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      const dx = (x + 0.5) / size - 0.5;
      const dy = (y + 0.5) / size - 0.5;
      const inside = kind === 0 ? dx * dx + dy * dy < 0.1 : Math.abs(dx) < 0.3 && Math.abs(dy) < 0.3;
      const at = (y * size + x) * 4;
      pixels.set([...colour, inside ? 255 : 0], at);
    }
  }
  return encodePng(pixels, size, size, 4);
}

describe('a folder of colour images with one subfolder per class', () => {
  it('trains the conditional tutorial DCGAN on it, in colour, skipping a broken file by name, and samples a class', async () => {
    const root = temporary();
    const data = join(root, 'data');
    for (const [label, name] of ['discs', 'squares'].entries()) {
      mkdirSync(join(data, name), { recursive: true });
      for (let i = 0; i < 8; i++) {
        // Mixed sizes (resized to --image-size) and colours; transparency goes over the white background.
        const size = i % 2 === 0 ? 32 : 48;
        const colour: [number, number, number] = [200 * (i % 2), 40 * i, 255 - 30 * i];
        writeFileSync(join(data, name, `${i}.png`), await colourPng(size, label as 0 | 1, colour));
      }
    }
    writeFileSync(join(data, 'squares', 'broken.png'), new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 1, 2]));
    const out = join(root, 'run');
    const flags = ['--model', 'cgan', '--variant', 'tutorial', '--image-size', '32', '--ngf', '8', '--ndf', '8'];
    const run = await gan([
      'train',
      ...flags,
      '--data',
      data,
      '--epochs',
      '1',
      '--batch-size',
      '8',
      '--seed',
      '2',
      '--backend',
      'wasm',
      '--out',
      out,
    ]);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toMatch(/Skipped 1 .*broken\.png/);
    const config = json(join(out, 'config.json'));
    expect(config.data).toMatchObject({ shape: [32, 32, 3], numClasses: 2, classNames: ['discs', 'squares'] });
    expect(config.data.background).toEqual([255, 255, 255]);
    const grid = await decodeImage(new Uint8Array(readFileSync(join(out, 'samples', 'epoch_001.png'))));
    expect(grid.channels).toBe(3);

    const samples = join(root, 'discs.npy');
    const sample = await gan(['sample', '--from', out, '--count', '4', '--label', '0', '--out', samples]);
    expect(sample.code, sample.stderr).toBe(0);
    expect(decodeNpy(new Uint8Array(readFileSync(samples))).shape).toEqual([4, 32, 32, 3]);
    const badLabel = await gan(['sample', '--from', out, '--label', '2', '--out', samples]);
    expect(badLabel.code).not.toBe(0);
    expect(badLabel.stderr).toContain('--label must be in 0..1');
  });

  it('stops with a clear error when no image in the folder can be decoded, and writes no run', async () => {
    const data = join(temporary(), 'bad');
    mkdirSync(data);
    writeFileSync(join(data, 'a.png'), 'not a png');
    writeFileSync(join(data, 'b.jpg'), new Uint8Array([0xff, 0xd8, 0xff, 0x00]));
    const out = join(temporary(), 'run');
    const run = await gan(['train', '--model', 'dcgan', '--image-size', '32', '--data', data, '--out', out]);
    expect(run.code).not.toBe(0);
    expect(run.stderr).toMatch(/^gan: None of the 2 image files .* could be decoded: a\.png .*b\.jpg/m);
    expect(run.stderr).not.toMatch(/^\s+at /m); // no stack trace
    expect(existsSync(join(out, 'checkpoints'))).toBe(false);
  });
});
