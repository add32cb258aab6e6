import '@tensorflow/tfjs-backend-cpu';
import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { createRandom } from '@gan/core';
import * as tf from '@tensorflow/tfjs-core';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { idxBytes, temporaryFolder } from '../testing/helpers.js';
import { mnist } from './mnist.js';

/** The real MNIST test set, outside the repository: `../../../shared/data/mnist` from the package folder. */
const packageFolder = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const realMnist = resolve(packageFolder, '../../../shared/data/mnist');
const hasRealMnist = existsSync(join(realMnist, 't10k-images-idx3-ubyte.gz'));

beforeAll(async () => {
  await tf.setBackend('cpu');
});

afterEach(() => {
  vi.unstubAllEnvs();
  vi.unstubAllGlobals();
});

/** Writes `count` tiny 28×28 examples (image i filled with i, label i % 10) under the given file prefix. */
async function writeSplit(
  folder: string,
  prefix: 'train' | 't10k',
  count: number,
  options: { gzip?: boolean; labels?: number; dotted?: boolean } = {},
) {
  await mkdir(folder, { recursive: true });
  const images = idxBytes(
    [count, 28, 28],
    Array.from({ length: count * 784 }, (_, k) => Math.floor(k / 784)),
  );
  const labelCount = options.labels ?? count;
  const labels = idxBytes(
    [labelCount],
    Array.from({ length: labelCount }, (_, i) => i % 10),
  );
  const pack = (bytes: Uint8Array) => (options.gzip ? gzipSync(bytes) : bytes);
  const suffix = options.gzip ? '.gz' : '';
  const separator = options.dotted ? '.' : '-';
  await writeFile(join(folder, `${prefix}-images${separator}idx3-ubyte${suffix}`), pack(images));
  await writeFile(join(folder, `${prefix}-labels${separator}idx1-ubyte${suffix}`), pack(labels));
}

describe('mnist on the real test set', () => {
  it.skipIf(!hasRealMnist)(`reads the 10000 t10k digits (needs ${realMnist})`, async () => {
    const dataset = await mnist({ dir: realMnist });
    expect(dataset.name).toBe('mnist');
    expect(dataset.range).toEqual([0, 1]);
    expect(dataset.size).toBe(10000);
    expect(dataset.shape).toEqual([28, 28, 1]);
    expect(dataset.numClasses).toBe(10);
    expect(dataset.classNames).toEqual(['0', '1', '2', '3', '4', '5', '6', '7', '8', '9']);
    expect(dataset.source).toMatch(/^t10k files \(10000 test digits\) in .*mnist; the 60k train files were not found$/);
    const labels = dataset.labels as Uint8Array;
    const counts = new Array(10).fill(0);
    for (const label of labels) counts[label]++;
    expect(counts.every((c) => c > 800)).toBe(true);
    expect(Array.from(labels.subarray(0, 5))).toEqual([7, 2, 1, 0, 4]); // the well-known first test digits
    const x = dataset.x as Uint8Array;
    expect(x[0]).toBe(0); // corners are background
    expect(Math.max(...x.subarray(0, 784))).toBe(255);
    const small = await mnist({ dir: realMnist, range: [-1, 1], limit: 64 });
    let batches = 0;
    for await (const batch of small.batches({ batchSize: 64, random: createRandom(1) })) {
      batches++;
      expect(batch.x.shape).toEqual([64, 28, 28, 1]);
      expect(tf.min(batch.x).dataSync()[0]).toBe(-1);
      expect(tf.max(batch.x).dataSync()[0]).toBe(1);
      tf.dispose([batch.x, batch.labels as tf.Tensor]);
    }
    expect(batches).toBe(1);
  });
});

describe('mnist file discovery', () => {
  it('prefers the train files, accepts raw and dotted names, and applies limit', async () => {
    const folder = await temporaryFolder();
    await writeSplit(folder, 't10k', 2, { gzip: true });
    await writeSplit(folder, 'train', 5, { dotted: true });
    const dataset = await mnist({ dir: folder, limit: 3 });
    expect(dataset.size).toBe(3);
    expect(dataset.source).toBe(`train files (5 digits) in ${folder}; using the first 3`);
    expect((dataset.x as Uint8Array)[2 * 784]).toBe(2);
    expect(Array.from(dataset.labels as Uint8Array)).toEqual([0, 1, 2]);
  });

  it('checks that images and labels agree, and that the folder has the files', async () => {
    const folder = await temporaryFolder();
    await writeSplit(folder, 't10k', 4, { labels: 3 });
    await expect(mnist({ dir: folder })).rejects.toMatchObject({
      code: 'CORRUPT_FILE',
      message: expect.stringMatching(/holds 4 images but .* holds 3 labels/),
    });
    const empty = await temporaryFolder();
    await expect(mnist({ dir: empty })).rejects.toMatchObject({
      code: 'NOT_FOUND',
      message: expect.stringContaining('train-images-idx3-ubyte[.gz]'),
    });
  });

  it('looks in $GAN_DATA_DIR/<variant>, then the cache folder', async () => {
    const dataDir = await temporaryFolder();
    const cache = await temporaryFolder();
    vi.stubEnv('XDG_CACHE_HOME', cache);
    vi.stubEnv('GAN_DATA_DIR', dataDir);
    await writeSplit(join(dataDir, 'fashion-mnist'), 't10k', 3);
    await writeSplit(join(cache, 'gan', 'mnist'), 'train', 2, { gzip: true });
    const fashion = await mnist({ variant: 'fashion-mnist', download: false });
    expect(fashion.name).toBe('fashion-mnist');
    expect(fashion.classNames?.[9]).toBe('Ankle boot');
    expect(fashion.source).toContain(join(dataDir, 'fashion-mnist'));
    expect(fashion.source).toContain('t10k files (3 test clothing images)');
    const digits = await mnist({ download: false });
    expect(digits.source).toBe(`train files (2 digits) in ${join(cache, 'gan', 'mnist')}`);
  });

  it('says how to proceed when nothing is found and the download fails', async () => {
    const cache = await temporaryFolder();
    vi.stubEnv('XDG_CACHE_HOME', cache);
    vi.stubEnv('GAN_DATA_DIR', '');
    await expect(mnist({ download: false })).rejects.toMatchObject({
      code: 'NOT_FOUND',
      message: expect.stringContaining('downloading is off'),
    });
    const fetch = vi.fn(async () => {
      throw Object.assign(new TypeError('fetch failed'), { cause: { code: 'EAI_AGAIN' } });
    });
    vi.stubGlobal('fetch', fetch);
    const error = await mnist().catch((e) => e);
    expect(error.code).toBe('NETWORK');
    expect(error.message).toContain(`The mnist files could not be downloaded into ${join(cache, 'gan', 'mnist')}`);
    expect(error.message).toContain(
      'https://ossci-datasets.s3.amazonaws.com/mnist/train-images-idx3-ubyte.gz: EAI_AGAIN',
    );
    expect(error.message).toContain('--data path/to/mnist');
    expect(error.message).toContain('GAN_DATA_DIR');
    expect(fetch).toHaveBeenCalledTimes(4); // every mirror of the first file, then it stops
  });
});
