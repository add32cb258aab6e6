import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { GanError } from '@gan/core';
import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { beforeAll, describe, expect, it } from 'vitest';
import { createGan, type ModelName } from '../registry.js';
import { useCpu } from '../testing/helpers.js';
import { readNpy } from '../testing/npy.js';
import {
  exportTorchCheckpoint,
  exportTorchWeights,
  importTorchWeights,
  readStateDict,
  torchModuleSource,
  torchParameterNames,
} from './index.js';
import { unpickle } from './pickle.js';
import { crc32, readZip, writeZip } from './zip.js';

// Fixtures written by bench/torch-interop/make_fixtures.py with PyTorch (see manifest.json): narrow versions of the
// networks of the PyTorch material, their state_dicts as torch.save writes them, inputs and outputs in eval mode.
const fixtures = fileURLToPath(new URL('../testing/torch-fixtures/', import.meta.url));
const manifest = JSON.parse(readFileSync(join(fixtures, 'manifest.json'), 'utf8')) as {
  cases: {
    name: string;
    model: ModelName;
    options: Record<string, unknown>;
    generatorKeys: string[];
    discriminatorKeys: string[];
  }[];
};
const file = (...path: string[]) => new Uint8Array(readFileSync(join(fixtures, ...path)));

beforeAll(useCpu);

const build = (name: string) => {
  const entry = manifest.cases.find((c) => c.name === name)!;
  return createGan(entry.model, { ...entry.options, seed: 1 } as never);
};

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let worst = 0;
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i]! - b[i]!));
  return worst;
}

/** The model's outputs for the fixture's inputs, in inference mode (batch norm with its running statistics). */
function generate(model: tfl.LayersModel, folder: string): Float32Array {
  const z = readNpy(join(fixtures, folder, 'z.npy'));
  return tf.tidy(() => {
    const inputs: tf.Tensor[] = [tf.tensor(z.values, z.shape)];
    if (model.inputs.length > 1) {
      const labels = readNpy(join(fixtures, folder, 'labels.npy'));
      inputs.push(tf.tensor(labels.values, labels.shape));
    }
    return (model.predict(inputs.length === 1 ? inputs[0]! : inputs) as tf.Tensor).dataSync() as Float32Array;
  });
}

function discriminate(model: tfl.LayersModel, folder: string): Float32Array {
  const images = readNpy(join(fixtures, folder, 'images.npy'));
  return tf.tidy(() => {
    const inputs: tf.Tensor[] = [tf.tensor(images.values, images.shape)];
    if (model.inputs.length > 1) {
      const labels = readNpy(join(fixtures, folder, 'labels.npy'));
      inputs.push(tf.tensor(labels.values, labels.shape));
    }
    return (model.predict(inputs.length === 1 ? inputs[0]! : inputs) as tf.Tensor).dataSync() as Float32Array;
  });
}

const weightsOf = (model: tfl.LayersModel) => model.getWeights().map((w) => Array.from(w.dataSync()));

describe('importTorchWeights: the networks of the PyTorch material', () => {
  for (const entry of manifest.cases) {
    it(`${entry.name}: the generator's images and the discriminator's logits equal PyTorch's within 1e-4`, () => {
      const { generator, discriminator } = build(entry.name);
      const before = generate(generator, entry.name);
      const report = importTorchWeights(generator, file(entry.name, 'generator.pt'));
      expect(report.names).toEqual(entry.generatorKeys.filter((k) => !k.endsWith('num_batches_tracked')));
      const expected = readNpy(join(fixtures, entry.name, 'images.npy')).values;
      // the fixture is not what a fresh model makes anyway (else the test could not fail)
      expect(maxAbsDiff(before, expected)).toBeGreaterThan(0.05);
      expect(maxAbsDiff(generate(generator, entry.name), expected)).toBeLessThan(1e-4);
      importTorchWeights(discriminator, file(entry.name, 'discriminator.pt'));
      const logits = readNpy(join(fixtures, entry.name, 'logits.npy')).values;
      expect(maxAbsDiff(discriminate(discriminator, entry.name), logits)).toBeLessThan(1e-4);
    });
  }

  it('reads the file variants: checkpoint dict with a key, pickle protocol 4, the torch 1.6–1.12 zip layout, safetensors', () => {
    const expected = readNpy(join(fixtures, 'dcgan', 'images.npy')).values;
    const variants: [string, { key?: string }][] = [
      ['checkpoint.pt', { key: 'netG' }],
      ['generator-protocol4.pt', {}],
      ['generator-legacy-layout.pt', {}],
      ['generator.safetensors', {}],
    ];
    for (const [name, options] of variants) {
      const { generator } = build('dcgan');
      importTorchWeights(generator, file('dcgan', name), options);
      expect(maxAbsDiff(generate(generator, 'dcgan'), expected), name).toBeLessThan(1e-4);
    }
  });

  it('reads float16 and bfloat16 weights (to their precision)', () => {
    const expected = readNpy(join(fixtures, 'dcgan', 'images.npy')).values;
    for (const [name, tolerance] of [
      ['generator-float16.pt', 0.02],
      ['generator-bfloat16.pt', 0.1],
    ] as const) {
      const { generator } = build('dcgan');
      importTorchWeights(generator, file('dcgan', name));
      const diff = maxAbsDiff(generate(generator, 'dcgan'), expected);
      expect(diff, name).toBeLessThan(tolerance);
      expect(diff, name).toBeGreaterThan(0); // really rounded: the values went through the narrow type
    }
  });
});

describe('exportTorchWeights', () => {
  for (const format of ['pytorch', 'safetensors'] as const) {
    it(`${format}: importing an export gives bit-identical weights, for every model`, () => {
      for (const entry of manifest.cases) {
        const source = build(entry.name);
        importTorchWeights(source.generator, file(entry.name, 'generator.pt'));
        importTorchWeights(source.discriminator, file(entry.name, 'discriminator.pt'));
        for (const net of ['generator', 'discriminator'] as const) {
          const bytes = exportTorchWeights(source[net], format);
          const target = createGan(entry.model, { ...entry.options, seed: 2 } as never)[net];
          importTorchWeights(target, bytes);
          expect(weightsOf(target), `${entry.name} ${net}`).toEqual(weightsOf(source[net]));
        }
      }
    });
  }

  it('a file of both networks: each read back with its key, in both formats', () => {
    const source = build('cgan');
    importTorchWeights(source.generator, file('cgan', 'generator.pt'));
    importTorchWeights(source.discriminator, file('cgan', 'discriminator.pt'));
    for (const format of ['pytorch', 'safetensors'] as const) {
      const bytes = exportTorchCheckpoint({ generator: source.generator, discriminator: source.discriminator }, format);
      const target = build('cgan');
      importTorchWeights(target.generator, bytes, { key: 'generator' });
      importTorchWeights(target.discriminator, bytes, { key: 'discriminator' });
      expect(weightsOf(target.generator), format).toEqual(weightsOf(source.generator));
      expect(weightsOf(target.discriminator), format).toEqual(weightsOf(source.discriminator));
      expect(() => importTorchWeights(target.generator, bytes)).toThrow(/--key|has tensors the model has no place for/);
    }
  });

  it('writes the values PyTorch had, under the names of torchModuleSource, num_batches_tracked included', () => {
    const { generator } = build('dcgan-mnist');
    importTorchWeights(generator, file('dcgan-mnist', 'generator.pt'));
    const original = readStateDict(file('dcgan-mnist', 'generator.pt')).tensors.filter((t) => t.dtype !== 'int64');
    const exported = readStateDict(exportTorchWeights(generator)).tensors;
    expect(exported.map((t) => t.name)).toEqual(torchParameterNames(generator));
    expect(exported.filter((t) => t.name.endsWith('num_batches_tracked')).length).toBe(3);
    const floats = exported.filter((t) => t.dtype === 'float32');
    expect(floats.map((t) => t.shape)).toEqual(original.map((t) => t.shape));
    floats.forEach((t, i) => {
      expect(Array.from(t.values)).toEqual(Array.from(original[i]!.values));
    });
  });

  it('aligns the zip entries to 64 bytes and checksums them, as torch.save does', () => {
    const { generator } = build('dcgan');
    const bytes = exportTorchWeights(generator);
    const entries = readZip(bytes);
    expect([...entries.keys()]).toContain('archive/data.pkl');
    for (const [name, data] of entries) {
      if (name.startsWith('archive/data/')) expect(data.byteOffset % 64, name).toBe(0);
    }
    // the local header's CRC of the first entry
    expect(new DataView(bytes.buffer).getUint32(14, true)).toBe(crc32(entries.get('archive/data.pkl')!));
  });

  it('torchModuleSource writes a module per network with the layers in the parameter order', () => {
    const { generator, discriminator } = build('cgan-tutorial');
    const source = torchModuleSource({ generator, discriminator }, 'cgan (tutorial)');
    expect(source).toContain('class Generator(nn.Module):');
    expect(source).toContain('class Discriminator(nn.Module):');
    expect(source).toContain('def forward(self, z, labels):');
    expect(source).toContain('def forward(self, image, labels):'); // the model's input order, not its layers'
    expect(source).toContain('self.deconv1 = nn.ConvTranspose2d(11, 16, 4, 1, 0, bias=False)');
    expect(source).toContain('self.conv1 = nn.Conv2d(6, 4, 4, 2, 1, bias=False)');
    expect(source).toContain('[:, :, None, None].expand(-1, -1, 32, 32)');
    const [g, d] = source.split('class Discriminator');
    for (const [text, model] of [
      [g!, generator],
      [d!, discriminator],
    ] as const) {
      const declared = [...text.matchAll(/self\.(\w+) = nn\./g)].map((m) => m[1]);
      expect(declared).toEqual([...new Set(torchParameterNames(model).map((n) => n.split('.')[0]))]);
    }
  });
});

describe('bad input: a clear error, the model untouched', () => {
  const expectError = (fn: () => unknown, code: string, pattern: RegExp) => {
    let caught: unknown;
    try {
      fn();
    } catch (error) {
      caught = error;
    }
    expect(GanError.isInstance(caught), String(caught)).toBe(true);
    expect((caught as GanError).code).toBe(code);
    expect((caught as Error).message).toMatch(pattern);
  };

  it('a truncated zip', () => {
    const { generator } = build('dcgan');
    const before = weightsOf(generator);
    const bytes = file('dcgan', 'generator.pt');
    for (const length of [bytes.length - 10, Math.floor(bytes.length / 2), 100]) {
      expectError(
        () => importTorchWeights(generator, bytes.subarray(0, length)),
        'CORRUPT_FILE',
        /truncated|not a readable/,
      );
    }
    expect(weightsOf(generator)).toEqual(before);
  });

  it('a pickle that asks for an unknown global is refused and nothing in it runs', () => {
    const { generator } = build('dcgan');
    expectError(
      () => importTorchWeights(generator, file('bad', 'unknown-global.pt')),
      'UNSUPPORTED',
      /(__builtin__|builtins)\.eval/,
    );
  });

  it('a dtype we do not read', () => {
    const { generator } = build('dcgan');
    expectError(
      () => importTorchWeights(generator, file('bad', 'int8.pt')),
      'UNSUPPORTED',
      /torch\.CharStorage.*\.float\(\)/,
    );
  });

  it("PyTorch's legacy (pre-zip) format", () => {
    const { generator } = build('dcgan');
    expectError(() => importTorchWeights(generator, file('bad', 'legacy-format.pt')), 'UNSUPPORTED', /legacy format/);
  });

  it('a state_dict of another architecture names the first parameter that does not fit', () => {
    const { generator } = build('dcgan');
    const before = weightsOf(generator);
    expectError(
      () => importTorchWeights(generator, file('dcgan-mnist', 'generator.pt')),
      'SHAPE_MISMATCH',
      /parameter 1, 'fc\.0\.weight', has shape \[16, 6\], but the model expects \[8, 16, 4, 4\]/,
    );
    expectError(
      () => importTorchWeights(generator, file('dcgan', 'discriminator.pt')),
      'SHAPE_MISMATCH',
      /'main\.0\.weight'/,
    );
    // the same width but another latent size
    const other = createGan('dcgan', { imageSize: 32, latentDim: 9, ngf: 4, ndf: 4, channels: 3 });
    expectError(
      () => importTorchWeights(other.generator, file('dcgan', 'generator.pt')),
      'SHAPE_MISMATCH',
      /\[8, 16, 4, 4\].*\[9, 16, 4, 4\]/,
    );
    expect(weightsOf(generator)).toEqual(before);
  });

  it('a checkpoint dict without --key says which keys it has', () => {
    const { generator } = build('dcgan');
    expectError(
      () => importTorchWeights(generator, file('dcgan', 'checkpoint.pt')),
      'INVALID_ARGUMENT',
      /netG.*--key netG/,
    );
    expectError(
      () => importTorchWeights(generator, file('dcgan', 'checkpoint.pt'), { key: 'netD' }),
      'INVALID_ARGUMENT',
      /no dict under key 'netD'/,
    );
  });

  it('bytes that are neither format', () => {
    const { generator } = build('dcgan');
    expectError(
      () => importTorchWeights(generator, new TextEncoder().encode('hello')),
      'CORRUPT_FILE',
      /neither a PyTorch checkpoint/,
    );
  });

  it('a damaged safetensors header', () => {
    const { generator } = build('dcgan');
    const bytes = file('dcgan', 'generator.safetensors').slice();
    bytes[20] = 0x00;
    expectError(() => importTorchWeights(generator, bytes), 'CORRUPT_FILE', /not valid JSON/);
  });
});

describe('the restricted unpickler and zip reader', () => {
  it('reads what it is given and nothing else', () => {
    // {'a': [1, 2.5, None, True], 'b': (b'xy',)} in protocol 2
    const pickle = Uint8Array.from([
      0x80, 0x02, 0x7d, 0x71, 0x00, 0x28, 0x58, 0x01, 0x00, 0x00, 0x00, 0x61, 0x5d, 0x28, 0x4b, 0x01, 0x47, 0x40, 0x04,
      0, 0, 0, 0, 0, 0, 0x4e, 0x88, 0x65, 0x58, 0x01, 0x00, 0x00, 0x00, 0x62, 0x43, 0x02, 0x78, 0x79, 0x85, 0x75, 0x2e,
    ]);
    const value = unpickle(pickle) as Map<string, unknown>;
    expect(value.get('a')).toEqual([1, 2.5, null, true]);
    expect(value.get('b')).toEqual([Uint8Array.from([0x78, 0x79])]);
    // GLOBAL os.system
    const evil = Uint8Array.from('\x80\x02cos\nsystem\nq\x00.', (c) => c.charCodeAt(0));
    expect(() => unpickle(evil)).toThrow(/os\.system/);
  });

  it('a zip round trip', () => {
    const entries: [string, Uint8Array][] = [
      ['x/a', Uint8Array.from([1, 2, 3])],
      ['x/b', new Uint8Array(0)],
    ];
    const read = readZip(writeZip(entries));
    expect([...read.keys()]).toEqual(['x/a', 'x/b']);
    expect(Array.from(read.get('x/a')!)).toEqual([1, 2, 3]);
  });
});
