import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { decodeNpy, encodeNpy } from '@gan/data';
import { afterAll, describe, expect, it } from 'vitest';
import { gan } from './testing/run-cli.js';

// PyTorch 2.13's files of a narrow DCGAN tutorial (imageSize 32, z of 8, ngf = ndf = 4) and its images for z.npy,
// written by bench/torch-interop/make_fixtures.py.
const fixtures = resolve(
  dirname(fileURLToPath(import.meta.url)),
  '../../../packages/models/src/testing/torch-fixtures',
);
const dcgan = ['--model', 'dcgan', '--image-size', '32', '--latent-dim', '8', '--ngf', '4', '--ndf', '4'];
const root = mkdtempSync(join(tmpdir(), 'gan-torch-cli-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const npy = (path: string) => decodeNpy(new Uint8Array(readFileSync(path)), path);
const maxAbs = (a: Float32Array, b: Float32Array) => a.reduce((worst, v, i) => Math.max(worst, Math.abs(v - b[i]!)), 0);

describe('gan import, gan sample --noise, gan export', () => {
  it("imports PyTorch's generator and discriminator: sample --noise gives PyTorch's images for the same z", async () => {
    const out = join(root, 'imported');
    const imported = await gan([
      'import',
      ...dcgan,
      '--from',
      join(fixtures, 'dcgan', 'checkpoint.pt'),
      '--key',
      'netG',
      '--discriminator',
      join(fixtures, 'dcgan', 'discriminator.pt'),
      '--out',
      out,
    ]);
    expect(imported.stderr).toBe('');
    expect(imported.code).toBe(0);
    expect(imported.stdout).toMatch(
      /imported 16 parameters of the generator \(pytorch, key netG\) and 12 of the discriminator/,
    );
    const config = JSON.parse(readFileSync(join(out, 'config.json'), 'utf8'));
    expect(config.model).toBe('dcgan');
    expect(config.info.latentDim).toBe(8);

    const sampled = await gan([
      'sample',
      '--from',
      out,
      '--noise',
      join(fixtures, 'dcgan', 'z.npy'),
      '--out',
      join(root, 'ours.npy'),
      '--backend',
      'cpu',
    ]);
    expect(sampled.code, sampled.stderr).toBe(0);
    expect(sampled.stdout).toMatch(/wrote 4 samples/);
    const ours = npy(join(root, 'ours.npy'));
    expect(ours.shape).toEqual([4, 32, 32, 3]);
    // gan sample writes [0, 1]; the tutorial's tanh images are in [-1, 1]
    const theirs = npy(join(fixtures, 'dcgan', 'images.npy')).data.map((v) => (v + 1) / 2);
    expect(maxAbs(ours.data, theirs)).toBeLessThan(1e-4);
  });

  it('exports .pt, .safetensors and model.py; importing the export gives the same weights, bit for bit', async () => {
    const from = join(root, 'imported');
    for (const file of ['export/g.pt', 'export/g.safetensors']) {
      const exported = await gan(['export', '--from', from, '--discriminator', '--out', join(root, file)]);
      expect(exported.code, exported.stderr).toBe(0);
      expect(exported.stderr).toBe('');
      const back = join(root, `back-${file.split('.').pop()}`);
      const reimported = await gan([
        'import',
        ...dcgan,
        '--from',
        join(root, file),
        '--key',
        'generator',
        '--out',
        back,
      ]);
      expect(reimported.code, reimported.stderr).toBe(0);
      expect(
        readFileSync(join(back, 'generator', 'weights.bin')).equals(
          readFileSync(join(from, 'generator', 'weights.bin')),
        ),
      ).toBe(true);
    }
    const source = readFileSync(join(root, 'export', 'model.py'), 'utf8');
    expect(source).toContain('class Generator(nn.Module):');
    expect(source).toContain('def load_generator(path):');
  });

  it('bad input: a clear error on one line, exit code, and nothing written to --out', async () => {
    const cases: [string[], RegExp][] = [
      [
        ['import', ...dcgan, '--from', join(fixtures, 'bad', 'unknown-global.pt'), '--out', join(root, 'bad1')],
        /(__builtin__|builtins)\.eval/,
      ],
      [
        ['import', ...dcgan, '--from', join(fixtures, 'dcgan-mnist', 'generator.pt'), '--out', join(root, 'bad2')],
        /'fc\.0\.weight', has shape \[16, 6\]/,
      ],
      [
        ['import', ...dcgan, '--from', join(fixtures, 'dcgan', 'checkpoint.pt'), '--out', join(root, 'bad3')],
        /--key netG/,
      ],
      [['import', ...dcgan, '--from', join(fixtures, 'bad', 'int8.pt'), '--out', join(root, 'bad4')], /CharStorage/],
      [
        ['import', '--model', 'sngan', '--from', join(fixtures, 'dcgan', 'generator.pt'), '--out', join(root, 'bad5')],
        /no PyTorch counterpart/,
      ],
      [
        [
          'import',
          ...dcgan,
          '--variant',
          'mlp',
          '--from',
          join(fixtures, 'dcgan', 'generator.pt'),
          '--out',
          join(root, 'bad6'),
        ],
        /--variant does not apply/,
      ],
    ];
    const truncated = join(root, 'truncated.pt');
    const whole = readFileSync(join(fixtures, 'dcgan', 'generator.pt'));
    writeFileSync(truncated, whole.subarray(0, whole.length - 300));
    cases.push([
      ['import', ...dcgan, '--from', truncated, '--out', join(root, 'bad7')],
      /truncated|not a readable PyTorch checkpoint/,
    ]);
    for (const [args, message] of cases) {
      const result = await gan(args);
      expect(result.code, args.join(' ')).not.toBe(0);
      expect(result.stderr.trim().split('\n')).toHaveLength(1);
      expect(result.stderr).toMatch(/^gan: /);
      expect(result.stderr).toMatch(message);
      expect(existsSync(args[args.indexOf('--out') + 1]!)).toBe(false);
    }
    // no temporary folders (writeFolderAtomic's <name>.tmp-<pid>-<n>) left beside the run folders
    expect(readdirSync(root).filter((name) => name.includes('.tmp-'))).toEqual([]);

    // an existing folder is kept unless --overwrite
    const kept = await gan([
      'import',
      ...dcgan,
      '--from',
      join(fixtures, 'dcgan', 'generator.pt'),
      '--out',
      join(root, 'imported'),
    ]);
    expect(kept.stderr).toMatch(/exists.*--overwrite/);

    // --noise of the wrong width
    const z = join(root, 'z9.npy');
    writeFileSync(z, encodeNpy(new Float32Array(18), [2, 9]));
    const wrong = await gan(['sample', '--from', join(root, 'imported'), '--noise', z, '--out', join(root, 'x.png')]);
    expect(wrong.code).not.toBe(0);
    expect(wrong.stderr).toMatch(/has shape \[2, 9\]; this generator takes \(N, 8\)/);
  });
});
